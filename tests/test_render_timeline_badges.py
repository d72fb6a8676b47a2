"""Deviation badges never sit over a label (issue 10, item 6): the timeline's lane layout.

A badge is a red disc with the deviation's number. It goes in its item's row, beside
the marker on the side away from the label, and the row layout keeps room for it, so
that no badge covers any text of the drawing (item labels, lane names, window labels,
axis) and no two badges cover each other. Text extents are estimated as the layout
does: 6.3 px a character at 11 px, from 9 px above the baseline to 3 px below.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from protocol.engine import check_record
from protocol.packs import Pack
from protocol.records import load_record
from protocol.render.timeline_svg import timeline_svg

ROOT = Path(__file__).resolve().parent.parent
CHAR = 6.3
Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _text_box(text: ET.Element) -> Box:
    x, y = float(text.get("x", 0)), float(text.get("y", 0))
    width = len(text.text or "") * CHAR
    anchor = text.get("text-anchor", "start")
    x0 = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return x0, y - 9, x0 + width, y + 3


def _badges(svg: ET.Element) -> list[tuple[str, Box]]:
    out = []
    for group in svg.iter("g"):
        if group.get("class") == "deviation":
            disc = group.find("circle")
            assert disc is not None
            cx, cy, r = (float(disc.get(k, 0)) for k in ("cx", "cy", "r"))
            out.append((group.get("data-number", ""), (cx - r, cy - r, cx + r, cy + r)))
    return out


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _collisions(svg_text: str) -> list[str]:
    svg = ET.fromstring(svg_text)
    deviation_texts = {id(t) for g in svg.iter("g") if g.get("class") == "deviation" for t in g}
    texts = [t for t in svg.iter("text") if id(t) not in deviation_texts and (t.text or "")]
    badges = _badges(svg)
    found = []
    for number, box in badges:
        found += [f"badge {number} over {t.text!r}" for t in texts if _overlap(box, _text_box(t))]
    for i, (one, a) in enumerate(badges):
        found += [f"badge {one} over badge {two}" for two, b in badges[i + 1 :] if _overlap(a, b)]
    return found


def _drawings(pack: Pack, records: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple]:
    out = []
    for source, record in records:
        model, _ = load_record(record, source)
        if model is None:
            continue
        result = check_record(model, pack, None, source)
        out.append((result.patient_id, timeline_svg(record, result, pack.params).svg))
    return out


def _examples() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((ROOT / "examples").glob("p*.json"))
    ]


def test_no_badge_covers_a_label_in_the_examples(pack: Pack) -> None:
    drawings = _drawings(pack, _examples())
    assert sum(len(_badges(ET.fromstring(svg))) for _, svg in drawings if svg) >= 15
    assert [(pid, c) for pid, svg in drawings if svg for c in _collisions(svg)] == []


@pytest.mark.parametrize("seed", (7, 2017))
def test_no_badge_covers_a_label_in_a_synthetic_cohort(
    pack: Pack, synthetic: Any, seed: int
) -> None:
    records = [(f"s{i}", r) for i, r in enumerate(synthetic.generate(150, seed=seed, invalid=0))]
    drawings = _drawings(pack, records)
    assert sum(len(_badges(ET.fromstring(svg))) for _, svg in drawings if svg) >= 50
    assert [(pid, c) for pid, svg in drawings if svg for c in _collisions(svg)] == []


def test_p07_badges_sit_in_the_row_of_their_adverse_event(pack: Pack) -> None:
    # P07: hypertension grade 3 (no dose action: AE002, and AE001's flag) and ascites
    # grade 3 (AE001): badges 1 and 3 beside the first, badge 2 beside the second.
    [(_, svg_text)] = _drawings(pack, [e for e in _examples() if e[0].startswith("p07")])
    svg = ET.fromstring(svg_text)
    discs = {n: box for n, box in _badges(svg)}
    rings = [
        (float(c.get("cx", 0)), float(c.get("cy", 0)))
        for c in svg.iter("circle")
        if c.get("r") == "9.5"  # the flag's ring around a grade >= 3 AE
    ]
    assert len(rings) == 2 and set(discs) == {"1", "2", "3"}
    centre = {n: ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for n, b in discs.items()}
    hypertension, ascites = sorted(rings)
    assert centre["1"][1] == centre["3"][1] == hypertension[1]  # same row, not above it
    assert centre["2"][1] == ascites[1]
    for n, ring in (("1", hypertension), ("3", hypertension), ("2", ascites)):
        assert abs(centre[n][0] - ring[0]) >= 9.5 + 7.5  # clear of the ring


def test_the_exposure_threshold_is_a_date_not_a_claim_that_it_was_reached() -> None:
    """P13 starts sorafenib 2012-07-02 and stops 2012-09-14: the 4-month threshold falls
    on 2012-11-02, which the patient never reached. The label names the date only."""
    from protocol.packs import load_pack

    pack = load_pack("tamai-2017")
    record = json.loads((ROOT / "examples" / "p13-short-exposure.json").read_text("utf-8"))
    ((_, svg),) = _drawings(pack, [("p13", record)])
    texts = ["".join(t.itertext()) for t in ET.fromstring(svg).iter() if t.tag.endswith("text")]
    assert any("4-month exposure threshold 2012-11-02" in t for t in texts), texts
    assert not any("reached" in t for t in texts)

"""Twenty patients as canonical JSON and as the REDCap export of the shipped project.

The canonical records are examples/*.json, some edited so that the export exercises the
messy parts: missing-data codes where the canonical record has nothing, a year-only and a
month-only date, a withdrawal, a checkbox left unticked. ``python
tests/redcap/twenty_patients.py`` rewrites
integrations/redcap/examples/tamai-20-patients.csv and tests/redcap/tamai-20-patients.json.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from canonical_to_export import to_csv, to_json, to_rows

__all__ = ["FIXTURE_CSV", "FIXTURE_JSON", "canonical_records", "export_rows"]

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
# Shipped for users too: the example export of the README.
FIXTURE_CSV = HERE.parent.parent / "integrations" / "redcap" / "examples" / "tamai-20-patients.csv"
FIXTURE_JSON = HERE / "tamai-20-patients.json"
_CHOSEN = [f"p{n:02d}" for n in range(1, 19)] + ["p21", "p23"]


def _examples() -> dict[str, dict[str, Any]]:
    out = {}
    for name in _CHOSEN:
        (path,) = sorted((ROOT / "examples").glob(f"{name}-*.json"))
        record = json.loads(path.read_text(encoding="utf-8"))
        out[record["patient_id"]] = record
    return out


Overrides = dict[tuple[str, int | None, str], str]


def canonical_records() -> list[tuple[dict[str, Any], Overrides]]:
    """(canonical record, export cells that differ from a plain conversion) per patient."""
    records = _examples()
    edits: dict[str, Overrides] = {}

    def edit(pid: str, overrides: Overrides) -> dict[str, Any]:
        edits[pid] = overrides
        return records[pid]

    # A missing-data code where the canonical record simply has no value.
    del edit("P03", {("", None, "dx_date"): "UNK"})["diagnosis"]["date"]
    del edit("P05", {("tace", 1, "tace_technique"): "NASK"})["tace"][0]["technique"]
    del edit("P09", {("imaging", 2, "img_modality"): "-5"})["imaging"][1]["modality"]
    del edit("P10", {("", None, "fu_last_contact"): "NAVU"})["last_contact_date"]
    # A missing-data code the mapping turns into the canonical "unknown".
    edit("P06", {("adverse_events", 2, "ae_action"): "UNK"})["adverse_events"][1][
        "action_taken"
    ] = "unknown"
    # A checkbox missing-data code: seriousness not recorded.
    del edit(
        "P07",
        {
            ("adverse_events", 1, "ae_serious___0"): "0",
            ("adverse_events", 1, "ae_serious___unk"): "1",
        },
    )["adverse_events"][0]["serious"]
    # Partial dates: year only (diagnosis), month only (death).
    records["P08"]["diagnosis"]["date"] = records["P08"]["diagnosis"]["date"][:4]
    records["P18"]["death_date"] = records["P18"]["death_date"][:7]
    # A withdrawal, and an AE whose causality was not assessed.
    records["P12"]["withdrawal"] = {"date": "2012-05", "reason": "Withdrew consent"}
    records["P13"].setdefault("adverse_events", [])
    return [(record, edits.get(pid, {})) for pid, record in records.items()]


def export_rows(seed: int = 12) -> list[dict[str, Any]]:
    """The export rows of the twenty patients, instance rows in a shuffled order."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for record, overrides in canonical_records():
        rows.extend(to_rows(copy.deepcopy(record), overrides, shuffle=rng))
    return rows


if __name__ == "__main__":
    rows = export_rows()
    FIXTURE_CSV.write_text(to_csv(rows), encoding="utf-8", newline="")
    FIXTURE_JSON.write_text(to_json(rows, numbers=True) + "\n", encoding="utf-8")

"""Queries a site can work (issue 10, item 4), and CSV that Excel opens with Japanese text.

Each query has a stable id and a status; a partial date that leaves eligibility
undecided is a query; the subject column is USUBJID as in the deviation log; the text
for the site names fields in words (the pointer stays in FIELD); both CSV formats are
UTF-8 with a byte order mark.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from protocol.cli import main
from protocol.engine import check_record
from protocol.findings import PatientResult, RecordError
from protocol.packs import Pack
from protocol.records import load_record
from protocol.render.base import RenderOptions
from protocol.render.deviation_log import COLUMNS as DV_COLUMNS
from protocol.render.deviation_log import DeviationLogRenderer
from protocol.render.field_words import field_words, without_pointers
from protocol.render.queries import COLUMNS, QueryListingRenderer, query_id

ROOT = Path(__file__).resolve().parent.parent
BOM = b"\xef\xbb\xbf"
POINTER = re.compile(r"(?<![\w/])/[a-z_]+")


def _checked(pack: Pack, name: str, source: str | None = None) -> tuple[PatientResult, dict]:
    record = json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))
    model, problems = load_record(record, source or name)
    assert model is not None, problems
    return check_record(model, pack, None, source or name), record


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _listing(pack: Pack, names: list[str], **options: Any) -> list[dict[str, str]]:
    renderer = QueryListingRenderer(pack, RenderOptions(**options))
    return _rows(renderer.begin() + "".join(renderer.patient(*_checked(pack, n)) for n in names))


def test_the_columns_name_the_subject_as_the_deviation_log_does() -> None:
    assert COLUMNS[:4] == ("QUERYID", "STATUS", "SITEID", "USUBJID")
    assert "USUBJID" in DV_COLUMNS and "SUBJECT" not in COLUMNS


def test_a_partial_progression_date_is_a_query_to_give_the_day(pack: Pack) -> None:
    # P23: progression on imaging 2 is dated 2012-06 only; the 6-month window after TACE #1
    # (2011-12-15) ends 2012-06-15, so ELG003 cannot be decided without the day.
    result, _ = _checked(pack, "p23-partial-progression-date.json")
    [row] = _listing(pack, ["p23-partial-progression-date.json"])
    finding = next(f for f in result.findings if f.rule == "ELG003")
    assert (row["USUBJID"], row["SITEID"], row["RULE"]) == ("P23", "JP-HYG-03", "ELG003")
    assert (row["FIELD"], row["VALUE"], row["STATUS"]) == ("/imaging/1/date", "2012-06", "open")
    assert row["QUERY"] == finding.message
    assert "TRT002" not in [row["RULE"]]  # follows from eligibility: nothing to ask the site


def test_query_ids_are_stable_and_tell_queries_apart(pack: Pack) -> None:
    first = _listing(pack, ["p16-duplicate-tace-date.json", "p23-partial-progression-date.json"])
    again = _listing(pack, ["p23-partial-progression-date.json", "p16-duplicate-tace-date.json"])
    assert {r["QUERYID"] for r in first} == {r["QUERYID"] for r in again}
    assert len({r["QUERYID"] for r in first}) == len(first) == 2
    assert all(re.fullmatch(r"Q-[0-9A-F]{12}", r["QUERYID"]) for r in first)
    # the same patient, rule, instance and question from another file: the same query
    result, record = _checked(pack, "p16-duplicate-tace-date.json", "elsewhere/p16.json")
    renderer = QueryListingRenderer(pack)
    [moved] = _rows(renderer.begin() + renderer.patient(result, record))
    assert moved["QUERYID"] == next(r["QUERYID"] for r in first if r["USUBJID"] == "P16")
    key = ("P16", "DAT001", "/tace/1/date", "data:not_met")
    assert query_id(*key) == query_id(*key)
    for i, other in enumerate(("P17", "DAT002", "/tace/0/date", "eligibility:not_evaluable")):
        changed = list(key)
        changed[i] = other
        assert query_id(*changed) != query_id(*key)


def test_query_text_names_fields_in_words_not_pointers(pack: Pack) -> None:
    names = sorted(p.name for p in (ROOT / "examples").glob("p*.json"))
    rows = _listing(pack, names)
    assert len(rows) >= 7
    assert [r["QUERY"] for r in rows if POINTER.search(r["QUERY"])] == []
    assert all(r["FIELD"].startswith("/") for r in rows)  # the pointer stays in FIELD
    p16 = next(r for r in rows if r["USUBJID"] == "P16")
    assert "TACE entry 1, TACE entry 2" in p16["QUERY"]  # /tace/0 and /tace/1


def test_hidden_values_query_names_the_field_in_words(pack: Pack) -> None:
    [row] = _listing(pack, ["p16-duplicate-tace-date.json"], hide_values=True)
    assert row["FIELD"] == "/tace/1/date" and row["VALUE"] == ""
    assert row["QUERY"].startswith("Please check the date of TACE entry 2 against the source: ")
    assert POINTER.search(row["QUERY"]) is None


def test_field_words() -> None:
    assert field_words("/tace/1/date") == "the date of TACE entry 2"
    assert field_words("/sorafenib/0/dose_mg") == "the dose (mg) of dosing period 1"
    assert field_words("/adverse_events/2/onset_date") == "the onset date of adverse event 3"
    assert field_words("/imaging/0") == "imaging entry 1"
    assert field_words("/tace") == "the TACE entries"
    assert field_words("/last_contact_date") == "the last contact date"
    assert field_words("/withdrawal/date") == "the date of withdrawal"
    assert field_words("") == "the record"
    assert without_pointers("imaging[0].result has a value that is not allowed") == (
        "the result of imaging entry 1 has a value that is not allowed"
    )
    assert without_pointers("tace[2] and adverse_events[0].grade") == (
        "TACE entry 3 and the grade of adverse event 1"
    )
    text = "400 mg/day on 01/03/2012 at /sorafenib/1/end_date and /tace/0."
    assert without_pointers(text) == (
        "400 mg/day on 01/03/2012 at the end date of dosing period 2 and TACE entry 1."
    )


def test_an_input_error_query_carries_the_patient_and_the_site(pack: Pack) -> None:
    record = json.loads((ROOT / "examples" / "p01-on-time.json").read_text(encoding="utf-8"))
    record["adverse_events"][0]["onset_date"] = "01/03/2012"
    _, errors = load_record(record, "bad.json")
    assert errors
    renderer = QueryListingRenderer(pack)
    rows = _rows(renderer.begin() + renderer.record_errors("bad.json", errors))
    row = next(r for r in rows if r["FIELD"] == "/adverse_events/0/onset_date")
    assert (row["USUBJID"], row["SITEID"], row["RULE"], row["STATUS"]) == (
        "P01",
        record["site_id"],
        "RECORD",
        "open",
    )
    assert POINTER.search(row["QUERY"]) is None
    assert re.search(r"\w\[\d+\]", row["QUERY"]) is None  # no adverse_events[0].onset_date
    assert re.fullmatch(r"Q-[0-9A-F]{12}", row["QUERYID"])


def test_an_input_error_without_a_site_leaves_siteid_empty(pack: Pack) -> None:
    error = RecordError("x.json", "/tace/0/date", "not a date", patient_id="P9")
    renderer = QueryListingRenderer(pack)
    [row] = _rows(renderer.begin() + renderer.record_errors("x.json", [error]))
    assert (row["SITEID"], row["USUBJID"], row["QUERY"]) == ("", "P9", "not a date")


def _japanese_records(folder: Path) -> Path:
    """P06 (a reduction after a grade 3 hand-foot reaction: a DV row naming the AE) and P17
    (an AE that ends before it starts: a query naming the AE), with the terms in Japanese."""
    folder.mkdir()
    for name, term in (
        ("p06-ae-dose-reduction.json", "手足症候群"),
        ("p17-ae-ends-before-onset.json", "下痢"),
    ):
        record = json.loads((ROOT / "examples" / name).read_text("utf-8"))
        record["adverse_events"][0]["term"] = term
        (folder / name).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return folder


def test_csv_and_queries_files_are_utf8_with_a_bom(tmp_path: Path) -> None:
    source = _japanese_records(tmp_path / "in")
    for fmt, first, term, column in (
        ("queries", b"QUERYID,STATUS,", "下痢", "QUERY"),
        ("csv", b"STUDYID,DOMAIN,", "手足症候群", "DVTERM"),
    ):
        target = tmp_path / f"out-{fmt}.csv"
        main(["check", "-q", "--format", fmt, "-o", str(target), str(source)])
        data = target.read_bytes()
        assert data.startswith(BOM + first), data[:20]
        assert data.count(BOM) == 1
        assert term.encode("utf-8") in data  # UTF-8, not a Windows code page
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert any(term in row[column] for row in rows)


def test_the_renderers_write_the_bom_once_at_the_start(pack: Pack) -> None:
    result, record = _checked(pack, "p16-duplicate-tace-date.json")
    for renderer in (QueryListingRenderer(pack), DeviationLogRenderer(pack)):
        assert renderer.begin().encode("utf-8").startswith(BOM)
        assert "\ufeff" not in renderer.patient(result, record)


def test_a_file_path_in_a_message_is_not_read_as_a_pointer() -> None:
    text = "the mapping (/tmp/study/.venv/lib/sdtm/tamai_mapping.yaml) reads TACE from it"
    assert without_pointers(text) == text
    assert without_pointers("see /tace/1/date.") == "see the date of TACE entry 2."
    assert without_pointers("at /tacex/1 and /work/tace/x") == "at /tacex/1 and /work/tace/x"


def test_a_section_not_collected_is_asked_for_once_for_the_folder(capsys) -> None:
    """A folder without PR and RS: two queries, one per missing dataset, naming the mapping
    file as written; no per-patient query for the rules those datasets leave undecided."""
    folder = ROOT / "integrations" / "sdtm" / "examples" / "no-pr-rs"
    main(["check", "--from", "sdtm", str(folder), "-f", "queries"])
    rows = _rows(capsys.readouterr().out)
    assert [row["FIELD"] for row in rows[:2]] == ["/tace (PR)", "/imaging (RS)"]
    assert not any("not collected for this patient" in row["QUERY"] for row in rows)
    # What the collected data hold is still asked: P17's AE ends before its onset (DAT002).
    assert {row["RULE"] for row in rows[2:]} <= {"DAT002", "DAT005", "DAT006", "AE003"}
    assert any(row["USUBJID"] == "P17" and row["RULE"] == "DAT002" for row in rows)
    mapping = str(ROOT / "integrations" / "sdtm" / "tamai_mapping.yaml")
    assert f"the mapping ({mapping}) reads TACE procedures" in rows[0]["QUERY"]

"""Canonical records -> a REDCap flat export of the shipped project (raw values).

Written for the tests independently of protocol/redcap: the field names, choice codes and
column order below are typed from integrations/redcap/tamai_data_dictionary.csv by hand, not
read from the mapping, so a mistake in the reader's mapping is not repeated here.
"""

from __future__ import annotations

import csv
import io
import json
import random
from typing import Any

__all__ = ["COLUMNS", "to_csv", "to_json", "to_rows"]

_FORMS = {
    "enrolment_diagnosis": [
        "record_id", "site_id", "cohort", "dx_condition", "dx_date", "dx_date_prec",
        "dx_unresectable",
    ],
    "tace": ["tace_date", "tace_date_prec", "tace_technique"],
    "imaging": ["img_date", "img_date_prec", "img_modality", "img_result"],
    "sorafenib_dosing": [
        "sor_start", "sor_start_prec", "sor_ongoing", "sor_end", "sor_end_prec", "sor_dose",
        "sor_freq", "sor_reason",
    ],
    "adverse_events": [
        "ae_term", "ae_grade", "ae_onset", "ae_onset_prec", "ae_resolution",
        "ae_resolution_prec", "ae_serious___1", "ae_serious___2", "ae_serious___3",
        "ae_serious___4", "ae_serious___5", "ae_serious___6", "ae_serious___0", "ae_related",
        "ae_action",
    ],
    "withdrawal": ["wd_date", "wd_date_prec", "wd_reason"],
    "follow_up": [
        "fu_last_contact", "fu_last_contact_prec", "fu_death_date", "fu_death_date_prec",
        "fu_cutoff",
    ],
}  # fmt: skip
COLUMNS = ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance"] + [
    column
    for form, fields in _FORMS.items()
    for column in [*(f for f in fields if f != "record_id"), f"{form}_complete"]
]
_REPEATING = ("tace", "imaging", "sorafenib_dosing", "adverse_events")

_COHORT = {"sorafenib_after_tace": "1", "tace_alone_control": "2"}
_TECHNIQUE = {"conventional": "1", "drug_eluting_beads": "2", "other": "3"}
_MODALITY = {"CT": "CT", "MRI": "MRI", "US": "US", "angiography": "ANGIO"}
_RESULT = {
    "progression": "PD", "recurrence": "REC", "complete_response": "CR",
    "partial_response": "PR", "stable_disease": "SD", "not_evaluable": "NE",
}  # fmt: skip
_REASON = {"initial": "1", "adverse_event": "2", "escalation": "3", "resumption": "4", "other": "5"}
_ACTION = {
    "dose_not_changed": "1", "dose_reduced": "2", "drug_interrupted": "3",
    "drug_withdrawn": "4", "not_applicable": "5", "unknown": "6",
}  # fmt: skip
_YESNO = {True: "1", False: "0"}
_RELATED = {True: "1", False: "0", None: "9"}


def _date(row: dict[str, Any], field: str, value: str | None) -> None:
    """A canonical (possibly partial) date as the date field plus its precision radio."""
    if value is None:
        return
    if len(value) == 10:
        row[field], row[f"{field}_prec"] = value, "1"
    elif len(value) == 7:
        row[field], row[f"{field}_prec"] = f"{value}-01", "2"
    else:
        row[field], row[f"{field}_prec"] = f"{value}-01-01", "3"


def _instance_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for number, tace in enumerate(record.get("tace", []), start=1):
        row = {"redcap_repeat_instrument": "tace", "redcap_repeat_instance": number}
        _date(row, "tace_date", tace["date"])
        if "technique" in tace:
            row["tace_technique"] = _TECHNIQUE[tace["technique"]]
        rows.append(row)
    for number, scan in enumerate(record.get("imaging", []), start=1):
        row = {"redcap_repeat_instrument": "imaging", "redcap_repeat_instance": number}
        _date(row, "img_date", scan["date"])
        if "modality" in scan:
            row["img_modality"] = _MODALITY[scan["modality"]]
        row["img_result"] = _RESULT[scan["result"]]
        rows.append(row)
    for number, period in enumerate(record.get("sorafenib", []), start=1):
        row = {"redcap_repeat_instrument": "sorafenib_dosing", "redcap_repeat_instance": number}
        _date(row, "sor_start", period["start_date"])
        row["sor_ongoing"] = "1" if period["end_date"] is None else "0"
        _date(row, "sor_end", period["end_date"])
        row["sor_dose"] = str(period["dose_mg"])
        row["sor_freq"] = period["frequency"]
        if "reason" in period:
            row["sor_reason"] = _REASON[period["reason"]]
        rows.append(row)
    for number, event in enumerate(record.get("adverse_events", []), start=1):
        row = {"redcap_repeat_instrument": "adverse_events", "redcap_repeat_instance": number}
        row["ae_term"] = event["term"]
        row["ae_grade"] = str(event["grade"])
        _date(row, "ae_onset", event["onset_date"])
        _date(row, "ae_resolution", event.get("resolution_date"))
        for code in "1234560":
            row[f"ae_serious___{code}"] = "0"
        if event.get("serious") is True:
            row["ae_serious___3"] = "1"  # hospitalisation
        elif event.get("serious") is False:
            row["ae_serious___0"] = "1"
        if "related_to_sorafenib" in event:
            row["ae_related"] = _RELATED[event["related_to_sorafenib"]]
        row["ae_action"] = _ACTION[event["action_taken"]]
        rows.append(row)
    return rows


def to_rows(
    record: dict[str, Any],
    overrides: dict[tuple[str, int | None, str], str] | None = None,
    shuffle: random.Random | None = None,
) -> list[dict[str, Any]]:
    """The export rows of one canonical record.

    ``overrides`` sets raw cells, keyed by (repeat instrument or "", instance or None,
    column): a missing-data code where the canonical record has nothing, say. ``shuffle``
    puts the instance rows in a random order (REDCap numbers them; the order is not theirs).
    """
    main: dict[str, Any] = {
        "redcap_repeat_instrument": "",
        "redcap_repeat_instance": "",
        "site_id": record.get("site_id", ""),
        "cohort": _COHORT[record["cohort"]],
    }
    diagnosis = record.get("diagnosis", {})
    if "condition" in diagnosis:
        main["dx_condition"] = "1" if diagnosis["condition"] == "hepatocellular_carcinoma" else "2"
    _date(main, "dx_date", diagnosis.get("date"))
    if "unresectable" in diagnosis:
        main["dx_unresectable"] = _YESNO[diagnosis["unresectable"]]
    if "withdrawal" in record:
        _date(main, "wd_date", record["withdrawal"]["date"])
        main["wd_reason"] = record["withdrawal"]["reason"]
    _date(main, "fu_last_contact", record.get("last_contact_date"))
    _date(main, "fu_death_date", record.get("death_date"))
    main["fu_cutoff"] = record.get("data_cutoff_date", "")
    for code in "1234560":
        main[f"ae_serious___{code}"] = ""
    rows = [main, *_instance_rows(record)]
    if shuffle is not None:
        rest = rows[1:]
        shuffle.shuffle(rest)
        rows = [main, *rest]
    for (instrument, instance, column), value in (overrides or {}).items():
        for row in rows:
            if row["redcap_repeat_instrument"] == instrument and (
                instance is None or row["redcap_repeat_instance"] == instance
            ):
                row[column] = value
    for row in rows:
        row["record_id"] = record["patient_id"]
        form = row["redcap_repeat_instrument"]
        for name in _FORMS:
            if (form == "" and name not in _REPEATING) or form == name:
                row[f"{name}_complete"] = "2"
    extra = [column for _, _, column in overrides or {} if column not in COLUMNS]
    return [{column: row.get(column, "") for column in [*COLUMNS, *extra]} for row in rows]


def _header(rows: list[dict[str, Any]]) -> list[str]:
    """COLUMNS, then any column only some rows have (a checkbox's missing-data code)."""
    extra = {column: None for row in rows for column in row if column not in COLUMNS}
    return [*COLUMNS, *extra]


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, _header(rows), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_json(rows: list[dict[str, Any]], numbers: bool = False) -> str:
    """JSON rows as the API gives them: all text, or with ``numbers`` instance numbers and
    integer-looking codes as JSON numbers (as some REDCap versions and tools give them)."""
    out = []
    header = _header(rows)
    for row in rows:
        item = {}
        for key in header:
            value = row.get(key, "")
            text = str(value)
            if numbers and text.isdigit() and key not in ("record_id", "site_id", "ae_term"):
                item[key] = int(text)
            else:
                item[key] = text
        out.append(item)
    return json.dumps(out, indent=1, ensure_ascii=False)

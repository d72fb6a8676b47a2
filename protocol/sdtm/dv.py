"""The deviation log as an SDTM DV domain: XPORT v5 or Dataset-JSON v1.1.

:func:`dv_tables` takes the JSON report's ``patients`` (as ``renderer_for("json")`` writes
them) and makes the rows the CSV deviation log has (protocol/render/deviation_log.py): one
per finding of kind ``deviation`` that is ``not_met``. DVSEQ counts 1, 2, ... per USUBJID
across the whole run (all the patients given), so it is unique per subject even when a run
has the same subject twice. Variables, with their CDISC names, labels and lengths:

STUDYID, DOMAIN (DV), USUBJID, DVSEQ, DVREFID (rule code), DVSPID (JSON Pointer of the
value), DVTERM (the deviation in words), DVDECOD (rule name), DVCAT (rule family), DVSCAT
(IMPORTANT / NON-IMPORTANT), DVSTDTC, DVENDTC.

XPORT v5 holds at most 200 characters in a variable: a longer DVTERM keeps its first 200
in DV and the rest in SUPPDV (QNAM DVTERM1, DVTERM2, ...), as SDTMIG 3.3 section 4.5.3.3
says; SUPPDV also carries each row's record source (QNAM DVSRC). Both formats get the same
datasets, so a reader sees the same rows whichever it opens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from protocol.packs.model import Pack
from protocol.sdtm.dataset_json import dataset_json_document, write_dataset_json
from protocol.sdtm.datasets import Column
from protocol.sdtm.labels import DOMAIN_LABELS, label_of
from protocol.sdtm.xpt import XPT_TEXT_LIMIT, write_xpt

__all__ = ["DV_VARIABLES", "dv_tables", "write_dv"]

DV_VARIABLES = (
    "STUDYID",
    "DOMAIN",
    "USUBJID",
    "DVSEQ",
    "DVREFID",
    "DVSPID",
    "DVTERM",
    "DVDECOD",
    "DVCAT",
    "DVSCAT",
    "DVSTDTC",
    "DVENDTC",
)
SUPP_VARIABLES = ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL")


def _pieces(text: str) -> list[str]:
    """``text`` in pieces of at most 200 characters, cut before a space where one is near.

    The space starts the next piece: SAS drops trailing blanks, not leading ones, so the
    pieces joined end to end give the text back."""
    out = []
    while len(text) > XPT_TEXT_LIMIT:
        cut = text.rfind(" ", XPT_TEXT_LIMIT - 40, XPT_TEXT_LIMIT)
        cut = cut if cut > 0 else XPT_TEXT_LIMIT
        out.append(text[:cut])
        text = text[cut:]
    return [*out, text]


def dv_tables(
    patients: Iterable[dict[str, Any]], pack: Pack, study_id: str | None = None
) -> tuple[list[list[Any]], list[list[Any]]]:
    """(DV rows, SUPPDV rows) for the report's patients, values in variable order."""
    study = study_id or pack.id
    families = {family["id"]: family.get("title", family["id"]) for family in pack.families}
    seq: dict[str, int] = defaultdict(int)
    dv: list[list[Any]] = []
    supp: list[list[Any]] = []
    for patient in patients:
        usubjid = patient["patient_id"]
        for finding in patient.get("findings", []):
            if finding.get("kind") != "deviation" or finding.get("status") != "not_met":
                continue
            rule = pack.rule(finding["rule"])
            evidence = finding.get("evidence", {})
            dates = {end: evidence.get(key) for end, key in rule.log_dates.items()}
            seq[usubjid] += 1
            term, *rest = _pieces(finding["message"])
            dv.append(
                [
                    study,
                    "DV",
                    usubjid,
                    seq[usubjid],
                    finding["rule"],
                    finding.get("location") or "",
                    term,
                    finding["name"],
                    families.get(rule.family, rule.family),
                    (finding.get("importance") or "").upper().replace("_", "-"),
                    str(dates.get("start") or ""),
                    str(dates.get("end") or ""),
                ]
            )
            key = [study, "DV", usubjid, "DVSEQ", str(seq[usubjid])]
            for number, piece in enumerate(rest, start=1):
                supp.append([*key, f"DVTERM{number}", f"Protocol Deviation Term {number}", piece])
            source = patient.get("source")
            if source:
                supp.append([*key, "DVSRC", "Source of the Checked Record", source[:200]])
    return dv, supp


def _columns(domain: str, names: tuple[str, ...], rows: list[list[Any]]) -> list[Column]:
    out = []
    for position, name in enumerate(names):
        label = label_of(domain, name)
        if name == "DVSRC":
            label = "Source of the Checked Record"
        if name == "DVSEQ":
            out.append(Column(name, label, "integer"))
            continue
        width = max([len(str(row[position])) for row in rows] + [1])
        out.append(Column(name, label, "string", width))
    return out


def write_dv(
    patients: Iterable[dict[str, Any]],
    pack: Pack,
    path: str | Path,
    study_id: str | None = None,
    created: datetime | None = None,
) -> list[Path]:
    """Write DV (and SUPPDV when it has rows) beside each other; the format follows the
    suffix of ``path``: ``.xpt`` (XPORT v5), ``.json`` or ``.ndjson`` (Dataset-JSON v1.1).
    Returns the files written."""
    path = Path(path)
    dv, supp = dv_tables(patients, pack, study_id)
    study = study_id or pack.id
    written = []
    for name, names, rows, target in (
        ("DV", DV_VARIABLES, dv, path),
        ("SUPPDV", SUPP_VARIABLES, supp, path.with_name(f"supp{path.stem}{path.suffix}")),
    ):
        if name == "SUPPDV" and not rows:
            continue
        columns = _columns(name, names, rows)
        label = DOMAIN_LABELS[name]
        if target.suffix.lower() == ".xpt":
            numeric = [column.name for column in columns if column.data_type == "integer"]
            as_xpt = [
                Column(c.name, c.label, "double" if c.name in numeric else c.data_type, c.length)
                for c in columns
            ]
            write_xpt(name, label, as_xpt, rows, target)
        else:
            document = dataset_json_document(name, label, columns, rows, study, created)
            write_dataset_json(document, target)
        written.append(target)
    return written

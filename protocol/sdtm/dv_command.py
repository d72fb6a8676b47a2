"""``tacecheck dv REPORT.json -o dv.xpt``: a JSON report's deviations as an SDTM DV domain.

The deviation log of a run, as :mod:`protocol.sdtm.dv` writes it: XPORT v5 (``.xpt``) or
CDISC Dataset-JSON v1.1 (``.json``, ``.ndjson``), with SUPPDV beside it when a DVTERM is
longer than XPORT holds. The report is the one ``tacecheck check --format json`` writes, so
DVSEQ counts per subject across the whole run.

Exit status: 0 written, 2 the report or the output cannot be used (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "run_command"]

_KEY = "dv_command"
_SUFFIXES = (".xpt", ".json", ".ndjson")
_STUDYID_LENGTH = 200  # XPORT v5 holds at most 200 characters in a variable


def add_commands(subparsers: Any) -> None:
    """Add ``dv`` to an argparse sub-command set."""
    dv = subparsers.add_parser(
        "dv",
        help="write a JSON report's protocol deviations as an SDTM DV domain (XPT or Dataset-JSON)",
    )
    dv.add_argument("report", metavar="REPORT.json", help="a report from check --format json")
    dv.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="dv.xpt (SAS transport v5), dv.json or dv.ndjson (Dataset-JSON v1.1)",
    )
    dv.add_argument("--study-id", help="STUDYID (default: the pack id)")
    dv.set_defaults(**{_KEY: "dv"})


def _fail(message: str) -> int:
    print(f"tacecheck: {message}", file=sys.stderr)
    return 2


def _patients(path: Path) -> tuple[list[dict[str, Any]], str] | str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot read {path}: {getattr(error, 'strerror', None) or error}"
    try:
        report = json.loads(text)
    except ValueError:
        return f"{path} is not a JSON report; write one with 'tacecheck check --format json'"
    if not isinstance(report, dict) or not isinstance(report.get("patients"), list):
        return f"{path}: expected a report with a 'patients' list (check --format json)"
    protocol = report.get("protocol")
    pack_id = protocol.get("id") if isinstance(protocol, dict) else None
    if not isinstance(pack_id, str):
        return f"{path}: the report does not name its protocol pack (/protocol/id)"
    return report["patients"], pack_id


def run_command(args: argparse.Namespace) -> int | None:
    """Run ``dv``; None when ``args`` names another command."""
    if getattr(args, _KEY, None) is None:
        return None
    from protocol.cohort.report_file import OutputError, check_target

    target = Path(args.output)
    if target.suffix.lower() not in _SUFFIXES:
        return _fail(f"{args.output}: the DV file must end in {', '.join(_SUFFIXES)}")
    supp = target.with_name(f"supp{target.name}")
    try:
        for path in (target, supp):
            check_target(str(path), [args.report])
    except OutputError as error:
        return _fail(str(error))
    if not target.parent.is_dir():
        return _fail(f"cannot write {args.output}: the folder {target.parent} does not exist")
    read = _patients(Path(args.report))
    if isinstance(read, str):
        return _fail(read)
    patients, pack_id = read
    from protocol.packs import PackError, load_pack
    from protocol.sdtm.datasets import DatasetProblem

    try:
        pack = load_pack(pack_id)
    except PackError as error:
        return _fail(f"protocol pack error: {error}")
    if args.study_id is not None and not 1 <= len(args.study_id) <= _STUDYID_LENGTH:
        return _fail(f"--study-id must be 1 to {_STUDYID_LENGTH} characters (SDTM STUDYID)")
    try:
        written = _write_beside(patients, pack, target, args.study_id)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}")
    except DatasetProblem as error:  # e.g. XPT without the sdtm extra: the message says so
        return _fail(str(error).replace("reading SAS transport", "writing SAS transport"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return _fail(f"{args.report}: not a report that 'tacecheck check --format json' writes")
    print(f"tacecheck: wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    return 0


def _write_beside(patients: list[Any], pack: Any, target: Path, study_id: str | None) -> list[Path]:
    """Write DV (and SUPPDV) in a fresh folder beside the target, then move each into place:
    a failed run leaves no half-written domain, and nothing is replaced until all is written."""
    from protocol.sdtm.dv import write_dv

    scratch = Path(tempfile.mkdtemp(prefix=".tacecheck-dv-", dir=target.parent))
    try:
        written = write_dv(patients, pack, scratch / target.name, study_id=study_id)
        placed = []
        for path in written:
            final = target.parent / path.name
            os.replace(path, final)
            placed.append(final)
        return placed
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

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
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "run_command"]

_KEY = "dv_command"
_SUFFIXES = (".xpt", ".json", ".ndjson")


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
    target = Path(args.output)
    if target.suffix.lower() not in _SUFFIXES:
        return _fail(f"{args.output}: the DV file must end in {', '.join(_SUFFIXES)}")
    if target.is_dir():
        return _fail(f"{args.output} is a folder; give a file name such as dv.xpt")
    read = _patients(Path(args.report))
    if isinstance(read, str):
        return _fail(read)
    patients, pack_id = read
    try:
        from protocol.packs import PackError, load_pack
        from protocol.sdtm.dv import write_dv
    except ImportError as error:
        return _fail(f"the DV domain needs {error.name}: pip install 'tacecheck[sdtm]'")
    try:
        pack = load_pack(pack_id)
    except PackError as error:
        return _fail(f"protocol pack error: {error}")
    try:
        written = write_dv(patients, pack, target, study_id=args.study_id)
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}")
    except (ValueError, KeyError, TypeError, AttributeError):
        return _fail(f"{args.report}: not a report that 'tacecheck check --format json' writes")
    print(f"tacecheck: wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    return 0

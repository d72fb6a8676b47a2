"""The ``tacecheck`` command.

Exit codes (ruff's and ESLint's convention): 0 nothing not met, 1 at least one
finding not met, 2 bad input or usage; ``--fail-on`` chooses what counts.
Options come from the command line, then the configuration file
(:mod:`protocol.config`), then the defaults.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from protocol.catalogue import print_explanation, print_rules
from protocol.cohort.baseline import BaselineError
from protocol.cohort.command import (
    DEFAULT_PACK,
    as_of_date,
    check_command,
    cpus,
    pack_name,
    tool_version,
)
from protocol.cohort.readers import INPUTS, MappingProblem
from protocol.cohort.report_file import OutputError
from protocol.cohort.summary import FAIL_ON
from protocol.config import Config, ConfigError, find_config, load_config
from protocol.engine import EngineError
from protocol.examples import ExamplesError, write_examples, write_integrations
from protocol.packs import PackError, load_pack
from protocol.records import record_schema
from protocol.redcap.commands import add_commands as add_redcap_commands
from protocol.redcap.commands import run_command as run_redcap_command
from protocol.render import FORMATS
from protocol.sdtm.dv_command import add_commands as add_dv_commands
from protocol.sdtm.dv_command import run_command as run_dv_command
from protocol.service.commands import add_commands, run_command

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, without a traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"tacecheck: error: {message}\n")


def _workers(text: str) -> int:
    return _count(text) or cpus()


def _path(text: str) -> str:
    if text == "":
        raise argparse.ArgumentTypeError("an empty path names no file; give a file, a folder or -")
    return text


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 or more")
    return value


def _codes(text: str) -> list[str]:
    codes = [code.strip() for code in text.split(",") if code.strip()]
    if not codes:  # --select "" would otherwise report everything
        raise argparse.ArgumentTypeError(
            "give at least one rule code or family (TRT001,DOS or dosing; see 'tacecheck rules')"
        )
    return codes


class _Once(argparse.Action):
    """An option that may be given once: a second ``-f`` is refused, not silently kept."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(
                f"argument {option_string}: given twice; for several reports give one "
                "-o FILE per report (its ending gives the format)"
            )
        setattr(namespace, self.dest, values)


def _pack_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pack", default=argparse.SUPPRESS, help=f"protocol pack id or folder ({DEFAULT_PACK})"
    )
    parser.add_argument("--config", default=argparse.SUPPRESS, metavar="FILE", help=_CONFIG_HELP)


_CONFIG_HELP = "configuration file (default: tacecheck.toml or pyproject.toml, from here upward)"


def _check_parser(sub: Any) -> argparse.ArgumentParser:
    check = sub.add_parser("check", help="check records: files, folders, .jsonl, or - for stdin")
    _pack_option(check)
    check.add_argument(
        "paths",
        nargs="+",
        type=_path,
        metavar="PATH",
        help="a .json record, a .jsonl/.ndjson file, a folder (searched recursively), or - (stdin)",
    )
    check.add_argument(
        "--from",
        dest="source_format",
        choices=list(INPUTS),
        default="json",
        help="; ".join(f"{name}: {spec.help}" for name, spec in INPUTS.items()),
    )
    check.add_argument("--mapping", metavar="FILE", help="mapping file (--from redcap, sdtm)")
    check.add_argument("--as-of", type=as_of_date, help="check as of this date (YYYY-MM-DD)")
    check.add_argument(
        "-f",
        "--format",
        choices=list(FORMATS),
        default=None,
        action=_Once,
        help="; ".join(f"{name}: {spec[2]}" for name, spec in FORMATS.items())
        + " (default: from the -o file's ending, else text)",
    )
    check.add_argument(
        "-o",
        "--output",
        action="append",
        default=[],
        metavar="FILE",
        help="write the report here, not stdout; its ending gives the format "
        "(.json .jsonl .csv .xml .html .txt); give several for several reports",
    )
    check.add_argument(
        "--select",
        action="extend",
        type=_codes,
        default=[],
        metavar="CODES",
        help="report only these rules or families (TRT001,DOS or dosing; from the pack)",
    )
    check.add_argument(
        "--ignore",
        action="extend",
        type=_codes,
        default=[],
        metavar="CODES",
        help="leave these rules or families out of the report",
    )
    check.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="exit 1 on: any finding not met (default); important deviations and ineligible "
        "patients only; none. Input errors exit 2",
    )
    check.add_argument(
        "--baseline",
        metavar="PREVIOUS.json",
        help="mark each finding not met as new or unchanged since this earlier JSON report",
    )
    check.add_argument("--site", metavar="SITE", help="check only this site's records")
    check.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="check in N processes (same output, same order); 0 = one per CPU",
    )
    check.add_argument(
        "--dask",
        metavar="SCHEDULER",
        help="check on a Dask cluster: its scheduler's address (tcp://host:8786), or local:N "
        "for N local worker processes (same output, same order; needs tacecheck[dask])",
    )
    check.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    check.add_argument("--study-id", help="STUDYID in the deviation log (default: the pack id)")
    check.add_argument(
        "--html-timelines",
        type=_count,
        default=1000,
        metavar="N",
        help="html: draw timelines for the first N patients (default 1000)",
    )
    check.add_argument(
        "--hide-values",
        action="store_true",
        default=None,
        help="leave submitted values out of the report (see README)",
    )
    shown = check.add_mutually_exclusive_group()
    shown.add_argument(
        "-v",
        "--verbose",
        action="store_false",
        dest="brief",
        help="text: every finding with its message (default: what needs attention, then one "
        "line each of the met and not-applicable rules)",
    )
    shown.add_argument(
        "--brief",
        action="store_true",
        default=True,
        help="text: what needs attention first, met and n/a rules on one line each (default)",
    )
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    return check


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = _Parser(
        prog="tacecheck",
        description="Check patient records against the Tamai 2017 sorafenib-after-TACE protocol.",
    )
    parser.add_argument("--version", action="version", version=f"tacecheck {tool_version()}")
    parser.add_argument("--pack", default=None, help=f"protocol pack id or folder ({DEFAULT_PACK})")
    parser.add_argument("--config", default=None, metavar="FILE", help=_CONFIG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands = {"check": _check_parser(sub)}
    rules = sub.add_parser("rules", help="list the rule catalogue")
    _pack_option(rules)
    rules.add_argument("-f", "--format", choices=["text", "json", "markdown"], default="text")
    explain = sub.add_parser("explain", help="print a rule's documentation and parameters")
    _pack_option(explain)
    explain.add_argument("code")
    schema = sub.add_parser("schema", help="print the patient-record JSON Schema")
    examples = sub.add_parser("examples", help="write the bundled example records into DIR")
    examples.add_argument("folder", metavar="DIR")
    examples.add_argument(
        "--integrations",
        action="store_true",
        help="write DIR/integrations/ instead: the REDCap data dictionary, mappings and "
        "example export, and the SDTM and FHIR mappings and example datasets",
    )
    commands.update(rules=rules, explain=explain, schema=schema, examples=examples)
    add_commands(sub)
    add_redcap_commands(sub)
    add_dv_commands(sub)
    commands.update(sub.choices)
    return parser, commands


def _quiet_stdout() -> None:
    """After a failed write to standard output, let the interpreter's final flush succeed."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: temporary files go, workers are stopped


def _config(args: argparse.Namespace) -> Config:
    if args.command not in ("check", "rules", "explain"):
        return Config()
    if args.config is not None:
        return load_config(args.config)
    found = find_config()
    return load_config(found) if found is not None else Config()


def _parse(argv: list[str] | None) -> tuple[argparse.Namespace, argparse.ArgumentParser]:
    parser, commands = _parser()
    args, extra = parser.parse_known_args(argv)
    usage = commands.get(args.command, parser)
    if extra:  # a wrong option: that sub-command's usage, not the top level's
        usage.error(f"unrecognized arguments: {' '.join(extra)}")
    return args, usage


def _integrations(folder: str) -> int:
    written = write_integrations(folder)
    where = Path(folder) / "integrations"
    print(f"tacecheck: wrote {len(written)} files to {where}")
    export = where / "redcap" / "examples" / "tamai-20-patients.csv"
    mapping = where / "redcap" / "tamai_mapping.yaml"
    print(f"try: tacecheck check --from redcap {export} --mapping {mapping}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args, usage = _parse(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    for command in (run_command, run_redcap_command, run_dv_command):
        code = command(args)
        if code is not None:
            return code
    try:
        config = _config(args)
        if args.command == "check":
            return check_command(args, config, usage)
        if args.command == "rules":
            return print_rules(load_pack(pack_name(args, config)), args.format)
        if args.command == "explain":
            return print_explanation(pack_name(args, config), args.code)
        if args.command == "schema":
            print(json.dumps(record_schema(), indent=2))
            return 0
        if args.command == "examples":
            if args.integrations:
                return _integrations(args.folder)
            written = write_examples(args.folder)
            print(f"tacecheck: wrote {len(written)} example records to {args.folder}")
            print(f"try: tacecheck check {args.folder}")
            return 0
    except (ConfigError, BaselineError, ExamplesError) as error:
        print(f"tacecheck: {error}", file=sys.stderr)
        return 2
    except MappingProblem as problem:
        for line in problem.lines:
            print(line, file=sys.stderr)
        return 2
    except PackError as error:
        print(f"tacecheck: protocol pack error: {error}", file=sys.stderr)
        return 2
    except EngineError as error:
        print(f"tacecheck: internal rules-engine error: {error}", file=sys.stderr)
        return 2
    except OutputError as error:
        print(f"tacecheck: {error}", file=sys.stderr)
        if not getattr(args, "output", None):
            _quiet_stdout()
        return 2
    except BrokenPipeError:  # `tacecheck rules | head -1`: the reader left early
        print("tacecheck: cannot write to standard output: Broken pipe", file=sys.stderr)
        _quiet_stdout()
        return 2
    except KeyboardInterrupt:
        print("tacecheck: interrupted; no report written", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())

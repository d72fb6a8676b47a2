"""The ``tacecheck`` command.

Exit codes (ruff's and ESLint's convention): 0 nothing not met, 1 at least
one finding not met, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import textwrap
import threading
from datetime import date

from protocol.cohort import run_cohort
from protocol.cohort.report_file import OutputError, ReportSink, check_target, report_file
from protocol.dates import PartialDate
from protocol.engine import EngineError
from protocol.packs import PackError, load_pack
from protocol.progress import Progress
from protocol.records import record_schema
from protocol.render import FORMATS, RenderOptions, renderer_for

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, without a traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"tacecheck: error: {message}\n")


def _as_of(text: str) -> date:
    try:
        value = PartialDate.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
    if not value.is_full:
        raise argparse.ArgumentTypeError(f"{text!r}: give a full date, YYYY-MM-DD")
    return value.earliest


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _workers(text: str) -> int:
    return _count(text) or _cpus()


def _capped_workers(asked: int) -> int:
    """At most one worker per CPU: checking is CPU-bound, so more only costs memory."""
    cpus = _cpus()
    if asked <= cpus:
        return asked
    print(
        f"tacecheck: --workers {asked} is more than the {cpus} CPUs here; using {cpus}",
        file=sys.stderr,
    )
    return cpus


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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tacecheck",
        description="Check patient records against the Tamai 2017 sorafenib-after-TACE protocol.",
    )
    parser.add_argument("--pack", default="tamai-2017", help="protocol pack id or folder")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = sub.add_parser("check", help="check records: files, folders, .jsonl, or - for stdin")
    check.add_argument(
        "paths",
        nargs="+",
        type=_path,
        metavar="PATH",
        help="a .json record, a .jsonl/.ndjson file, a folder (searched recursively), or - (stdin)",
    )
    check.add_argument("--as-of", type=_as_of, help="check as of this date (YYYY-MM-DD)")
    check.add_argument(
        "--format",
        choices=list(FORMATS),
        default="text",
        help="; ".join(f"{name}: {spec[2]}" for name, spec in FORMATS.items()),
    )
    check.add_argument("-o", "--output", metavar="FILE", help="write the report here, not stdout")
    check.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="check in N processes (same output, same order); 0 = one per CPU",
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
        "--hide-values", action="store_true", help="leave patient values out of error messages"
    )
    check.add_argument(
        "--brief", action="store_true", help="text: show only findings that need attention"
    )
    check.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    sub.add_parser("rules", help="list the rule catalogue")
    explain = sub.add_parser("explain", help="print a rule's documentation and parameters")
    explain.add_argument("code")
    sub.add_parser("schema", help="print the patient-record JSON Schema")
    return parser


def _colour(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _rules(pack_id: str) -> int:
    pack = load_pack(pack_id)
    print(f"{pack.id} v{pack.version}: {pack.title}")
    for rule in pack.rules:
        importance = f" ({rule.importance})" if rule.importance else ""
        cohorts = ", ".join(rule.cohorts)
        print(f"{rule.code}  {rule.name:<42} {rule.kind}{importance}  [{cohorts}]")
    return 0


def _explain(pack_id: str, code: str) -> int:
    pack = load_pack(pack_id)
    try:
        rule = pack.group if code.upper() == "GROUP" else pack.rule(code)
    except KeyError:
        print(f"tacecheck: no rule {code!r} in {pack.id}; see 'tacecheck rules'", file=sys.stderr)
        return 2
    wrap = textwrap.TextWrapper(width=88, initial_indent="  ", subsequent_indent="  ")
    print(f"{rule.code} {rule.name}")
    importance = f", importance {rule.importance}" if rule.importance else ""
    print(f"kind {rule.kind}{importance}; cohorts: {', '.join(rule.cohorts)}")
    print(f"protocol reference: {rule.protocol_ref}")
    print(f"defined in: {rule.file}:{rule.line}")
    for title, key in [
        ("What it checks", "checks"),
        ("Why it matters", "why"),
        ("Conforming example", "conforming"),
        ("Deviating example", "deviating"),
        ("Known limits", "limits"),
    ]:
        if key in rule.doc:
            print(f"\n{title}:")
            print(wrap.fill(" ".join(rule.doc[key].split())))
    used = sorted(
        name
        for name in pack.parameters
        if any(name in (o.message + repr(o.condition)) for o in (*rule.outcomes, rule.otherwise))
    )
    if used:
        print("\nParameters:")
        for name in used:
            p = pack.parameters[name]
            unit = f" {p.unit}" if p.unit else ""
            print(f"  {name} = {json.dumps(p.value)}{unit}")
            print(wrap.fill(" ".join(f"{p.description} Why: {p.rationale}".split())))
    print("\nOutcomes, tried in order:")
    for outcome in rule.outcomes:
        print(f"  {outcome.result:<15} when {_condition_text(outcome.condition)}")
    print(f"  {rule.otherwise.result:<15} otherwise")
    return 0


def _condition_text(condition: object) -> str:
    from protocol.packs.conditions import All, Any_, Clause

    if isinstance(condition, Clause):
        return condition.text
    if isinstance(condition, All):
        return " and ".join(_wrap(_condition_text(c)) for c in condition.items)
    if isinstance(condition, Any_):
        return " or ".join(_wrap(_condition_text(c)) for c in condition.items)
    return ""


def _wrap(text: str) -> str:
    return f"({text})" if " and " in text or " or " in text else text


def _check(args: argparse.Namespace) -> int:
    if args.output is None and sys.stdout is None:
        raise OutputError("standard output is closed; give -o FILE for the report")
    pack = load_pack(args.pack)
    options = RenderOptions(
        as_of=args.as_of.isoformat() if args.as_of else None,
        hide_values=args.hide_values,
        colour=_colour(args.color) and args.format == "text" and not args.output,
        verbose=not args.brief,
        study_id=args.study_id,
        timelines=args.html_timelines,
    )
    renderer = renderer_for(args.format, pack, options)
    if args.output is not None:
        check_target(args.output, args.paths)
    progress = Progress.for_terminal(args.paths, args.quiet)
    args.workers = _capped_workers(args.workers)
    if args.output is None:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(encoding="utf-8")  # reports are UTF-8 whatever the locale
        out = ReportSink(sys.stdout, "standard output")
        result = run_cohort(args.paths, pack, renderer, out, args.as_of, args.workers, progress)
        out.flush()
        return result.exit_code
    with report_file(args.output) as out:
        result = run_cohort(args.paths, pack, renderer, out, args.as_of, args.workers, progress)
    return result.exit_code


def _quiet_stdout() -> None:
    """After a failed write to standard output, let the interpreter's final flush succeed."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: temporary files go, workers are stopped


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            return _rules(args.pack)
        if args.command == "explain":
            return _explain(args.pack, args.code)
        if args.command == "schema":
            print(json.dumps(record_schema(), indent=2))
            return 0
    except PackError as error:
        print(f"tacecheck: protocol pack error: {error}", file=sys.stderr)
        return 2
    except EngineError as error:
        print(f"tacecheck: internal rules-engine error: {error}", file=sys.stderr)
        return 2
    except OutputError as error:
        print(f"tacecheck: {error}", file=sys.stderr)
        if getattr(args, "output", None) is None:
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

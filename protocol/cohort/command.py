"""The ``check`` command: settings from the command line over the configuration file, one run.

:func:`check_command` merges what the command line left open with the
configuration file (:mod:`protocol.config`), refuses what cannot work (a format
that contradicts a file name, a missing input, ``--from redcap`` without a
mapping) before anything is read, runs one pass over the records into every
output, and puts one summary line on standard error when writing files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, date, datetime
from importlib import metadata
from typing import Any

from protocol.cohort.baseline import Baseline
from protocol.cohort.cluster import Cluster, ClusterError, cluster_address
from protocol.cohort.outputs import open_outputs, plan_outputs, summary_line
from protocol.cohort.readers import INPUTS
from protocol.cohort.report_file import OutputError
from protocol.cohort.runner import Choices, run_cohort
from protocol.cohort.selection import Selection, SelectionError
from protocol.cohort.summary import FAIL_ON
from protocol.config import Config, ConfigError
from protocol.dates import PartialDate
from protocol.engine.listing import capped
from protocol.packs import load_pack
from protocol.packs.model import Pack
from protocol.progress import Progress
from protocol.records.folders import shown
from protocol.render import FORMATS, RenderOptions, renderer_for
from protocol.render.formats import FormatError

__all__ = [
    "DASK_HELP",
    "DEFAULT_PACK",
    "as_of_date",
    "check_command",
    "cpus",
    "pack_name",
    "tool_version",
]

DASK_HELP = (
    "check on a Dask cluster: its scheduler's address (tcp://host:8786), or local:N for N "
    "local worker processes (same output, same order; needs tacecheck[dask])"
)

DEFAULT_PACK = "tamai-2017"


def as_of_date(text: str) -> date:
    """An ``--as-of`` value: a full date (argparse.ArgumentTypeError otherwise)."""
    try:
        value = PartialDate.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
    if not value.is_full:
        raise argparse.ArgumentTypeError(f"{text!r}: give a full date, YYYY-MM-DD")
    return value.earliest


def tool_version() -> str:
    try:
        return metadata.version("tacecheck")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _capped_workers(asked: int) -> int:
    """At most one worker per CPU: checking is CPU-bound, so more only costs memory."""
    cpus_here = cpus()
    if asked <= cpus_here:
        return asked
    print(
        f"tacecheck: --workers {asked} is more than the {cpus_here} CPUs here; using {cpus_here}",
        file=sys.stderr,
    )
    return cpus_here


def _colour(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):  # closed or absent standard output
        return False


def _relative(config: Config, value: str) -> str:
    """A path from the configuration file, relative to its folder."""
    if config.path is None or os.path.isabs(value):
        return value
    return str(config.path.parent / value)


def pack_name(args: argparse.Namespace, config: Config) -> str:
    if args.pack is not None:
        return args.pack
    name = config.get("pack")
    if name is None:
        return DEFAULT_PACK
    local = _relative(config, name)
    return local if os.path.isdir(local) else name


def _config_as_of(config: Config) -> date | None:
    text = config.get("as-of")
    if text is None:
        return None
    try:
        return as_of_date(text)
    except argparse.ArgumentTypeError as error:
        raise ConfigError(f"{config.where('as-of')}: as-of {error}") from None


def _settings(args: argparse.Namespace, config: Config, usage: argparse.ArgumentParser) -> None:
    """Fill what the command line left open from the configuration file, then check it."""
    if args.as_of is None:
        args.as_of = _config_as_of(config)
    for key, name in (("format", "format"), ("study-id", "study_id"), ("fail-on", "fail_on")):
        if getattr(args, name) is None:
            setattr(args, name, config.get(key))
    if args.format is not None and args.format not in FORMATS:
        raise ConfigError(f"{config.where('format')}: format must be one of {', '.join(FORMATS)}")
    if args.fail_on is None:
        args.fail_on = "any"
    elif args.fail_on not in FAIL_ON:
        raise ConfigError(f"{config.where('fail-on')}: fail-on must be one of {', '.join(FAIL_ON)}")
    if args.hide_values is None:
        args.hide_values = bool(config.get("hide-values", False))
    if not args.output:
        args.output = [_relative(config, path) for path in config.get("output") or []]
    args.select = args.select or config.get("select") or []
    args.ignore = args.ignore or config.get("ignore") or []
    spec = INPUTS[args.source_format]
    if spec.mapping == "required" and args.mapping is None:
        usage.error(f"--from {args.source_format} needs --mapping FILE")
    if spec.mapping == "none" and args.mapping is not None:
        needing = ", ".join(name for name, s in INPUTS.items() if s.mapping != "none")
        usage.error(f"--mapping is for --from {needing}, not {args.source_format}")
    if not spec.stdin and "-" in args.paths:
        usage.error(f"--from {args.source_format} cannot read standard input (-); give a file")
    missing = [path for path in args.paths if path != "-" and _missing(path)]
    if missing:
        raise OutputError(f"{shown(missing[0])}: no such file or folder; nothing was checked")


def _missing(path: str) -> bool:
    """True when nothing is there; an entry that cannot be looked at is the report's business."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def _provenance(pack: Pack, as_of: date | None) -> dict[str, Any]:
    rule = (
        f"each record as of the earlier of --as-of {as_of.isoformat()} and its data cut-off"
        if as_of is not None
        else "each record as of its data cut-off, else today"
    )
    return {
        "tool_version": tool_version(),
        "pack": {"id": pack.id, "version": pack.version},
        "run_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "as_of_rule": rule,
    }


def check_command(args: argparse.Namespace, config: Config, usage: argparse.ArgumentParser) -> int:
    _settings(args, config, usage)
    pack = load_pack(pack_name(args, config))
    try:
        selection = Selection.of(pack, args.select, args.ignore)
        # Nothing the run reads may be written over: the records, and the baseline, the
        # mapping and the configuration file too.
        read = [*args.paths, *(str(f) for f in (args.baseline, args.mapping, config.path) if f)]
        targets = plan_outputs(args.output, args.format, read)
    except (SelectionError, FormatError) as error:
        usage.error(str(error))
    spec = INPUTS[args.source_format]
    spec.check_installed()
    mapping = spec.load_mapping(args.mapping)
    baseline = Baseline.load(args.baseline, pack.id) if args.baseline else None
    run = _provenance(pack, args.as_of)
    on_terminal = _colour(args.color) and targets[0].path is None
    renderers = [
        renderer_for(
            target.format,
            pack,
            RenderOptions(
                as_of=args.as_of.isoformat() if args.as_of else None,
                hide_values=args.hide_values,
                colour=on_terminal and target.format == "text",
                verbose=not args.brief,
                study_id=args.study_id,
                timelines=args.html_timelines,
                select=tuple(sorted(selection.selected or ())),
                ignore=tuple(sorted(selection.ignored)),
                baseline=baseline,
                run=run,
            ),
        )
        for target in targets
    ]
    progress = Progress.for_terminal(args.paths if spec.stdin else [], args.quiet)
    workers = _capped_workers(args.workers)
    choices = Choices(selection, args.site, baseline)
    dask = getattr(args, "dask", None)
    if dask is not None and args.workers != 1:
        usage.error("--dask and --workers are alternatives: the cluster's workers do the work")
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(Cluster(cluster_address(dask))) if dask else None
        except ClusterError as error:
            print(f"tacecheck: {error}", file=sys.stderr)
            return 2
        outs = open_outputs(targets, stack, progress)
        repeats: list[str] = []

        def repeated(label: str, first: str) -> None:
            repeats.append(label if label == first else f"{label} (first read as {first})")

        result = run_cohort(
            args.paths, pack, renderers, outs, args.as_of, workers, progress,
            reader=lambda paths, skip: spec.read(paths, mapping, skip, repeated),
            choices=choices, run=run, fail_on=args.fail_on, cluster=cluster,
        )  # fmt: skip
    if repeats:  # each file was read once, where it first came
        listed = capped(repeats, 3, "; ")
        if len(repeats) == 1:
            said = f"{listed} was named more than once; it was read once"
        else:
            said = f"{len(repeats)} files were named more than once; each was read once: {listed}"
        print(f"tacecheck: {said}", file=sys.stderr)
    if any(target.path is not None for target in targets):
        print(summary_line(result, targets), file=sys.stderr)
    if args.site is not None and result.summary.patients == 0 and result.summary.filtered_out:
        # A mistyped site must not look like a clean run.
        print(
            f"tacecheck: no record has site_id {args.site!r}; {result.summary.filtered_out} "
            "records of other sites were left out, so nothing was checked",
            file=sys.stderr,
        )
        return 2
    return result.exit_code

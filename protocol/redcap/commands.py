"""``tacecheck redcap sync``: the command, for ``tacecheck`` and ``python -m protocol.redcap``.

``add_commands(subparsers)`` adds ``redcap`` (with its ``sync`` sub-command) and
``run_command(args)`` runs it (``None`` when ``args`` names no REDCap command), like
:mod:`protocol.service.commands`. ``sync`` stores into the service's database
(``--db``, default ``$TACECHECK_DB``, else ``tacecheck.db`` here) with the projects of the
REDCap configuration (``--redcap-config``, default ``$TACECHECK_REDCAP_CONFIG``).

Exit status: 0 every changed record stored (or unchanged), 1 some record refused or not
taken in (each is listed), 2 the command could not run.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import datetime
from typing import Any

__all__ = ["add_commands", "run_command"]

_KEY = "redcap_command"


def add_commands(subparsers: Any) -> None:
    """Add ``redcap sync`` to an argparse sub-command set."""
    redcap = subparsers.add_parser("redcap", help="REDCap projects: sync records changed there")
    commands = redcap.add_subparsers(dest="redcap_subcommand", metavar="{sync}")
    commands.required = True
    sync = commands.add_parser(
        "sync",
        help="check and store the records changed in REDCap since the last sync "
        "(imports send no Data Entry Trigger)",
    )
    sync.add_argument(
        "--redcap-config",
        metavar="FILE",
        default=None,
        help="the REDCap configuration, YAML or TOML (default: $TACECHECK_REDCAP_CONFIG)",
    )
    sync.add_argument("--project", help="only this configured project (its name)")
    sync.add_argument(
        "--since",
        metavar="'YYYY-MM-DD HH:MM:SS'",
        help="records changed after this REDCap server time (the saved sync time is kept)",
    )
    sync.add_argument("--db", metavar="URL", default=None, help="the service's database")
    sync.add_argument("--pack", default="tamai-2017", help="protocol pack (default tamai-2017)")
    sync.set_defaults(**{_KEY: "sync"})


def _fail(message: str) -> int:
    print(f"tacecheck: {message}", file=sys.stderr)
    return 2


def _report(result: Any) -> bool:
    """Print one sync's result; True when every record was taken in."""
    since = f"since {result.since}" if result.since else "(first sync: every record)"
    if result.problem:
        print(f"project {result.project}: sync {since} did not run: {result.problem}")
        return False
    counts = ", ".join(
        f"{result.count(status)} {status}"
        for status in ("stored", "unchanged", "refused", "missing", "failed")
    )
    print(f"project {result.project}: {len(result.outcomes)} records changed {since}: {counts}")
    ok = True
    for outcome in result.outcomes:
        if outcome.status in ("refused", "missing", "failed"):
            ok = False
        for problem in outcome.problems:
            print(f"  record {outcome.record_id}: {problem}")
    return ok


def _sync(args: argparse.Namespace) -> int:
    from protocol.packs import PackError, load_pack
    from protocol.redcap.live_config import ConfigError, load_live_config
    from protocol.redcap.sync import sync_project
    from protocol.service.database import Database, default_url
    from protocol.service.migrate import current_revision, head_revision
    from protocol.service.store import PatientStore

    path = args.redcap_config or os.environ.get("TACECHECK_REDCAP_CONFIG")
    if not path:
        return _fail("redcap sync needs --redcap-config FILE (or $TACECHECK_REDCAP_CONFIG)")
    since = None
    if args.since:
        try:
            since = datetime.strptime(args.since, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return _fail(f"--since {args.since!r}: expected 'YYYY-MM-DD HH:MM:SS'")
    try:
        config = load_live_config(path)
        pack = load_pack(args.pack)
    except ConfigError as error:
        for place, message in error.problems:
            print(f"{error.source}: {place}: {message}", file=sys.stderr)
        return 2
    except PackError as error:
        return _fail(str(error))
    projects = config.projects
    if args.project:
        chosen = config.by_name(args.project)
        if chosen is None:
            names = ", ".join(p.name for p in projects)
            return _fail(f"no project {args.project!r} in {path} (it has: {names})")
        projects = (chosen,)
    try:
        database = Database(args.db or os.environ.get("TACECHECK_DB") or default_url())
    except ValueError as error:
        return _fail(str(error))
    try:
        if current_revision(database) != head_revision():
            return _fail(f"database {database.safe_url} is not up to date; run: "
                         f"tacecheck db upgrade --db '{database.safe_url}'")  # fmt: skip
        store = PatientStore(database, pack)
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
        ok = True
        for project in projects:
            ok = _report(sync_project(project, store, since)) and ok
        return 0 if ok else 1
    finally:
        database.dispose()


def run_command(args: argparse.Namespace) -> int | None:
    """Run the REDCap command ``args`` names; None when it names none."""
    if getattr(args, _KEY, None) is None:
        return None
    try:
        import sqlalchemy  # noqa: F401
    except ImportError as error:
        return _fail(f"redcap sync stores into the service's database and needs {error.name}: "
                     "pip install 'tacecheck[service]'")  # fmt: skip
    return _sync(args)

"""The service's commands: ``serve``, ``db upgrade``, ``db verify`` and ``user add``.

``add_commands(subparsers)`` adds them to a command line's sub-commands and
``run_command(args)`` runs one (``None`` when ``args`` is not one of these), so
``tacecheck`` and ``python -m protocol.service`` share them. Every command
takes ``--db URL`` (default: env ``TACECHECK_DB``, else ``tacecheck.db`` in the
current folder).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from protocol.service.settings import DEFAULT_BODY_LIMIT, DEFAULT_HOST, DEFAULT_PORT

__all__ = ["add_commands", "run_command"]

_KEY = "service_command"


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB "
        "(default: $TACECHECK_DB, else tacecheck.db in the current folder)",
    )


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _port(text: str) -> int:
    value = _whole(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text}: a port is 1 to 65535")
    return value


def _positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give 1 or more bytes")
    return value


def add_commands(subparsers: Any) -> None:
    """Add ``serve``, ``db`` and ``user`` to an argparse sub-command set."""
    serve = subparsers.add_parser(
        "serve", help="run the HTTP JSON API (the system of record for checks)"
    )
    _db_option(serve)
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port, 1-65535 ({DEFAULT_PORT})"
    )
    serve.add_argument("--pack", default="tamai-2017", help="protocol pack (default tamai-2017)")
    serve.add_argument(
        "--body-limit",
        type=_positive,
        default=DEFAULT_BODY_LIMIT,
        metavar="BYTES",
        help=f"largest request body accepted (default {DEFAULT_BODY_LIMIT})",
    )
    serve.add_argument(
        "--redcap-config",
        metavar="FILE",
        default=None,
        help="REDCap projects whose Data Entry Trigger this service receives "
        "(YAML or TOML; default $TACECHECK_REDCAP_CONFIG)",
    )
    serve.set_defaults(**{_KEY: "serve"})

    db = subparsers.add_parser("db", help="the service's database: upgrade its schema, verify")
    db_commands = db.add_subparsers(dest="db_command", metavar="{upgrade,verify}")
    db_commands.required = True
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the database schema")
    _db_option(upgrade)
    upgrade.set_defaults(**{_KEY: "db upgrade"})
    verify = db_commands.add_parser("verify", help="verify the audit trail's hash chain")
    _db_option(verify)
    verify.set_defaults(**{_KEY: "db verify"})

    user = subparsers.add_parser("user", help="the service's users")
    user_commands = user.add_subparsers(dest="user_command", metavar="{add}")
    user_commands.required = True
    add = user_commands.add_parser("add", help="add a user and print their token once")
    add.add_argument("name", help="user name (1-64 letters, digits, '.', '_', '@', '-')")
    add.add_argument("--role", required=True, choices=("entry", "monitor", "admin"))
    _db_option(add)
    add.set_defaults(**{_KEY: "user add"})


def _database(args: argparse.Namespace) -> Any:
    from protocol.service.database import Database, default_url

    return Database(args.db or os.environ.get("TACECHECK_DB") or default_url())


def _fail(message: str) -> int:
    print(f"tacecheck: {message}", file=sys.stderr)
    return 2


def _upgraded_or_message(database: Any) -> str | None:
    from sqlalchemy.engine import make_url

    from protocol.service.migrate import current_revision, head_revision

    if database.dialect == "sqlite":
        path = Path(make_url(database.url).database or "")
        if not path.is_file():  # connecting would create an empty file
            return f"no database file {path}; run: tacecheck db upgrade --db '{database.safe_url}'"

    current, head = current_revision(database), head_revision()
    if current == head:
        return None
    state = "has no tacecheck schema" if current is None else f"is at revision {current}"
    return (
        f"database {database.safe_url} {state}, not {head}; "
        f"run: tacecheck db upgrade --db '{database.safe_url}'"
    )


def _serve(args: argparse.Namespace, database: Any) -> int:
    import uvicorn

    from protocol.packs import PackError, load_pack
    from protocol.service.app import create_app

    problem = _upgraded_or_message(database)
    if problem:
        return _fail(problem)
    try:
        pack = load_pack(args.pack)
    except PackError as error:
        return _fail(str(error))
    redcap = None
    redcap_path = args.redcap_config or os.environ.get("TACECHECK_REDCAP_CONFIG")
    if redcap_path:
        from protocol.redcap.live_config import ConfigError, load_live_config

        try:
            redcap = load_live_config(redcap_path)
        except ConfigError as error:
            for place, message in error.problems:
                print(f"{error.source}: {place}: {message}", file=sys.stderr)
            return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(database, pack, args.body_limit, redcap=redcap)
    print(
        f"tacecheck: serving {database.safe_url} on http://{args.host}:{args.port} (docs at /docs)",
        file=sys.stderr,
        flush=True,
    )
    stopped = f"tacecheck: stopped serving on http://{args.host}:{args.port}"
    try:
        uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="info")
    except KeyboardInterrupt:  # Ctrl-C, re-raised by uvicorn after a clean shutdown
        print(stopped, file=sys.stderr)
        return 0
    except SystemExit as stop:  # uvicorn exits 3 when it cannot listen (the port is taken)
        if stop.code in (0, None):
            return 0
        if stop.code in (128 + signal.SIGTERM, 128 + signal.SIGINT):
            # uvicorn shut down cleanly, then re-raised the signal: the CLI's handler
            # turns SIGTERM into this exit; a requested stop is not a failure.
            print(stopped, file=sys.stderr)
            return 0
        return _fail(f"cannot serve on {args.host}:{args.port} (see the log line above)")
    print(stopped, file=sys.stderr)
    return 0


def run_command(args: argparse.Namespace) -> int | None:
    """Run the service command ``args`` names; None when it names none of them."""
    command = getattr(args, _KEY, None)
    if command is None:
        return None
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError as error:
        return _fail(
            f"the service needs {error.name}, which is not installed: "
            "pip install 'tacecheck[service]' (and 'tacecheck[postgres]' for PostgreSQL)"
        )

    try:
        database = _database(args)
    except ValueError as error:
        return _fail(str(error))
    try:
        if command == "serve":
            return _serve(args, database)
        if command == "db upgrade":
            from protocol.service.migrate import upgrade

            before, after = upgrade(database)
            print(f"database {database.safe_url}: revision {before or 'none'} -> {after}")
            return 0
        if command == "db verify":
            from protocol.service.audit import verify

            problem = _upgraded_or_message(database)
            if problem:
                return _fail(problem)
            result = verify(database)
            for item in result.problems:
                print(f"audit row {item.seq}: {item.problem}")
            print(
                f"audit trail: {result.rows} rows, {result.versions_checked} versions checked, "
                + ("intact" if result.ok else f"{len(result.problems)} problems")
            )
            return 0 if result.ok else 1
        if command == "user add":
            from protocol.service.auth import UserExists, add_user

            problem = _upgraded_or_message(database)
            if problem:
                return _fail(problem)
            try:
                token = add_user(database, args.name, args.role)
            except (UserExists, ValueError) as error:
                return _fail(str(error))
            print(f"user {args.name} ({args.role}) added; their token, shown only this once:")
            print(token)
            return 0
    except SQLAlchemyError as error:
        return _fail(
            f"database {database.safe_url}: {type(error).__name__}: {error.orig!s}"
            if getattr(error, "orig", None)
            else f"database error: {type(error).__name__}"
        )
    finally:
        database.dispose()
    return None

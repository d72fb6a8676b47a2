"""``python -m protocol.service serve|db|user ...``: the service commands on their own."""

from __future__ import annotations

import argparse
import sys

from protocol.service.commands import add_commands, run_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m protocol.service")
    commands = parser.add_subparsers(dest="command", metavar="{serve,db,user}")
    commands.required = True
    add_commands(commands)
    args = parser.parse_args(argv)
    code = run_command(args)
    return 2 if code is None else code


if __name__ == "__main__":
    sys.exit(main())

"""``python -m protocol.redcap sync ...``: the REDCap commands on their own."""

from __future__ import annotations

import argparse
import sys

from protocol.redcap.commands import add_commands, run_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m protocol.redcap")
    commands = parser.add_subparsers(dest="command", metavar="{redcap}")
    commands.required = True
    add_commands(commands)
    args = parser.parse_args(["redcap", *(argv if argv is not None else sys.argv[1:])])
    code = run_command(args)
    return 2 if code is None else code


if __name__ == "__main__":
    sys.exit(main())

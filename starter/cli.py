"""The `aftersales` command. Each topic lives in its own module under starter/ and
adds its subcommands through register(subparsers); MODULES lists them."""
from __future__ import annotations

import argparse
import importlib
import sys

MODULES = [
    "starter.cases",     # open, show, list, review, answer, kinds
    "starter.services",  # server, worker, up (the main job)
    "starter.replay",    # replay histories from the server
    "starter.simulators",  # simulators: the outside world over HTTP
]


class CliError(Exception):
    """Bad input or a refused action: one line on stderr, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aftersales", description="After-sales case engine")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:
                continue  # a topic not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        print(f"aftersales: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

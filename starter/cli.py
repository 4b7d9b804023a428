"""The `aftersales` command. Each topic lives in its own module under starter/ and
adds its subcommands through register(subparsers); MODULES lists them.

A subcommand sets either `func(args)` (sync) or `afunc(args, ctx)` (async, given a
service.context.Context); tests call `run(argv, ctx)` with their own client and store."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import sys
from typing import Any, NoReturn

from service.errors import ServiceError

MODULES = [
    "starter.cases",  # open, show, list, review, answer, kinds, orders
    "starter.services",  # server, worker, up (the main job), demo
    "starter.replay",  # replay histories from the server
    "starter.approvals",  # approvals list / decide (the shared approval mechanism)
    "starter.complaints",  # metrics, penalties, order contact / change-address
    "starter.simulators",  # simulators: the outside world over HTTP
    "starter.webhooks",  # webhooks: the outside world's pushes, as signals to cases
    "starter.reports",  # report completion, schedules ensure (the daily sweeps)
    "starter.tokens",  # token issue (operator), login
    "starter.audit",  # audit: the API's audit log
    "starter.front_door",  # api: the authenticated case API
    "starter.keys",  # keys show / rotate (the payload codec's keyring)
    "starter.codec",  # codec-server: payloads readable in the Temporal UI, for those allowed
    "starter.certificates",  # tls init: the compose stack's mTLS certificates
]


class CliError(ServiceError):
    """Bad input or a refused action: one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """Usage mistakes are bad input too: one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"aftersales: {self.prog.removeprefix('aftersales ')}: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="aftersales", description="After-sales case engine")
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


async def run(argv: list[str], ctx: Any = None) -> int:
    """Run one command in the current event loop (tests inject ctx)."""
    return await _run(build_parser().parse_args(argv), ctx)


async def _run(args: argparse.Namespace, ctx: Any = None) -> int:
    from service.context import Context

    ctx = ctx or Context()
    try:
        if getattr(args, "afunc", None):
            return int(await args.afunc(args, ctx) or 0)
        return int(args.func(args) or 0)
    except ServiceError as e:
        print(f"aftersales: {e}", file=sys.stderr)
        return 2
    finally:
        if getattr(ctx, "api_owned", False):
            await ctx.api.aclose()
        # Drop the Temporal client while its event loop still runs: a client
        # outliving asyncio.run can crash the interpreter at exit.
        ctx.client = None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = asyncio.run(_run(args))
        gc.collect()
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `aftersales show X | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

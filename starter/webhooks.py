"""`aftersales webhooks`: receives the outside systems' signed webhooks and signals the
cases they concern (adapters/http/webhooks.py). It does not start without a real secret."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("webhooks", help="receive the outside systems' webhooks and signal the cases")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8701)
    p.set_defaults(afunc=run)


async def run(args: argparse.Namespace, ctx: Any) -> int:
    import uvicorn

    from adapters.http import signing
    from adapters.http.webhooks import create_webhook_app
    from runtime import tracing
    from starter.cli import CliError

    if signing.weak(ctx.settings.webhook_secret):  # before anything else: never up, not even for a moment
        raise CliError(
            "refusing to start: WEBHOOK_SECRET is empty, a default or shorter than 16 characters; "
            "set it to the key the outside systems sign their webhooks with"
        )
    tracing.start(ctx.settings, "aftersales-webhooks")  # a push's span is the parent of its SignalWorkflow
    app = create_webhook_app(await ctx.temporal(), ctx.settings.webhook_secret)
    if (traced := tracing.active()) is not None:
        traced.instrument_app(app)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=args.host, port=args.port, log_level="warning", access_log=False, timeout_graceful_shutdown=2
        )
    )
    await server.serve()
    return 0

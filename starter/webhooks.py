"""`aftersales webhooks`: receives the outside systems' webhooks and signals the cases
they concern (adapters/http/webhooks.py)."""
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

    from adapters.http.webhooks import create_webhook_app

    app = create_webhook_app(await ctx.temporal(), ctx.settings.webhook_token)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning",
                                           access_log=False, timeout_graceful_shutdown=2))
    await server.serve()
    return 0

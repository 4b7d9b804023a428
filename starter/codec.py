"""`aftersales codec-server`: the payload codec over HTTP for the Temporal UI and the
`temporal` CLI (runtime/codec_server.py), with the worker's keyring."""

from __future__ import annotations

import argparse
from typing import Any

from starter.cli import CliError


def register(sub: Any) -> None:
    p = sub.add_parser("codec-server", help="decode payloads for the Temporal UI / CLI (bearer token CODEC_TOKEN)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8702)
    p.set_defaults(afunc=run)


async def run(args: argparse.Namespace, ctx: Any) -> int:
    import uvicorn

    from runtime.codec_server import bearer_token, codec_app
    from runtime.keys import KeyringError
    from runtime.temporal import codec_for

    if not ctx.settings.codec_token:
        raise CliError("set CODEC_TOKEN: the codec server decodes only for callers that present it")
    try:
        codec = codec_for(ctx.settings)
    except KeyringError as e:
        raise CliError(str(e)) from None
    app = codec_app(codec, bearer_token(ctx.settings.codec_token), ctx.settings.codec_cors_origins)
    ctx.say(
        f"codec server on http://{args.host}:{args.port}/codec (origins {', '.join(ctx.settings.codec_cors_origins)})"
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=args.host, port=args.port, log_level="warning", access_log=False, timeout_graceful_shutdown=2
        )
    )
    await server.serve()
    return 0

"""`aftersales api`: the case API (api/app.py), the front door every person and partner
system uses. With no AUTH_JWKS_URL it is its own issuer: the signing key is created in
the data directory on first start and `aftersales token issue` mints tokens with it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.app import create_app, payload_reader
from api.identity import Identity
from runtime import tracing
from runtime.codec_server import codec_router
from runtime.temporal import codec_for
from service.context import Context
from starter.cli import CliError


def build_app(ctx: Context, *, demo_sign_in: bool = False) -> FastAPI:
    """The API with the browser console (console/) at /console. `demo_sign_in` (the main job,
    `aftersales up`) lets the console's sign-in page mint a demo person's token, and only
    while the API is its own issuer."""
    from console.pages import console_router

    try:
        identity = Identity(ctx.settings, ctx.actors())
    except ValueError as e:
        raise CliError(f"cannot set up the API's identity: {e}") from None
    # the payload codec (issue 12) behind the front door's credentials: the Temporal UI and
    # the `temporal` CLI decode histories here, for those the permission table allows
    app = create_app(
        ctx, identity, extra_routers=[console_router(), codec_router(codec_for(ctx.settings), payload_reader())]
    )
    app.state.console_demo = demo_sign_in
    # the Temporal UI calls /codec from its own origin, with the user's bearer token (no cookies)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(ctx.settings.codec_cors_origins),
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
    )
    return app


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document (docs/openapi/api.json); needs no server, key or store."""
    return create_app(Context(), None).openapi()


async def cmd_api(args: argparse.Namespace, ctx: Context) -> int:
    import uvicorn

    if args.openapi:
        Path(args.openapi).write_text(json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n")
        return 0
    tracing.start(ctx.settings, "aftersales-api")  # before the app and the client: both take it from there
    app = build_app(ctx)
    await ctx.temporal()  # fail now, in one line, if Temporal is unreachable
    ctx.cases()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
    )
    await server.serve()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("api", help="the case API (/v1): the authenticated front door")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8702)
    p.add_argument("--openapi", metavar="FILE", help="write the OpenAPI document and exit (docs/openapi/api.json)")
    p.set_defaults(afunc=cmd_api)

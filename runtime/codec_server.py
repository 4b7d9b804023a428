"""The codec server (Temporal's remote codec protocol): the Temporal UI and `temporal`
CLI post a history's payloads to `<endpoint>/decode` and see them readable; without it
they see ciphertext. Only callers the `authorize` dependency lets through may decode,
so reading payloads is a permission, not a default (§6).

`codec_router(codec, authorize)` is an APIRouter so the authenticated front door (issue
11) can mount it behind its own credentials; `codec_app` serves it on its own for now,
with a bearer token from CODEC_TOKEN and CORS for the Temporal UI's origin."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec


class Payloads(BaseModel):
    """The protocol's body: {"payloads": [{"metadata": {k: base64}, "data": base64}, ...]}."""

    payloads: list[dict[str, Any]]


def codec_router(codec: PayloadCodec, authorize: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/codec", dependencies=[Depends(authorize)], tags=["codec"])

    async def convert(body: Payloads, how: Callable[[list[Payload]], Any]) -> dict[str, Any]:
        try:
            payloads = [json_format.ParseDict(p, Payload()) for p in body.payloads]
        except json_format.ParseError as e:
            raise HTTPException(400, f"malformed payload: {e}") from None
        try:
            out = await how(payloads)
        except Exception as e:
            raise HTTPException(422, f"cannot convert: {type(e).__name__}: {str(e)[:200]}") from None
        return {"payloads": [json_format.MessageToDict(p) for p in out]}

    @router.post("/encode")
    async def encode(body: Payloads) -> dict[str, Any]:
        return await convert(body, codec.encode)

    @router.post("/decode")
    async def decode(body: Payloads) -> dict[str, Any]:
        return await convert(body, codec.decode)

    return router


def bearer_token(token: str) -> Callable[..., None]:
    """A dependency that admits `Authorization: Bearer <token>` only. An empty token
    admits nobody: a codec server without a configured secret must not decode for all."""

    def authorize(authorization: str = Header(default="")) -> None:
        scheme, _, given = authorization.partition(" ")
        if not token or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
            raise HTTPException(401, "codec: missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    return authorize


def codec_app(codec: PayloadCodec, authorize: Callable[..., Any], cors_origins: tuple[str, ...]) -> FastAPI:
    app = FastAPI(title="Aftersales codec server", version="1")
    # The UI calls from the browser: its origin must be allowed, with the headers it sends.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(cors_origins),
        allow_credentials=True,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
    )
    app.include_router(codec_router(codec, authorize))

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

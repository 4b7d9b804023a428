"""Webhooks from the outside systems, turned into signals to the case they concern: a
push that saves a case waiting for its next poll. Polling stays the source of truth,
so a lost or repeated webhook costs nothing but time."""

from __future__ import annotations

import time

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel, Field, ValidationError
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from adapters.http import signing
from adapters.http.pushes import PUSHES
from domain.handlers import SignalName
from domain.models import workflow_id_for

# (system, event) -> the signal the case workflow takes it as (adapters/http/pushes.py)
EVENTS: dict[tuple[str, str], SignalName] = PUSHES


class WebhookEvent(BaseModel):
    case_id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")
    reference: str = Field(default="", max_length=120, description="the sender's own id: booking, ticket, parcel")


def create_webhook_app(client: Client, secret: str) -> FastAPI:
    """Every push is signed (adapters/http/signing.py): HMAC over its timestamp and body,
    within the replay window; the body is read only once the signature holds."""
    if signing.weak(secret):
        raise ValueError("the webhook secret is empty, a default or shorter than 16 characters")
    app = FastAPI(title="Aftersales webhooks", version="1")

    @app.post("/webhooks/{system}/{event}", status_code=202)
    async def receive(system: str, event: str, request: Request) -> dict[str, str]:
        raw = await request.body()
        refused = signing.problem(
            secret,
            request.headers.get(signing.TIMESTAMP, ""),
            request.headers.get(signing.SIGNATURE, ""),
            raw,
            time.time(),
        )
        if refused:
            raise HTTPException(401, refused)
        try:
            body = WebhookEvent.model_validate_json(raw)
        except ValidationError as e:
            raise HTTPException(422, f"invalid webhook body: {e.errors()[0]['msg']}") from None
        signal = EVENTS.get((system, event))
        if signal is None:
            raise HTTPException(404, f"no such webhook: {system}/{event}")
        try:
            await client.get_workflow_handle(workflow_id_for(body.case_id)).signal(signal)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                raise HTTPException(404, f"no open case {body.case_id}") from e
            raise HTTPException(503, "Temporal is unavailable; send again") from e
        return {"case_id": body.case_id, "signal": signal}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

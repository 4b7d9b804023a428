"""Webhooks from the outside systems, turned into signals to the case they concern: a
push that saves a case waiting for its next poll. Polling stays the source of truth,
so a lost or repeated webhook costs nothing but time."""
from __future__ import annotations

import hmac

from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.models import workflow_id_for

from adapters.http.pushes import PUSHES

# (system, event) -> the signal the case workflow takes it as (adapters/http/pushes.py)
EVENTS: dict[tuple[str, str], str] = PUSHES


class WebhookEvent(BaseModel):
    case_id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")
    reference: str = Field(default="", max_length=120, description="the sender's own id: booking, ticket, parcel")


def create_webhook_app(client: Client, token: str = "") -> FastAPI:
    """With a token, every webhook must carry it in X-Webhook-Token."""
    app = FastAPI(title="Aftersales webhooks", version="1")

    @app.post("/webhooks/{system}/{event}", status_code=202)
    async def receive(system: str, event: str, body: WebhookEvent,
                      x_webhook_token: str = Header(default="")) -> dict[str, str]:
        if token and not hmac.compare_digest(x_webhook_token, token):
            raise HTTPException(401, "missing or wrong X-Webhook-Token")
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

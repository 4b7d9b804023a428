"""The simulator service's pushes: every event an in-process simulator announces (stock
backfilled, order dispatched, the platform's oversold answer, goods back at the
warehouse, the courier's delivery status) is posted to the engine's webhooks service at
the time it happens, signed with HMAC as that service expects (adapters/http/signing.py).
Nothing is sent while no webhook_url is set; the settings are read at each push, so a
webhook switched on at run time (/admin/faults) applies to the next event."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timezone

import httpx

from adapters.http import signing
from adapters.simulators.service.faults import Faults


class WebhookPusher:
    """A Pusher (adapters/simulators/pushes.py) that posts to <webhook_url>/<system>/<event>."""

    def __init__(self, injector: Faults):
        self.injector = injector
        self._sending: set[asyncio.Task[None]] = set()

    def push(self, system: str, event: str, case_id: str, at: datetime) -> None:
        s = self.injector.settings
        if not s.webhook_url:
            return
        url = f"{s.webhook_url.rstrip('/')}/{system}/{event}"
        task = asyncio.get_running_loop().create_task(self._send(url, {"case_id": case_id}, s.webhook_token, at))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, url: str, body: dict[str, str], secret: str, at: datetime) -> None:
        await asyncio.sleep(max(0.0, (at - datetime.now(timezone.utc)).total_seconds()))
        raw = json.dumps(body).encode()
        calls = self.injector.calls
        async with httpx.AsyncClient(timeout=5) as client:
            for attempt in range(5):
                try:  # signed afresh each attempt: a retry is a new moment inside the replay window
                    headers = {"Content-Type": "application/json", **signing.headers(secret, int(time.time()), raw)}
                    r = await client.post(url, content=raw, headers=headers)
                    if r.status_code < 500:
                        calls[f"webhook.{r.status_code}"] += 1
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(2**attempt)
            calls["webhook.undelivered"] += 1

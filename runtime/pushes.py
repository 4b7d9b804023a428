"""Pushes from the in-process simulators, delivered as the webhooks service would: at the
event's time, the case's signal for that system's event (adapters/http/pushes.py). The
clock is the wall clock, so this is for a real server (the demo, the bench's throughput
run), not the time-skipping one, where the cases' polls find the events instead."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from temporalio.client import Client
from temporalio.service import RPCError

from adapters.http.pushes import signal_for
from domain.models import workflow_id_for


class SignalPushes:
    def __init__(self, client: Client):
        self.client = client
        self._sending: set[asyncio.Task[None]] = set()

    def push(self, system: str, event: str, case_id: str, at: datetime) -> None:
        signal = signal_for(system, event)
        if signal is None:
            return
        task = asyncio.get_running_loop().create_task(self._send(signal, case_id, at))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, signal: str, case_id: str, at: datetime) -> None:
        await asyncio.sleep(max(0.0, (at - datetime.now(timezone.utc)).total_seconds()))
        try:
            await self.client.get_workflow_handle(workflow_id_for(case_id)).signal(signal)
        except RPCError:
            pass  # the case has closed, or the server is away: the case's poll finds the event anyway

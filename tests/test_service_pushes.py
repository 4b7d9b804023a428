"""The HTTP simulator service pushes every kind of event the engine waits on — stock
backfilled, order dispatched, the platform's oversold answer, goods back, the courier's
delivery status — to the webhooks service, signed as it expects, at the time it happens;
the webhooks service turns each into its case's signal. A courier's push wakes a
ShippedNotSigned case long before its 96 h deadline."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import httpx
import uvicorn

from adapters.http import signing
from adapters.http.pushes import PUSHES
from adapters.http.webhooks import create_webhook_app
from adapters.simulators import Scenario
from adapters.simulators.service import FaultSettings
from adapters.simulators.service.app import create_app
from domain.models import workflow_id_for
from domain.shipped_not_signed import NotSignedOutcome
from tests.outside_services import free_port
from tests.support import running_worker
from tests.test_shipped_not_signed import not_signed, start

SECRET = "push-secret-0123456789"


class Signals:
    """Stands in for the Temporal client behind the webhooks service: which case got which signal."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []

    def get_workflow_handle(self, workflow_id: str) -> Signals._Handle:
        return Signals._Handle(self, workflow_id)

    class _Handle:
        def __init__(self, signals: Signals, workflow_id: str):
            self.signals, self.workflow_id = signals, workflow_id

        async def signal(self, name: str) -> None:
            self.signals.got.append((self.workflow_id, name))


async def test_the_simulator_service_pushes_every_kind_signed_and_each_becomes_its_signal(tmp_path):
    signals = Signals()
    port = free_port()
    hooks = uvicorn.Server(uvicorn.Config(create_webhook_app(signals, SECRET), port=port, log_level="warning"))  # type: ignore[arg-type]
    serving = asyncio.create_task(hooks.serve())
    while not hooks.started:
        await asyncio.sleep(0.05)
    soon = "1s"
    sims = create_app(
        f"sqlite:///{tmp_path / 'sims.db'}",
        FaultSettings(
            webhook_url=f"http://127.0.0.1:{port}/webhooks",
            webhook_token=SECRET,
            default_receive_after=soon,
            scenarios={
                "O-1": Scenario(backfill_after=soon),
                "O-2": Scenario(ship_after=soon),
                "O-3": Scenario(platform_answer_after=soon),
                "O-4": Scenario(signed_after=soon),
            },
        ),
    )
    now = datetime.now(timezone.utc).isoformat()
    calls = [
        ("/warehouse/v1/request-backfill", {"case_id": "HO-1", "order_id": "O-1", "lines": [], "requested_at": now}),
        ("/warehouse/v1/dispatch-status", {"case_id": "ST-2", "order_id": "O-2", "placed_at": now, "as_of": now}),
        ("/platform/v1/check-oversold", {"case_id": "OS-3", "order_id": "O-3", "asked_at": now, "as_of": now}),
        ("/courier/v1/delivery-status", {"case_id": "SN-4", "order_id": "O-4", "shipped_at": now, "as_of": now}),
        ("/courier/v1/pickups", {"case_id": "RR-5", "order_id": "O-5", "lines": [], "as_of": now}),
    ]
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sims), base_url="http://sims") as c:
            for path, body in calls * 2:  # asked twice: pushed once
                assert (await c.post(path, json=body)).status_code == 200, path
            expected = sorted(
                [
                    (workflow_id_for("HO-1"), "stock_reported"),
                    (workflow_id_for("ST-2"), "dispatch_reported"),
                    (workflow_id_for("OS-3"), "oversold_answer_reported"),
                    (workflow_id_for("SN-4"), "delivery_status_reported"),
                    (workflow_id_for("RR-5"), "goods_reported_received"),
                ]
            )
            deadline = time.monotonic() + 20
            while len(signals.got) < len(expected) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # nothing more arrives
            assert sorted(signals.got) == expected
            assert (await c.get("/admin/stats")).json()["calls"].get("webhook.202") == len(expected)
        # a real courier's pickup event has its route too: the parcel lost on its way back
        async with httpx.AsyncClient(timeout=10) as c:
            raw = json.dumps({"case_id": "RR-6"}).encode()
            r = await c.post(
                f"http://127.0.0.1:{port}/webhooks/courier/pickup-lost",
                content=raw,
                headers={"Content-Type": "application/json", **signing.headers(SECRET, int(time.time()), raw)},
            )
        assert r.status_code == 202 and signals.got[-1] == (workflow_id_for("RR-6"), PUSHES[("courier", "pickup-lost")])
    finally:
        hooks.should_exit = True
        await serving


async def test_the_courier_push_wakes_a_shipped_not_signed_case_before_its_deadline(env, store):
    inp, config = await not_signed(env, signed_after="80h")  # shipped 72 h ago: signed in 8 h, due in 24 h
    async with running_worker(env, store, config) as (tq, _):
        h = await start(env, tq, inp)
        await env.sleep(timedelta(hours=9))
        await h.signal(PUSHES[("courier", "delivery-status")])
        assert (await h.result()).outcome == NotSignedOutcome.SIGNED
        closed = store.timeline(inp.case.case_id)[-1]
        assert closed.at < inp.case.order.shipped_at + timedelta(hours=82)  # on the push, not at the 96 h deadline

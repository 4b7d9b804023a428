"""Push first: each simulated event is pushed once, at the time it happens, under a route
the waiting workflow takes as a signal (adapters/http/pushes.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from adapters.http.pushes import PUSHES
from adapters.simulators import Scenario, SimulatorConfig
from domain.external import PickupRequest
from domain.findings import DeliveryQuery
from domain.fulfilment import BackfillRequest, DispatchQuery, OversoldCheck
from domain.windows import Window
from worker import Outside
from workflows.registry import WORKFLOWS

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


class Received:
    """Where the pushes land: what a webhook receiver would be sent."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str, str, datetime]] = []

    def push(self, system: str, event: str, case_id: str, at: datetime) -> None:
        self.got.append((system, event, case_id, at))


def test_every_push_route_is_a_signal_of_a_case_workflow():
    signals = {name for w in WORKFLOWS for name in w.__temporal_workflow_definition.signals}  # type: ignore[attr-defined]
    assert set(PUSHES.values()) <= signals


async def test_the_simulators_push_each_event_once_at_the_time_it_happens():
    h = Window.model_validate
    outside = Outside.simulated(
        SimulatorConfig(
            pushes=True,
            default_receive_after=h("3h"),
            scenarios={
                "O-1": Scenario(backfill_after=h("5h")),
                "O-2": Scenario(ship_after=h("30h")),
                "O-3": Scenario(platform_answer_after=h("4h")),
                "O-4": Scenario(parcel_lost=True),
                "O-6": Scenario(signed_after=h("20h")),
            },
        )
    )
    received = Received()
    outside.push_with(received)
    w, c, p = outside.warehouse, outside.courier, outside.platform
    for _ in range(2):  # asked again: pushed once
        await w.request_backfill(BackfillRequest(case_id="C-1", order_id="O-1", lines=(), requested_at=T0))
        await w.dispatch_status(DispatchQuery(case_id="C-2", order_id="O-2", placed_at=T0, as_of=T0))
        await p.check_oversold(OversoldCheck(case_id="C-3", order_id="O-3", asked_at=T0, as_of=T0))
        await c.book_pickup(PickupRequest(case_id="C-5", order_id="O-5", lines=(), as_of=T0))
        await c.delivery_status(DeliveryQuery(case_id="C-6", order_id="O-6", shipped_at=T0, as_of=T0))
    await c.book_pickup(PickupRequest(case_id="C-4", order_id="O-4", lines=(), as_of=T0))  # lost: nothing to push
    assert sorted(received.got) == sorted(
        [
            ("warehouse", "backfill-arrived", "C-1", T0 + timedelta(hours=5)),
            ("warehouse", "dispatched", "C-2", T0 + timedelta(hours=30)),
            ("platform", "oversold-answered", "C-3", T0 + timedelta(hours=4)),
            ("warehouse", "goods-received", "C-5", T0 + timedelta(hours=3)),
            ("courier", "delivery-status", "C-6", T0 + timedelta(hours=20)),
        ]
    )
    assert all(PUSHES[(s, e)] for s, e, _, _ in received.got)

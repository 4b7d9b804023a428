"""Worker crash: the worker is SIGKILLed after the payment provider recorded the payment
but before the activity completed. A new worker retries the step under the same
idempotency key: every case completes, paid exactly once, with a complete timeline.
Two of the cases return different lines of one order: together they pay back exactly
what it paid, never more (the order's ledger, issue 10)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from adapters.simulators.service import FaultSettings
from domain.models import LineQuantity
from domain.returns import ReturnOutcome, ReturnRefundResult
from domain.timeline import Entry
from store import open_store
from tests.factories import order
from tests.outside_services import ROOMY_POLICY, DevServer, Simulators, WorkerProcess, return_case
from tests.support import until

CASES = 3
TIMELINE = [
    Entry.OPENED,
    Entry.REVIEWED,
    Entry.PICKUP_REQUESTED,
    Entry.PICKUP_BOOKED,
    Entry.GOODS_RECEIVED,
    Entry.REFUND_STARTED,
    Entry.REFUND_PAID,
    Entry.CLOSED,
]


@pytest.fixture
def world(tmp_path):
    server = DevServer(tmp_path).start()
    # Every payment is made, then the answer waits a minute: the window to kill the worker in.
    sims = Simulators(
        tmp_path, FaultSettings(delay_after_effect_ms={"payment": 60_000}, default_receive_after="1s")
    ).start()
    try:
        yield server, sims, f"sqlite:///{tmp_path / 'cases.db'}"
    finally:
        sims.stop()
        server.stop()


async def test_worker_killed_after_the_payment_pays_once_and_completes(world):
    server, sims, db = world
    store = open_store(db)
    client = await server.client()
    tq = f"crash-{uuid.uuid4().hex[:6]}"
    first = WorkerProcess(server, sims, db, tq).start()
    second = None
    try:
        shared = order()  # milk x4 and rice x1: one case returns the milk, another the rice
        inputs = [
            return_case(policy=ROOMY_POLICY, the_order=shared, lines=(LineQuantity(sku="MILK-1L", quantity=4),)),
            return_case(policy=ROOMY_POLICY, the_order=shared, lines=(LineQuantity(sku="RICE-5KG", quantity=1),)),
            *(return_case(policy=ROOMY_POLICY) for _ in range(CASES - 2)),
        ]
        handles = [
            await client.start_workflow(
                "ReturnRefund", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReturnRefundResult
            )
            for inp in inputs
        ]

        async def all_paid() -> bool:
            return len(await sims.ledger()) >= CASES

        await until(all_paid, "the payments", within=90, interval=0.2)
        first.kill()
        paid_before_crash = await sims.ledger()
        for h in handles:  # the payment activities were still running when the worker died
            assert (await h.describe()).status.name == "RUNNING"
        await sims.set_faults(FaultSettings(default_receive_after="1s"))
        second = WorkerProcess(server, sims, db, tq).start()
        results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout=120)
    finally:
        first.kill()
        if second:
            second.stop()

    ledger = await sims.ledger()
    assert ledger == paid_before_crash, "a retry after the crash paid again"
    per_case = Counter(e["case_id"] for e in ledger)
    assert per_case == Counter({inp.case.case_id: 1 for inp in inputs})
    on_shared = [e["amount_fen"] for e in ledger if e["case_id"] in (inputs[0].case.case_id, inputs[1].case.case_id)]
    assert sum(on_shared) == shared.paid_fen  # the whole order, once, across both cases and the crash
    assert store.ledger.balance(shared.order_id).left_fen == 0
    for inp, result in zip(inputs, results, strict=True):
        case_id = inp.case.case_id
        assert result.outcome == ReturnOutcome.REFUNDED
        entry = next(e for e in ledger if e["case_id"] == case_id)
        assert (result.payment_id, result.refund_fen) == (entry["payment_id"], entry["amount_fen"])
        assert [p["payment_id"] for p in store.payments(case_id)] == [entry["payment_id"]]
        timeline = store.timeline(case_id)
        assert [e.kind for e in timeline] == TIMELINE
        assert [e.seq for e in timeline] == list(range(len(TIMELINE)))
        assert store.get_case(case_id)["outcome"] == ReturnOutcome.REFUNDED.value

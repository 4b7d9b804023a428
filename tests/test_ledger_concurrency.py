"""20 refund cases on one order, started at once, against the dev server and the
PostgreSQL store: the order pays back exactly what was refundable, never more."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

import worker
from domain.models import LineQuantity, OrderLine
from domain.returns import ReturnOutcome, ReturnRefundResult
from store import open_store
from tests.factories import order
from tests.outside_services import ROOMY_POLICY, DevServer, return_case

CASES = 20
EGGS = 12  # one egg per case: 12 are refundable, 8 cases find nothing left


@pytest.fixture
def server(tmp_path):
    s = DevServer(tmp_path, persistent=False).start()
    try:
        yield s
    finally:
        s.stop()


async def test_twenty_cases_on_one_order_pay_back_exactly_what_it_paid(server, pg_url):
    store = open_store(pg_url)
    the_order = order(lines=(OrderLine(sku="EGG", name="土鸡蛋", unit_price_fen=250, quantity=EGGS),))
    store.save_order(the_order)
    client = await server.client()
    tq = f"ledger-{uuid.uuid4().hex[:6]}"
    inputs = [
        return_case(
            pickup=False, policy=ROOMY_POLICY, the_order=the_order, lines=(LineQuantity(sku="EGG", quantity=1),)
        )
        for _ in range(CASES)
    ]
    started = time.monotonic()
    async with worker.build_worker(
        client, store, worker.Outside.simulated(), task_queue=tq, max_concurrent_activities=CASES
    ):
        handles = await asyncio.gather(
            *(
                client.start_workflow(
                    "ReturnRefund", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReturnRefundResult
                )
                for inp in inputs
            )
        )
        results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), timeout=120)
    elapsed = time.monotonic() - started
    paid = [r.refund_fen for r in results if r.outcome == ReturnOutcome.ADVANCE_COMPENSATED]
    capped = [r for r in results if r.outcome == ReturnOutcome.REFUND_CAPPED]
    print(
        f"\n{CASES} cases on one order in {elapsed:.1f}s: {len(paid)} paid {sum(paid)} fen of {the_order.paid_fen}, "
        f"{len(capped)} capped"
    )
    assert sum(paid) == the_order.paid_fen == EGGS * 250
    assert len(paid) == EGGS and len(capped) == CASES - EGGS and all(a == 250 for a in paid)
    payments = [p for inp in inputs for p in store.payments(inp.case.case_id)]
    assert sum(p["amount_fen"] for p in payments) == the_order.paid_fen
    balance = store.ledger.balance(the_order.order_id)
    assert balance.left_fen == 0 and balance.lines_left == {"EGG": 0}

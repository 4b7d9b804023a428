"""Server restart: the Temporal dev server (SQLite file) is stopped while cases wait
for their goods, then started again on the same file. The cases resume from where
they were and are refunded by their deadline (demo policy: seconds for days)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from adapters.simulators.service import FaultSettings
from domain.returns import ReturnOutcome, ReturnRefundResult, refund_due_at
from domain.timeline import Entry
from store import open_store
from tests.outside_services import ROOMY_POLICY, DevServer, Simulators, WorkerProcess, return_case, utcnow
from tests.support import kinds, until

CASES = 5


@pytest.fixture
def world(tmp_path):
    server = DevServer(tmp_path).start()
    # goods arrive 8 s after the pickup is booked: the server is down in between
    sims = Simulators(tmp_path, FaultSettings(default_receive_after="8s")).start()
    try:
        yield server, sims, f"sqlite:///{tmp_path / 'cases.db'}"
    finally:
        sims.stop()
        server.stop()


async def test_cases_resume_after_a_server_restart_and_meet_their_deadline(world):
    server, sims, db = world
    store = open_store(db)
    client = await server.client()
    tq = f"restart-{uuid.uuid4().hex[:6]}"
    worker = WorkerProcess(server, sims, db, tq).start()
    try:
        inputs = [return_case(policy=ROOMY_POLICY) for _ in range(CASES)]
        for inp in inputs:
            await client.start_workflow(
                "ReturnRefund", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReturnRefundResult
            )
        await until(
            lambda: all(Entry.PICKUP_BOOKED in kinds(store.timeline(i.case.case_id)) for i in inputs),
            "every case's pickup booked",
            within=60,
            interval=0.2,
        )
        assert all(store.get_case(i.case.case_id)["outcome"] is None for i in inputs)

        stopped_at = utcnow()
        server.stop()
        await asyncio.sleep(3)
        server.start()

        client = await server.client()
        results = await asyncio.wait_for(
            asyncio.gather(
                *(
                    client.get_workflow_handle(i.case.workflow_id, result_type=ReturnRefundResult).result()
                    for i in inputs
                )
            ),
            timeout=90,
        )
    finally:
        worker.stop()

    ledger = await sims.ledger()
    assert sorted(e["case_id"] for e in ledger) == sorted(i.case.case_id for i in inputs)
    for inp, result in zip(inputs, results, strict=True):
        assert result.outcome == ReturnOutcome.REFUNDED
        timeline = {e.kind: e for e in store.timeline(inp.case.case_id)}
        assert list(timeline)[-3:] == [Entry.REFUND_STARTED, Entry.REFUND_PAID, Entry.CLOSED]
        assert timeline[Entry.GOODS_RECEIVED].at > stopped_at, "the case finished before the restart"
        due = refund_due_at(ROOMY_POLICY, timeline[Entry.OPENED].at)
        assert timeline[Entry.REFUND_PAID].at <= due, f"{inp.case.case_id} paid after its deadline"

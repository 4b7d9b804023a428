"""Long waits stay small (issue 14): a case whose wait on an outside system is woken again
and again (each push a look: ~15 events) under a misconfigured short poll continues as
new whenever its run nears the policy's history limit — a tracked order across both of
its waits (ship target, platform rule), an oversold order waiting for the platform, a
parcel waiting for its signature. Each case still ends as it would in one run (one
opening, one tracking call or chase, one close, every timeline entry once and in
sequence, its deadlines unmoved), every run's history stays below the limit, and the runs
on both sides of a boundary are kept for the replay suite. On the dev server, with the
demo's windows in seconds: the time-skipping test server stops skipping time after a
continue-as-new whose run had a poll retrying (its orphaned retry holds the clock)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from adapters.simulators import Scenario, SimulatorConfig
from domain.child_cases import CaseResult
from domain.handlers import SignalName
from domain.models import CaseKind
from domain.oversold import OversoldInput, OversoldOutcome, OversoldResult
from domain.shipment_tracking import ShipmentTrackingInput, ShipmentTrackingResult, TrackingOutcome
from domain.shipped_not_signed import NotSignedOutcome, ShippedNotSignedInput
from domain.timeline import Entry
from domain.windows import Window
from runtime.binaries import binary
from runtime.temporal import data_converter
from tests.factories import header, named_policy, order
from tests.replay_support import keep_history
from tests.support import kinds, running_worker
from workflows.case_workflow import CaseWorkflow
from workflows.patches import BASELINE

LIMIT = 120
DEMO = named_policy("demo")  # ship target 12 s, platform rule 18 s
CHATTY = DEMO.model_copy(
    update={
        "polling": DEMO.polling.model_copy(
            update={"outside_status": Window.model_validate("1s"), "history_limit": LIMIT}
        )
    }
)


@pytest_asyncio.fixture(scope="module")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    e = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=data_converter()
    )
    yield e
    await e.shutdown()


async def push(handle, signal: SignalName, times: int, every: float) -> None:  # type: ignore[no-untyped-def]
    """The outside system pushes `times` times, `every` seconds apart, through a handle without a
    run id (the chain's current run), until the case has closed (a loaded machine may get there first)."""
    for _ in range(times):
        await asyncio.sleep(every)
        try:
            await handle.signal(signal)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                return
            raise


async def runs_of(client, workflow_id: str):  # type: ignore[no-untyped-def]
    """The case's runs, first to last, each with its history (following continued_execution_run_id back)."""
    runs = []
    handle = client.get_workflow_handle(workflow_id)
    run_id = (await handle.describe()).run_id
    while run_id:
        h = client.get_workflow_handle(workflow_id, run_id=run_id)
        history = await h.fetch_history()
        runs.append((h, history))
        run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
    return runs[::-1]


async def test_a_chatty_long_wait_continues_as_new_and_the_case_ends_as_in_one_run(dev_env, store):
    env = dev_env
    o = order()
    placed = await env.get_current_time()
    inp = ShipmentTrackingInput(case=header(CaseKind.SHIPMENT_TRACKING, o), policy=CHATTY, placed_at=placed)
    config = SimulatorConfig(scenarios={o.order_id: Scenario(ship_after=Window.model_validate("15s"))})
    async with running_worker(env, store, config) as (tq, _):
        h = await env.client.start_workflow(
            "ShipmentTracking", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ShipmentTrackingResult
        )
        await push(
            h, SignalName.DISPATCH_REPORTED, 36, 0.3
        )  # the warehouse pushes every 0.3 s though nothing has shipped
        status = await h.query(CaseWorkflow.status)  # the chain's current run answers
        if status.outcome is None:  # still waiting (a loaded machine may have shipped it already)
            assert status.next_deadline_name in ("ship_target", "platform_ship")  # the carried wait's deadline
            assert status.next_deadline in (placed + timedelta(seconds=12), placed + timedelta(seconds=18))
        result = await h.result()  # follows the chain to the last run's result
        timeline = await h.query(CaseWorkflow.timeline)
        runs = await runs_of(env.client, inp.case.workflow_id)

    assert result.outcome == TrackingOutcome.SHIPPED_LATE and result.shipped_at == placed + timedelta(seconds=15)
    assert len(runs) >= 3, f"{len(runs)} runs"
    for _, history in runs:
        assert len(history.events) < LIMIT
    for _, history in runs[:-1]:
        assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    got = kinds(store.timeline(inp.case.case_id))
    assert got.count(Entry.OPENED) == 1 and got.count(Entry.TRACKING_CALL) == 1 and got.count(Entry.CLOSED) == 1
    stored = store.timeline(inp.case.case_id)
    assert [e.seq for e in stored] == list(range(len(stored)))
    assert [e.seq for e in timeline] == [e.seq for e in stored]  # the last run answers the whole case
    # each next run is told its case's baseline, so its first poll (its first command) ends on
    # its deadline as the first run's would (poll-to-deadline), without asking for a marker first
    [carried] = await env.client.data_converter.decode(
        runs[-1][1].events[0].workflow_execution_started_event_attributes.input.payloads, [ShipmentTrackingInput]
    )
    assert carried.carried is not None and carried.carried.baseline == BASELINE
    for name, (h, _) in (("first", runs[0]), ("second", runs[1]), ("last", runs[-1])):
        await keep_history(h, f"shipment_tracking_chatty_{name}_run", patch=BASELINE)


async def test_a_chatty_wait_for_the_platform_continues_as_new_and_ships_late(dev_env, store):
    env = dev_env
    o = order()
    inp = OversoldInput(case=header(CaseKind.OVERSOLD, o), policy=CHATTY)  # oversold_check: 8 s
    config = SimulatorConfig(
        scenarios={o.order_id: Scenario(platform_answer_after=Window.model_validate("6s"), can_ship=True)}
    )
    async with running_worker(env, store, config) as (tq, _):
        h = await env.client.start_workflow(
            "Oversold", inp, id=inp.case.workflow_id, task_queue=tq, result_type=OversoldResult
        )
        await push(
            h, SignalName.OVERSOLD_ANSWER_REPORTED, 20, 0.25
        )  # the platform pushes every 0.25 s before it has answered
        result = await h.result()
        runs = await runs_of(env.client, inp.case.workflow_id)

    assert result.outcome == OversoldOutcome.SHIPPED_LATE and result.can_ship
    assert len(runs) >= 2, f"{len(runs)} runs"
    assert all(len(history.events) < LIMIT for _, history in runs)
    got = kinds(store.timeline(inp.case.case_id))
    assert (
        got.count(Entry.OPENED)
        == got.count(Entry.PLATFORM_ASKED)
        == got.count(Entry.DISPATCHED)
        == got.count(Entry.CLOSED)
        == 1
    )
    assert Entry.SLA_BREACHED not in got  # the carried wait kept its question's time: answered within the window
    stored = store.timeline(inp.case.case_id)
    assert [e.seq for e in stored] == list(range(len(stored)))
    await keep_history(runs[0][0], "oversold_chatty_first_run", patch=BASELINE)
    await keep_history(runs[1][0], "oversold_chatty_second_run", patch=BASELINE)


async def test_a_courier_pushing_again_and_again_continues_as_new_and_the_parcel_is_signed(dev_env, store):
    env = dev_env
    shipped = await env.get_current_time()
    o = order().model_copy(update={"shipped_at": shipped})
    inp = ShippedNotSignedInput(case=header(CaseKind.SHIPPED_NOT_SIGNED, o), policy=CHATTY)  # sign target: 24 s
    config = SimulatorConfig(scenarios={o.order_id: Scenario(signed_after=Window.model_validate("8s"))})
    async with running_worker(env, store, config) as (tq, _):
        h = await env.client.start_workflow(
            "ShippedNotSigned", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
        )
        await push(
            h, SignalName.DELIVERY_STATUS_REPORTED, 28, 0.25
        )  # the courier pushes every 0.25 s while the parcel is in transit
        result = await h.result()
        runs = await runs_of(env.client, inp.case.workflow_id)

    assert result.outcome == NotSignedOutcome.SIGNED
    assert len(runs) >= 2, f"{len(runs)} runs"
    assert all(len(history.events) < LIMIT for _, history in runs)
    got = kinds(store.timeline(inp.case.case_id))
    assert got.count("opened") == got.count("courier_chased") == got.count("closed") == 1  # chased once, across runs
    assert Entry.SLA_BREACHED not in got
    stored = store.timeline(inp.case.case_id)
    assert [e.seq for e in stored] == list(range(len(stored)))
    await keep_history(runs[0][0], "shipped_not_signed_chatty_first_run", patch=BASELINE)
    await keep_history(runs[1][0], "shipped_not_signed_chatty_second_run", patch=BASELINE)

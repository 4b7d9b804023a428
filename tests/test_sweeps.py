"""The daily sweeps (§2 daily rhythm): export windows, deterministic case ids, a sweep
run twice opens no duplicate, the completion report written to the store."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

from adapters.simulators import Scenario, SimulatorConfig
from domain.models import CaseKind
from domain.sweeps import (
    CompletionReport,
    ReportInput,
    SweepInput,
    SweepKind,
    SweepResult,
    completion_rate,
    completion_window,
    export_window,
    schedule_utc_hour,
    sweep_case_id,
)
from domain.windows import Window
from store import open_store
from store.reports import completion_reports
from tests.factories import DEFAULT_POLICY, order
from tests.replay_support import keep_history
from tests.support import advance, running_worker, until

TZ = DEFAULT_POLICY.calendar.tz


def test_tracking_export_covers_20_00_two_days_ago_to_20_00_yesterday():
    as_of = datetime(2026, 11, 22, 9, 0, tzinfo=TZ)
    day, start, until = export_window(DEFAULT_POLICY, SweepKind.SHIPMENT_TRACKING, as_of)
    assert day == date(2026, 11, 22)
    assert start == datetime(2026, 11, 20, 20, 0, tzinfo=TZ) and until == datetime(2026, 11, 21, 20, 0, tzinfo=TZ)
    assert start.astimezone(timezone.utc).hour == 12  # UTC+8


def test_oversold_export_covers_the_24h_before_17_00():
    _day, start, until = export_window(DEFAULT_POLICY, SweepKind.OVERSOLD, datetime(2026, 11, 22, 17, 0, tzinfo=TZ))
    assert until == datetime(2026, 11, 22, 17, 0, tzinfo=TZ) and until - start == timedelta(days=1)


def test_ids_rates_and_schedule_hours():
    assert sweep_case_id(SweepKind.SHIPMENT_TRACKING, "O-1", date(2026, 11, 22)) == "ST-O-1-20261122"
    assert sweep_case_id(SweepKind.OVERSOLD, "O-1", date(2026, 11, 22)) == "OS-O-1-20261122"
    assert (completion_rate(0, 0), completion_rate(3, 2), completion_rate(4, 4)) == (1000, 666, 1000)
    assert [schedule_utc_hour(DEFAULT_POLICY, h) for h in (9, 10, 17)] == [1, 2, 9]
    day, start, until = completion_window(DEFAULT_POLICY, datetime(2026, 11, 22, 10, 0, tzinfo=TZ))
    assert day == date(2026, 11, 21) and until - start == timedelta(days=1)


def orders_around(as_of: datetime):  # type: ignore[no-untyped-def]
    """Late (ships 6 h after the sweep), shipped, outside the window, oversold, and one shipping 2 h after the sweep."""
    _, start, until = export_window(DEFAULT_POLICY, SweepKind.SHIPMENT_TRACKING, as_of)
    mk = lambda name, at: order(f"O-{name}-{uuid.uuid4().hex[:6]}").model_copy(update={"paid_at": at})  # noqa: E731
    late, shipped, early = (
        mk("late", start + timedelta(hours=1)),
        mk("shipped", start + timedelta(hours=2)),
        mk("early", start - timedelta(hours=1)),
    )
    soon, over = mk("soon", until - timedelta(hours=1)), mk("over", until - timedelta(hours=2))
    scenarios = {
        shipped.order_id: Scenario(ship_after=Window.model_validate("2h")),
        soon.order_id: Scenario(
            ship_after=Window.model_validate(f"{int((as_of - soon.paid_at).total_seconds() // 60) + 120}m")
        ),
        # still open at report time; ships 6 h after the sweep so no case outlives the test
        late.order_id: Scenario(
            ship_after=Window.model_validate(f"{int((as_of - late.paid_at).total_seconds() // 60) + 360}m")
        ),
        over.order_id: Scenario(oversold=True, platform_answer_after=Window.model_validate("1h"), can_ship=True),
    }
    return (late, shipped, early, soon, over), SimulatorConfig(
        orders=(late, shipped, early, soon, over), scenarios=scenarios
    )


async def sweep(env, tq, kind: SweepKind, as_of: datetime) -> tuple:  # type: ignore[type-arg]
    h = await env.client.start_workflow(
        "DailySweep",
        SweepInput(kind=kind, policy=DEFAULT_POLICY, as_of=as_of),
        id=f"sweep-{kind.value}-{uuid.uuid4().hex[:6]}",
        task_queue=tq,
        result_type=SweepResult,
    )
    return h, await h.result()


async def test_tracking_sweep_opens_one_case_per_late_order_and_never_twice(env, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'sweep.db'}")
    as_of = await env.get_current_time()
    (late, _shipped, _early, soon, _over), config = orders_around(as_of)
    async with running_worker(env, store, config) as (tq, _outside):
        h, first = await sweep(env, tq, SweepKind.SHIPMENT_TRACKING, as_of)
        _, second = await sweep(env, tq, SweepKind.SHIPMENT_TRACKING, as_of)
        day = first.export_date
        want = sorted(sweep_case_id(SweepKind.SHIPMENT_TRACKING, o.order_id, day) for o in (late, soon))
        assert sorted(first.opened) == want and first.found == 2 and first.already_open == ()
        assert second.opened == () and sorted(second.already_open) == want
        described = await env.client.get_workflow_handle(f"case-{want[0]}").describe()
        assert described.workflow_type == "ShipmentTracking"
        stored = lambda: sorted(c["case_id"] for c in store.list_cases(kind=CaseKind.SHIPMENT_TRACKING.value))  # noqa: E731
        assert await until(lambda: stored() == want) and stored() == want
        await keep_history(h, "daily_sweep_case_orders")
        # the sweep's history (decrypted) holds the late orders as cases may carry them:
        # no phone, no address, no paying account (§6; issue 12)
        from tests.test_logging import _payload_texts

        payloads = " ".join(_payload_texts(json.loads((await h.fetch_history()).to_json())))
        assert late.order_id in payloads
        for o in (late, soon):
            assert o.phone not in payloads and o.address not in payloads and o.paying_account not in payloads

        # 10:00 the next day: one of the two tracked orders has shipped
        soon_case = sweep_case_id(SweepKind.SHIPMENT_TRACKING, soon.order_id, day)
        await advance(env, by=3 * 3600)
        assert store.get_case(soon_case)["outcome"] == "shipped_on_time"
        report_at = as_of + timedelta(days=1)
        rh = await env.client.start_workflow(
            "DailyCompletionReport",
            ReportInput(policy=DEFAULT_POLICY, as_of=report_at),
            id=f"report-{uuid.uuid4().hex[:6]}",
            task_queue=tq,
            result_type=CompletionReport,
        )
        report = await rh.result()
        await keep_history(rh, "daily_completion_report")
        again: CompletionReport = await env.client.execute_workflow(
            "DailyCompletionReport",
            ReportInput(policy=DEFAULT_POLICY, as_of=report_at),
            id=f"report-{uuid.uuid4().hex[:6]}",
            task_queue=tq,
            result_type=CompletionReport,
        )
        late_case = sweep_case_id(SweepKind.SHIPMENT_TRACKING, late.order_id, day)
        await advance(env, by=4 * 3600)
        assert store.get_case(late_case)["outcome"] in ("shipped_on_time", "shipped_late")
    assert (report.tracked, report.completed, report.rate_permille) == (2, 1, 500)
    assert report.by_outcome == {"shipped_on_time": 1, "open": 1} and again.tracked == 2
    assert [(r.report_date, r.rate_permille) for r in completion_reports(store)] == [(day, 500)]  # re-run replaces


async def test_oversold_sweep_opens_oversold_cases_only(env, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'oversold.db'}")
    now = await env.get_current_time()
    local = now.astimezone(TZ)
    as_of = local.replace(hour=17, minute=0, second=0, microsecond=0)
    as_of = as_of if as_of <= local else as_of - timedelta(days=1)
    o = order(f"O-over-{uuid.uuid4().hex[:6]}").model_copy(update={"paid_at": as_of - timedelta(hours=3)})
    other = order(f"O-fine-{uuid.uuid4().hex[:6]}").model_copy(update={"paid_at": as_of - timedelta(hours=3)})
    config = SimulatorConfig(orders=(o, other), scenarios={o.order_id: Scenario(oversold=True, can_ship=True)})
    async with running_worker(env, store, config) as (tq, _outside):
        _, first = await sweep(env, tq, SweepKind.OVERSOLD, as_of)
        _, second = await sweep(env, tq, SweepKind.OVERSOLD, as_of)
        case_id = sweep_case_id(SweepKind.OVERSOLD, o.order_id, first.export_date)
        assert first.opened == (case_id,) and second.already_open == (case_id,)
        await advance(env, by=5 * 3600)  # the platform answers 4 h after the check
        status = await env.client.get_workflow_handle(f"case-{case_id}").describe()
    assert status.status.name == "COMPLETED"
    assert store.get_case(case_id)["outcome"] == "shipped_late"

"""Reship (§4.11): refused for an unpaid order or while the original can still ship;
otherwise the original is closed, the platform pays, delivery follows the 20:00 rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from adapters.simulators import Scenario, SimulatorConfig
from domain.models import CaseKind, LineQuantity
from domain.reship import ReshipCause, ReshipInput, ReshipOutcome, ReshipResult, promised_delivery, reship_problem
from domain.timeline import Entry
from tests.factories import DEFAULT_POLICY, header, order
from tests.replay_support import keep_history
from tests.support import advance, details, kinds, running_worker

TZ = DEFAULT_POLICY.calendar.tz


def test_never_reship_unpaid_or_while_the_original_can_ship():
    assert "not paid" in reship_problem(order(paid=False), True, False).message
    assert "can still ship" in reship_problem(order(), True, True).message
    assert "refund instead" in reship_problem(order(), False, False).message
    assert reship_problem(order(), True, False) is None


@pytest.mark.parametrize(
    "local, promised",
    [
        (datetime(2026, 11, 20, 19, 59, 59, tzinfo=TZ), "2026-11-21"),  # just before 20:00: next day
        (datetime(2026, 11, 20, 20, 0, 0, tzinfo=TZ), "2026-11-22"),  # 20:00 and after: the day after
        (datetime(2026, 11, 20, 23, 59, tzinfo=TZ), "2026-11-22"),
        (datetime(2026, 11, 20, 0, 5, tzinfo=TZ), "2026-11-21"),
    ],
)
def test_the_20_oclock_rule_in_shop_time(local, promised):
    assert promised_delivery(DEFAULT_POLICY, local.astimezone(timezone.utc)).isoformat() == promised


def test_reship_lines_must_belong_to_the_order():
    with pytest.raises(ValueError):
        ReshipInput(
            case=header(CaseKind.RESHIP),
            policy=DEFAULT_POLICY,
            cause=ReshipCause.SHORT_SHIPPED,
            lines=(LineQuantity(sku="NOPE", quantity=1),),
        )


async def _at_local(env, hour: int, minute: int) -> None:
    now = (await env.get_current_time()).astimezone(TZ)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    await advance(env, to=target)


async def run_reship(env, store, inp: ReshipInput, config: SimulatorConfig | None = None):
    async with running_worker(env, store, config) as (tq, _outside):
        h = await env.client.start_workflow(
            "Reship", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReshipResult
        )
        return h, await h.result()


async def test_paid_before_20_is_reshipped_for_the_next_day_and_the_original_closed(env, store):
    await _at_local(env, 19, 58)
    inp = ReshipInput(case=header(CaseKind.RESHIP), policy=DEFAULT_POLICY, cause=ReshipCause.LOST_IN_TRANSIT)
    h, result = await run_reship(env, store, inp)
    started = (await h.describe()).start_time.astimezone(TZ)
    assert started.hour == 19
    assert result.outcome == ReshipOutcome.RESHIPPED
    assert result.promised_delivery == started.date() + timedelta(days=1)
    assert (result.original_closed_as, result.paid_by) == ("abnormal_return_no_refund", "platform")
    got = kinds(store.timeline(inp.case.case_id))
    assert got.index(Entry.ORIGINAL_CLOSED) < got.index(Entry.RESHIP_PLACED) < got.index(Entry.DISPATCHED)
    assert store.payments(inp.case.case_id) == []  # the platform pays, not us; no refund of the original
    await keep_history(h, "reship_lost_in_transit_next_day")


async def test_paid_after_20_is_promised_the_day_after(env, store):
    await _at_local(env, 20, 1)
    inp = ReshipInput(case=header(CaseKind.RESHIP), policy=DEFAULT_POLICY, cause=ReshipCause.COURIER_RETURNED)
    h, result = await run_reship(env, store, inp)
    started = (await h.describe()).start_time.astimezone(TZ)
    assert started.hour == 20
    assert result.promised_delivery == started.date() + timedelta(days=2)


async def test_refused_while_the_original_can_still_ship(env, store):
    o = order()
    config = SimulatorConfig(scenarios={o.order_id: Scenario(original_can_ship=True)})
    inp = ReshipInput(case=header(CaseKind.RESHIP, o), policy=DEFAULT_POLICY, cause=ReshipCause.HELD_ORDER_UNSHIPPED)
    _h, result = await run_reship(env, store, inp, config)
    assert result.outcome == ReshipOutcome.REFUSED and "can still ship" in result.reason
    assert Entry.ORIGINAL_CLOSED not in kinds(store.timeline(inp.case.case_id))


async def test_refused_for_an_unpaid_order(env, store):
    inp = ReshipInput(
        case=header(CaseKind.RESHIP, order(paid=False)), policy=DEFAULT_POLICY, cause=ReshipCause.OVERSOLD
    )
    _h, result = await run_reship(env, store, inp)
    assert result.outcome == ReshipOutcome.REFUSED and "not paid" in result.reason
    assert (
        details(store.timeline(inp.case.case_id), Entry.ORIGINAL_CHECKED) == []
    )  # refused before asking the warehouse

"""The daily Schedules on a real (dev) server, created and updated idempotently through
the CLI; the completion report printed from the store."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone

from temporalio.client import ScheduleActionStartWorkflow, ScheduleRange
from temporalio.testing import WorkflowEnvironment

from domain.sweeps import CompletionQuery
from runtime.binaries import binary
from runtime.temporal import data_converter
from service.context import Context
from starter.cli import run
from store import open_store
from store.reports import write_completion_report
from tests.factories import DEFAULT_POLICY


async def test_schedules_ensure_creates_then_updates_the_three_daily_schedules():
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"), data_converter=data_converter()
    )
    try:
        out = io.StringIO()
        ctx = Context(client=env.client, out=out)
        assert await run(["schedules", "ensure", "--json", "--policy", "default"], ctx) == 0
        ctx.client = env.client
        assert await run(["schedules", "ensure", "--json", "--policy", "default"], ctx) == 0
        first, second = (json.loads(chunk) for chunk in out.getvalue().replace("}\n{", "}\x00{").split("\x00"))
        ids = {"sweep-shipment_tracking", "sweep-oversold", "report-completion"}
        assert first == dict.fromkeys(ids, "created") and second == dict.fromkeys(ids, "updated")

        listed = {s.id async for s in await env.client.list_schedules()}
        assert ids <= listed
        want_utc = {
            "sweep-shipment_tracking": 1,
            "report-completion": 2,
            "sweep-oversold": 9,
        }  # 09:00, 10:00, 17:00 at UTC+8
        for schedule_id, hour in want_utc.items():
            d = await env.client.get_schedule_handle(schedule_id).describe()
            cal = d.schedule.spec.calendars[0]
            assert list(cal.hour) == [ScheduleRange(hour)] and list(cal.minute) == [ScheduleRange(0)]
            assert d.schedule.spec.time_zone_name == "UTC"
            action = d.schedule.action
            assert isinstance(action, ScheduleActionStartWorkflow)
            assert action.workflow == ("DailyCompletionReport" if schedule_id == "report-completion" else "DailySweep")
    finally:
        await env.shutdown()


async def test_report_completion_prints_the_stored_reports(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    at = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)
    write_completion_report(
        store, CompletionQuery(report_date=date(2026, 11, 21), tracked_from=at, tracked_until=at, as_of=at)
    )
    out = io.StringIO()
    assert await run(["report", "completion", "--json"], Context(store=store, out=out)) == 0
    [row] = json.loads(out.getvalue())
    assert (row["report_date"], row["tracked"], row["rate_permille"]) == ("2026-11-21", 0, 1000)
    out = io.StringIO()
    assert await run(["report", "completion"], Context(store=store, out=out)) == 0
    assert "2026-11-21" in out.getvalue() and "100.0%" in out.getvalue()
    assert DEFAULT_POLICY.calendar.utc_offset_hours == 8

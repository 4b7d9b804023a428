"""`aftersales report completion` prints the daily completion-rate reports from the store;
`aftersales schedules ensure` creates or updates the three daily Schedules (09:00
tracking export, 10:00 completion report, 17:00 oversold export) in shop time."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.policy import Policy, PolicyError, named_policy
from domain.sweeps import SWEEP_HOURS, ReportInput, SweepInput, SweepKind, schedule_utc_hour
from service.context import Context
from starter.cli import CliError
from store.reports import completion_reports


def _daily(policy: Policy, local_hour: int) -> ScheduleSpec:
    return ScheduleSpec(
        calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(schedule_utc_hour(policy, local_hour))])],
        time_zone_name="UTC",
    )


def schedule_definitions(policy: Policy, task_queue: str) -> dict[str, Schedule]:
    """Schedule id → definition. A missed run is skipped, not piled up: the next one
    covers the same ground (and case ids make a re-run harmless)."""
    skip = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP)
    defs: dict[str, Schedule] = {}
    for kind in SweepKind:
        defs[f"sweep-{kind.value}"] = Schedule(
            action=ScheduleActionStartWorkflow(
                "DailySweep", SweepInput(kind=kind, policy=policy), id=f"sweep-{kind.value}", task_queue=task_queue
            ),
            spec=_daily(policy, SWEEP_HOURS[kind.value]),
            policy=skip,
        )
    defs["report-completion"] = Schedule(
        action=ScheduleActionStartWorkflow(
            "DailyCompletionReport", ReportInput(policy=policy), id="report-completion", task_queue=task_queue
        ),
        spec=_daily(policy, SWEEP_HOURS["completion_report"]),
        policy=skip,
    )
    return defs


async def ensure_schedules(client: Client, policy: Policy, task_queue: str) -> dict[str, str]:
    """Create each Schedule, or update it to the current definition; idempotent."""
    done: dict[str, str] = {}
    for schedule_id, schedule in schedule_definitions(policy, task_queue).items():
        try:
            await client.create_schedule(schedule_id, schedule)
            done[schedule_id] = "created"
        except ScheduleAlreadyRunningError:
            await client.get_schedule_handle(schedule_id).update(_replace_with(schedule))
            done[schedule_id] = "updated"
    return done


async def cmd_schedules_ensure(args: argparse.Namespace, ctx: Context) -> int:
    try:
        policy = named_policy(args.policy or ctx.settings.policy)
    except PolicyError as e:
        raise CliError(str(e)) from None
    done = await ensure_schedules(await ctx.temporal(), policy, ctx.settings.task_queue)
    if args.json:
        ctx.say(json.dumps(done, indent=2))
    else:
        hours = {f"sweep-{k.value}": SWEEP_HOURS[k.value] for k in SweepKind} | {
            "report-completion": SWEEP_HOURS["completion_report"]
        }
        for schedule_id, what in done.items():
            ctx.say(
                f"{schedule_id:28} {what:8} daily at {hours[schedule_id]:02d}:00 shop time "
                f"(UTC{policy.calendar.utc_offset_hours:+d})"
            )
    return 0


async def cmd_report_completion(args: argparse.Namespace, ctx: Context) -> int:
    reports = completion_reports(ctx.cases(), limit=args.limit)
    if args.json:
        ctx.say(json.dumps([r.model_dump(mode="json") for r in reports], indent=2, ensure_ascii=False))
        return 0
    if not reports:
        ctx.say("no completion reports yet (the 10:00 schedule writes one a day)")
        return 0
    ctx.say(f"{'date':12} {'tracked':>8} {'completed':>10} {'rate':>7}  outcomes")
    for r in reports:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(r.by_outcome.items()))
        ctx.say(
            f"{r.report_date.isoformat():12} {r.tracked:>8} {r.completed:>10} {r.rate_permille / 10:>6.1f}%  {outcomes}"
        )
    return 0


async def cmd_sweeps_run(args: argparse.Namespace, ctx: Context) -> int:
    """A daily sweep now, through the API (a staff member's token)."""
    from starter.api_client import call

    body = {"at": args.at, "policy": args.policy}
    started = await call(ctx, "POST", f"/v1/sweeps/{args.kind}", json={k: v for k, v in body.items() if v is not None})
    ctx.say(f"{args.kind} sweep started: workflow {started['workflow_id']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="daily reports")
    rsub = p.add_subparsers(dest="report", required=True)
    c = rsub.add_parser("completion", help="the daily completion rate of tracked orders (10:00 report)")
    c.add_argument("--json", action="store_true")
    c.add_argument("--limit", type=int, default=14, help="most recent days (default 14)")
    c.set_defaults(afunc=cmd_report_completion)

    s = sub.add_parser("schedules", help="the daily sweeps as Temporal Schedules")
    ssub = s.add_subparsers(dest="schedules", required=True)
    e = ssub.add_parser("ensure", help="create or update the 09:00, 10:00 and 17:00 Schedules (idempotent)")
    e.add_argument("--policy", help="policy the scheduled runs use (default: POLICY)")
    e.add_argument("--json", action="store_true")
    e.set_defaults(afunc=cmd_schedules_ensure)

    w = sub.add_parser("sweeps", help="the daily sweeps, now")
    wsub = w.add_subparsers(dest="sweeps", required=True)
    r = wsub.add_parser("run", help="run a daily sweep now through the API (shipment_tracking 09:00, oversold 17:00)")
    r.add_argument("kind", choices=[k.value for k in SweepKind])
    r.add_argument("--at", help="the export's time, ISO with a zone (default: now)")
    r.add_argument("--policy", help="policy name (default: the API's)")
    r.set_defaults(afunc=cmd_sweeps_run)


def _replace_with(schedule: Schedule) -> Callable[[ScheduleUpdateInput], ScheduleUpdate]:
    """The updater a schedule handle calls: whatever is there becomes `schedule`."""
    return lambda _: ScheduleUpdate(schedule=schedule)

"""The daily sweeps (rulebook §2 daily rhythm), run by Temporal Schedules. DailySweep
lists the export's late orders through the order source and opens one case per order
(activity open_sweep_case) with a deterministic workflow id; a case that already
exists is left alone, so running a sweep twice opens nothing twice. CompletionReport writes the 10:00 report."""

from __future__ import annotations

from typing import Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.fulfilment import LateOrderQuery
    from domain.models import CaseHeader
    from domain.sweeps import (
        CASE_KIND,
        CompletionQuery,
        CompletionReport,
        ReportInput,
        SweepCase,
        SweepInput,
        SweepKind,
        SweepResult,
        completion_window,
        export_window,
        sweep_case_id,
    )
    from workflows import activity_calls, patches

LATE_KIND: dict[SweepKind, Literal["unshipped", "oversold"]] = {
    SweepKind.SHIPMENT_TRACKING: "unshipped",
    SweepKind.OVERSOLD: "oversold",
}


@workflow.defn
class DailySweep:
    @workflow.run
    async def run(self, inp: SweepInput) -> SweepResult:
        as_of = inp.as_of or workflow.now()
        export_date, start, until = export_window(inp.policy, inp.kind, as_of)
        query = LateOrderQuery(kind=LATE_KIND[inp.kind], placed_from=start, placed_until=until, as_of=as_of)
        if patches.patched(activity_calls.SWEEP_CASE_ORDERS):
            late = await activity_calls.list_late_orders_for_cases(query)
        else:  # whole orders: CaseHeader strips them as it always did
            late = await activity_calls.list_late_orders(query)
        opened: list[str] = []
        already: list[str] = []
        for order in late.orders:
            case_id = sweep_case_id(inp.kind, order.order_id, export_date)
            case = CaseHeader(
                case_id=case_id,
                kind=CASE_KIND[inp.kind],
                order=order,
                customer_id=order.customer_id,
                opened_by=f"sweep:{inp.kind.value}",
                reason=f"{inp.kind.value} export {export_date}",
            )
            new = await activity_calls.open_sweep_case(
                SweepCase(kind=inp.kind, case=case, policy=inp.policy, export_date=export_date)
            )
            (opened if new else already).append(case_id)
        workflow.logger.info(
            "sweep %s %s: %d found, %d opened", inp.kind.value, export_date, len(late.orders), len(opened)
        )
        return SweepResult(
            kind=inp.kind,
            export_date=export_date,
            placed_from=start,
            placed_until=until,
            found=len(late.orders),
            opened=tuple(opened),
            already_open=tuple(already),
        )


@workflow.defn
class DailyCompletionReport:
    @workflow.run
    async def run(self, inp: ReportInput) -> CompletionReport:
        as_of = inp.as_of or workflow.now()
        day, start, until = completion_window(inp.policy, as_of)
        return await activity_calls.write_completion_report(
            CompletionQuery(report_date=day, tracked_from=start, tracked_until=until, as_of=as_of)
        )

"""ShipmentTracking (§4.13): watches an order the 09:00 export found still "merchant
processing". Shipped by 48 h after placing: done. Late: tracking call and apology.
Still unshipped at 72 h: the platform rule's compensation, approved by second line."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.fulfilment import DispatchQuery, DispatchStatus
    from domain.handlers import SignalName
    from domain.shipment_tracking import (
        ShipmentTrackingInput,
        ShipmentTrackingResult,
        TrackingOutcome,
        TrackingState,
        placed_at,
        platform_offer,
    )
    from domain.timeline import Entry
    from workflows import activity_calls, carryover, patches, waits
    from workflows.case_workflow import CaseWorkflow
    from workflows.casefile import CaseFile
    from workflows.remedies import Remedies


@workflow.defn
class ShipmentTracking(CaseWorkflow):
    @workflow.init
    def __init__(self, inp: ShipmentTrackingInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, TrackingState.TRACKING))
        self.remedies = Remedies(self.file, self.seek_approval)
        self.file.continue_with = lambda carried: inp.model_copy(update={"carried": carried})

    @workflow.run
    async def run(self, inp: ShipmentTrackingInput) -> ShipmentTrackingResult:
        f, w, carried = self.file, inp.policy.windows, inp.carried
        placed = placed_at(inp)
        ship_due = inp.policy.calendar.deadline(placed, w.ship_target)
        platform_due = inp.policy.calendar.deadline(placed, w.platform_ship)
        if carried is None:
            await f.open(
                placed_at=placed.isoformat(), export_date=inp.export_date.isoformat() if inp.export_date else None
            )
            f.set_deadline("ship_target", ship_due)
            f.set_deadline("platform_ship", platform_due)
        else:  # a long wait continued as new: resume it
            f.resume(carried)

        if carried is None or carried.waiting_for == "ship_target":
            status = await self._shipped_by(ship_due, "ship_target")
            if status.shipped:
                return await self._close(TrackingOutcome.SHIPPED_ON_TIME, status)
            f.clear_deadline("ship_target")
            await f.record(
                Entry.TRACKING_CALL,
                "first_line",
                state=TrackingState.LATE,
                window="ship_target",
                apology=True,
                offered=["refund", "one_day_delay"],
            )

        status = await self._shipped_by(platform_due, "platform_ship")
        if status.shipped:
            return await self._close(TrackingOutcome.SHIPPED_LATE, status)
        f.clear_deadline("platform_ship")
        await f.record(Entry.PLATFORM_RULE, "system", state=TrackingState.COMPENSATING, window="platform_ship")
        paid = inp.case.order.paid_fen
        granted = await self.remedies.compensate(
            platform_offer(inp.policy, paid),
            basis_fen=paid,
            step="platform-72h",
            why="not shipped within 72 h (platform rule)",
        )
        return await self._close(TrackingOutcome.PLATFORM_COMPENSATED, status, granted)

    async def _shipped_by(self, until: datetime, waiting_for: str) -> DispatchStatus:
        inp = self.inp
        poll = inp.policy.polling.outside_status.plain
        if self.inp.carried is not None or patches.patched(waits.POLL_BY_RETRY):
            return await waits.answer_by(
                "poll_dispatch",
                "check_dispatch",
                "warehouse",
                lambda at: DispatchQuery(
                    case_id=inp.case.case_id, order_id=inp.case.order.order_id, placed_at=placed_at(inp), as_of=at
                ),
                DispatchStatus,
                every=poll,
                until=until,
                file=self.file,
                waiting_for=waiting_for,
            )
        while True:
            status = await activity_calls.check_dispatch(
                DispatchQuery(
                    case_id=inp.case.case_id,
                    order_id=inp.case.order.order_id,
                    placed_at=placed_at(inp),
                    as_of=workflow.now(),
                )
            )
            if status.shipped or workflow.now() >= until:
                return status
            # a run begun before poll-by-retry writes ~10 events a poll: under a short poll it continues as new
            await carryover.continue_if_long(self.file, waiting_for)
            await workflow.sleep(min(poll, until - workflow.now()))

    async def _close(
        self, outcome: TrackingOutcome, status: DispatchStatus, granted: int = 0
    ) -> ShipmentTrackingResult:
        shipped_at = status.shipped_at if status.shipped else None
        await self.file.close(
            outcome, "system", shipped_at=shipped_at.isoformat() if shipped_at else None, compensation_fen=granted
        )
        return ShipmentTrackingResult(
            case_id=self.inp.case.case_id, outcome=outcome, shipped_at=shipped_at, compensation_fen=granted
        )

    @workflow.signal(name=SignalName.DISPATCH_REPORTED)
    def dispatch_reported(self) -> None:
        """The warehouse's push (the order shipped): look now, not at the next poll."""
        self.file.pushes += 1

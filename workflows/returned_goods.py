"""Taking goods back, the one way ReturnRefund and ManualRefund both do it: book the
courier's pickup, then wait for the warehouse's receipt until the cutoff — polled by
retry and woken by the warehouse's push (workflows/waits.py), else its answer as of the
cutoff. The caller records what the answer means for its case.

Runs begun before patch POLL_BY_RETRY replay their old loop of a check and a timer per
poll; ReturnRefund's old timer was cut short by a push (`wake_on_push`), ManualRefund's
was not, and each keeps its own."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.external import PickupBooking, PickupRequest, ReceiptQuery, ReceiptStatus
    from domain.models import LineQuantity
    from domain.timeline import Entry
    from workflows import activity_calls, patches, waits
    from workflows.casefile import CaseFile


async def book_and_await_goods(
    file: CaseFile,
    lines: tuple[LineQuantity, ...],
    *,
    booked_state: str,
    cutoff: datetime,
    every: timedelta,
    wake_on_push: bool,
) -> tuple[PickupBooking, ReceiptStatus]:
    """The booking and the warehouse's last answer: received, lost, or neither by `cutoff`."""
    case = file.case
    booking: PickupBooking = await activity_calls.book_pickup(
        PickupRequest(case_id=case.case_id, order_id=case.order.order_id, lines=lines, as_of=workflow.now())
    )
    await file.record(Entry.PICKUP_BOOKED, "courier", state=booked_state, booking_id=booking.booking_id)
    if patches.patched(waits.POLL_BY_RETRY):
        status = await waits.answer_by(
            "poll_return_receipt",
            "check_return_receipt",
            "warehouse",
            lambda at: ReceiptQuery(booking=booking, as_of=at),
            ReceiptStatus,
            every=every,
            until=cutoff,
            file=file,
        )
        return booking, status
    while True:
        # counted before asking, so a push arriving during the check is not lost
        pushes = file.pushes
        status = await activity_calls.check_return_receipt(ReceiptQuery(booking=booking, as_of=workflow.now()))
        if status.received or status.lost or workflow.now() >= cutoff:
            return booking, status
        if wake_on_push:

            def pushed(seen: int = pushes) -> bool:
                return file.pushes != seen

            await file.wait_until(pushed, min(cutoff, workflow.now() + every))
        else:
            await workflow.sleep(min(every, cutoff - workflow.now()))

"""The one way a case asks for money to leave: a payment request keyed by case and step,
sent to the payment activity, which pays only what the order's ledger reserved.

Nothing to pay (a free gift, a 0 % tier) is recorded and skipped: a zero PaymentRequest
would fail validation inside workflow code. A payment the ledger caps (less was left than
asked) or refuses (nothing was left) is recorded as `refund_capped`, so the case moves on
visibly instead of failing or paying twice."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.external import PaymentKind, PaymentReceipt, PaymentRequest, idempotency_key
    from domain.ledger import REFUND_CAPPED
    from domain.models import LineQuantity
    from domain.timeline import Entry
    from workflows import activity_calls
    from workflows.casefile import CaseFile


async def pay(
    f: CaseFile,
    *,
    step: str,
    kind: PaymentKind,
    amount_fen: int,
    reason: str,
    lines: tuple[LineQuantity, ...] = (),
    account_ref: str | None = None,
    compensation: bool = False,
) -> PaymentReceipt | None:
    """Pay `amount_fen` (or what the ledger leaves of it); None when nothing was paid."""
    case = f.case
    if amount_fen <= 0:
        await f.record(Entry.NOTHING_TO_PAY, "system", step=step, payment_kind=kind)
        return None
    request = PaymentRequest(
        idempotency_key=idempotency_key(case.case_id, step),
        case_id=case.case_id,
        order_id=case.order.order_id,
        kind=kind,
        amount_fen=amount_fen,
        account_ref=account_ref or case.order.paying_account,
        reason=reason,
        lines=lines,
    )
    call = activity_calls.grant_compensation if compensation else activity_calls.pay_refund
    try:
        receipt = await call(request)
    except ActivityError as e:
        cause = e.cause
        if isinstance(cause, ApplicationError) and cause.type == REFUND_CAPPED:
            refused = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
            await f.record(
                Entry.REFUND_CAPPED,
                "system",
                step=step,
                payment_kind=kind,
                asked_fen=amount_fen,
                paid_fen=0,
                already_fen=refused.get("already_fen"),
                left_fen=refused.get("left_fen"),
                why=cause.message,
            )
            return None
        raise
    if receipt.amount_fen < amount_fen:
        await f.record(
            Entry.REFUND_CAPPED,
            "system",
            step=step,
            payment_kind=kind,
            asked_fen=amount_fen,
            paid_fen=receipt.amount_fen,
            left_fen=0,
            why="only this much of the order was left to refund",
        )
    return receipt

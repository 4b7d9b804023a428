"""The order's money ledger (issue 10): what leaves for an order never exceeds what came in.

Every payment is first reserved against its order, keyed by the payment's idempotency
key (`<case>:<step>`). Money back for the goods and the order (refunds, shipping-fee
refunds, price differences) counts against the order's ceiling: the paid amount, and
per line the bought quantity. Reimbursements of the customer's own costs and
compensation are kept in the same ledger by kind and capped by their own rules.

Pure: the store calls reserve() inside one transaction with the order's entries."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from domain.external import PaymentKind, PaymentRequest
from domain.models import Contract, LineQuantity, Order, lines_value_fen
from domain.problems import Code, Problem


class Purse(StrEnum):
    """Which rule caps a payment."""

    ORDER = "order"  # money back for the goods and the order: the order's ceiling
    REIMBURSEMENT = "reimbursement"  # the customer's own costs (invoice postage): capped per case
    COMPENSATION = "compensation"  # coupons and cash: capped per case by the compensation table


PURSE: dict[PaymentKind, Purse] = {
    "refund": Purse.ORDER,
    "postage_refund": Purse.ORDER,  # a shipping fee the order paid
    "price_difference": Purse.ORDER,
    "postage_reimbursement": Purse.REIMBURSEMENT,
    "coupon": Purse.COMPENSATION,
    "cash_compensation": Purse.COMPENSATION,
}

# §4.2: the customer advanced 5 yuan to mail a wrong invoice back; nothing more.
REIMBURSEMENT_CAP_FEN = 500


class EntryStatus(StrEnum):
    RESERVED = "reserved"
    PAID = "paid"
    RELEASED = "released"  # the payment failed: the money is free again


class LedgerEntry(Contract):
    idempotency_key: str
    case_id: str
    order_id: str
    kind: PaymentKind
    amount_fen: int = Field(ge=0)
    lines: tuple[LineQuantity, ...] = ()
    status: EntryStatus = EntryStatus.RESERVED
    payment_id: str | None = None

    @property
    def purse(self) -> Purse:
        return PURSE[self.kind]

    @property
    def holds(self) -> bool:
        """Reserved or paid money counts; released money does not."""
        return self.status != EntryStatus.RELEASED


class Balance(Contract):
    """What an order has paid and what is still refundable, by amount and by line."""

    order_id: str
    paid_fen: int
    refunded_fen: int = Field(description="reserved or paid back against the order's ceiling")
    left_fen: int
    lines_left: dict[str, int]
    reimbursed_fen: int = 0
    compensated_fen: int = 0


class Grant(Contract):
    """A reservation: this much, for these lines, may be paid under this key."""

    entry: LedgerEntry
    capped: bool = Field(default=False, description="less than asked: only this much was left")
    asked_fen: int
    already_fen: int = Field(description="refunded against the order before this reservation")


class Refusal(Contract):
    idempotency_key: str
    reason: str
    conflict: bool = Field(default=False, description="the key was reserved for a different payment")
    asked_fen: int
    already_fen: int
    left_fen: int


def balance(order: Order, entries: list[LedgerEntry]) -> Balance:
    held = [e for e in entries if e.holds]
    refunded = sum(e.amount_fen for e in held if e.purse == Purse.ORDER)
    lines_left = {line.sku: line.quantity for line in order.lines}
    for e in held:
        if e.purse == Purse.ORDER:
            for lq in e.lines:
                lines_left[lq.sku] = lines_left.get(lq.sku, 0) - lq.quantity
    return Balance(
        order_id=order.order_id,
        paid_fen=order.paid_fen,
        refunded_fen=refunded,
        left_fen=max(order.paid_fen - refunded, 0),
        lines_left=lines_left,
        reimbursed_fen=sum(e.amount_fen for e in held if e.purse == Purse.REIMBURSEMENT),
        compensated_fen=sum(e.amount_fen for e in held if e.purse == Purse.COMPENSATION),
    )


def whole_lines(order: Order, left: dict[str, int]) -> tuple[LineQuantity, ...]:
    """'The whole order' as lines: every line at the quantity still unrefunded."""
    return tuple(
        LineQuantity(sku=line.sku, quantity=left[line.sku]) for line in order.lines if left.get(line.sku, 0) > 0
    )


def refundable_problem(
    order: Order, entries: list[LedgerEntry], lines: tuple[LineQuantity, ...], amount_fen: int | None = None
) -> Problem | None:
    """Why a case asking for these lines (empty: the whole order) or this amount cannot
    be refunded any more, or None. Checked at opening, before anything starts."""
    b = balance(order, entries)
    if b.left_fen <= 0:
        return Problem(
            Code.NOTHING_LEFT_TO_REFUND,
            f"order {order.order_id} has refunded {b.refunded_fen} of the {b.paid_fen} fen paid: nothing is left to refund",
        )
    for lq in lines:
        left = b.lines_left.get(lq.sku, 0)
        if lq.quantity > left:
            return Problem(
                Code.QUANTITY_TOO_HIGH,
                f"line {lq.sku}: {lq.quantity} asked, {left} left to refund (bought {order.line(lq.sku).quantity})",
            )
    if amount_fen is not None and amount_fen > b.left_fen:
        return Problem(
            Code.AMOUNT_TOO_HIGH,
            f"{amount_fen} fen asked, only {b.left_fen} fen of order {order.order_id} is left to refund",
        )
    return None


def reserve(order: Order, entries: list[LedgerEntry], request: PaymentRequest) -> Grant | Refusal:
    """The reservation for this request: its own if the key was reserved before (a
    retry), else as much as the order's ceiling and the lines' quantities allow (a
    refund pays what is left, and says so), or a refusal when nothing is left."""
    for e in entries:
        if e.idempotency_key == request.idempotency_key and e.holds:
            if e.kind != request.kind or e.amount_fen > request.amount_fen or e.case_id != request.case_id:
                return Refusal(
                    idempotency_key=e.idempotency_key,
                    conflict=True,
                    asked_fen=request.amount_fen,
                    already_fen=0,
                    left_fen=0,
                    reason=f"key {e.idempotency_key} was reserved for {e.amount_fen} fen {e.kind}",
                )
            return Grant(entry=e, capped=e.amount_fen < request.amount_fen, asked_fen=request.amount_fen, already_fen=0)
    b = balance(order, [e for e in entries if e.idempotency_key != request.idempotency_key])
    purse, lines = PURSE[request.kind], request.lines
    asked = request.amount_fen

    def entry(amount_fen: int, lines: tuple[LineQuantity, ...] = ()) -> LedgerEntry:
        return LedgerEntry(
            idempotency_key=request.idempotency_key,
            case_id=request.case_id,
            order_id=order.order_id,
            kind=request.kind,
            amount_fen=amount_fen,
            lines=lines,
        )

    if purse == Purse.REIMBURSEMENT:
        mine = sum(
            e.amount_fen for e in entries if e.holds and e.purse == Purse.REIMBURSEMENT and e.case_id == request.case_id
        )
        left = REIMBURSEMENT_CAP_FEN - mine  # the cap is per case
        if asked > left:
            return Refusal(
                idempotency_key=request.idempotency_key,
                reason=f"a reimbursement is at most {left} fen",
                asked_fen=asked,
                already_fen=b.reimbursed_fen,
                left_fen=left,
            )
        return Grant(entry=entry(asked), asked_fen=asked, already_fen=b.reimbursed_fen)
    if purse == Purse.COMPENSATION:
        # capped per case by the compensation table before it gets here; recorded for one truth
        return Grant(entry=entry(asked), asked_fen=asked, already_fen=b.compensated_fen)

    # money back against the order's ceiling; a goods refund naming no lines is the whole order
    goods = request.kind == "refund"
    wanted = lines or (whole_lines(order, b.lines_left) if goods else ())
    granted_lines = tuple(
        LineQuantity(sku=lq.sku, quantity=min(lq.quantity, b.lines_left.get(lq.sku, 0)))
        for lq in wanted
        if b.lines_left.get(lq.sku, 0) > 0
    )
    amount = min(asked, b.left_fen)
    if lines:
        # fewer units left than asked: pay for the units left, at this request's own rate
        asked_units = sum(lq.quantity for lq in lines)
        granted_units = sum(lq.quantity for lq in granted_lines)
        if granted_units < asked_units:
            amount = min(
                amount,
                asked * granted_units // asked_units if asked_units else 0,
                lines_value_fen(order, granted_lines) if granted_lines else 0,
            )
    if amount <= 0:
        why = (
            f"order {order.order_id} has refunded {b.refunded_fen} of the {b.paid_fen} fen paid"
            if b.left_fen <= 0
            else "the lines asked for were refunded already"
        )
        return Refusal(
            idempotency_key=request.idempotency_key,
            reason=f"{why}: nothing is left to refund",
            asked_fen=asked,
            already_fen=b.refunded_fen,
            left_fen=b.left_fen,
        )
    return Grant(entry=entry(amount, granted_lines), capped=amount < asked, asked_fen=asked, already_fen=b.refunded_fen)


# The payment activity's error type when the ledger refuses a payment: nothing is left.
REFUND_CAPPED = "RefundCapped"

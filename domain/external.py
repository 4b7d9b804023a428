"""Requests to and answers from the outside world: warehouse, courier, payment.
The adapters' interfaces and the activities both speak these."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import Field

from domain.models import Contract, LineQuantity, OutsideQuery
from domain.money import Fen

PaymentKind = Literal[
    "refund", "cash_compensation", "coupon", "postage_refund", "price_difference", "postage_reimbursement"
]


def idempotency_key(case_id: str, step: str) -> str:
    """Derived from the case and the step, never from the run: a retried or re-run
    activity for the same step carries the same key."""
    return f"{case_id}:{step}"


class PaymentRequest(Contract):
    idempotency_key: str = Field(min_length=3, max_length=200)
    case_id: str
    order_id: str
    kind: PaymentKind
    amount_fen: Fen = Field(gt=0)
    account_ref: str = Field(min_length=1, description="the paying account; private")
    reason: str = ""
    lines: tuple[LineQuantity, ...] = Field(
        default=(),
        description="the order lines this pays back (the order's ledger counts them); "
        "empty: the whole order for a refund, none for other kinds",
    )

    def fingerprint(self) -> str:
        """What must match for a repeated key to be the same request."""
        body = f"{self.case_id}|{self.order_id}|{self.kind}|{self.amount_fen}|{self.account_ref}"
        return hashlib.sha256(body.encode()).hexdigest()


class PaymentReceipt(Contract):
    idempotency_key: str
    payment_id: str
    kind: PaymentKind
    amount_fen: Fen
    paid_at: datetime


class PickupRequest(Contract):
    case_id: str
    order_id: str
    lines: tuple[LineQuantity, ...] = ()
    as_of: datetime


class PickupBooking(Contract):
    booking_id: str
    case_id: str
    order_id: str
    booked_at: datetime


class ReceiptQuery(OutsideQuery):
    booking: PickupBooking


class ReceiptStatus(Contract):
    booking_id: str
    received: bool
    received_at: datetime | None = None
    lost: bool = False
    note: str = ""

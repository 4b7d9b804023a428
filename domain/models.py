"""Contracts shared by workflows, activities, the store and the CLI."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from domain.money import Fen
from domain.policy import Policy, shared_policy


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OutsideQuery(Contract):
    """A question to an outside system about one moment, `as_of`. A wait's poll
    (workflows/waits.py) also gives its deadline, `last_look`: the attempt at or after it
    answers as of the deadline, whatever the answer, so the wait ends on that answer
    without a timer or a second activity."""

    as_of: datetime
    last_look: datetime | None = None


class OrderLine(Contract):
    sku: str = Field(min_length=1)
    name: str = Field(min_length=1)
    unit_price_fen: Fen
    quantity: int = Field(gt=0)
    gift: bool = False

    @property
    def total_fen(self) -> int:
        return self.unit_price_fen * self.quantity


class Order(Contract):
    order_id: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1)
    lines: tuple[OrderLine, ...] = Field(min_length=1)
    paid_fen: Fen
    paid_at: datetime | None = None
    trade_completed: bool = False
    paying_account: str = Field(min_length=1, description="the account that paid; private")
    shipped_at: datetime | None = None
    phone: str | None = Field(default=None, description="private: paying account only")
    address: str | None = Field(default=None, description="private: paying account only")

    @property
    def paid(self) -> bool:
        return self.paid_at is not None

    @property
    def lines_total_fen(self) -> int:
        return sum(line.total_fen for line in self.lines)

    def line(self, sku: str) -> OrderLine:
        for line in self.lines:
            if line.sku == sku:
                return line
        raise ValueError(f"order {self.order_id} has no line {sku!r}")

    @model_validator(mode="after")
    def _paid_fits_lines(self) -> Order:
        if self.paid_fen > self.lines_total_fen:
            raise ValueError("paid amount exceeds the order's lines")
        skus = [line.sku for line in self.lines]
        if len(skus) != len(set(skus)):
            raise ValueError("an order lists each sku once")
        return self


class LineQuantity(Contract):
    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)


def distinct_lines(lines: tuple[LineQuantity, ...]) -> tuple[LineQuantity, ...]:
    """A request names each line once, with its whole quantity: a line listed twice
    would be refunded twice (issue 10)."""
    skus = [lq.sku for lq in lines]
    twice = sorted({sku for sku in skus if skus.count(sku) > 1})
    if twice:
        raise ValueError(
            f"line {', '.join(twice)} is listed more than once; list each line once with its whole quantity"
        )
    return lines


# The order lines a request is about, each named once.
Lines = Annotated[tuple[LineQuantity, ...], AfterValidator(distinct_lines)]


def lines_value_fen(order: Order, lines: tuple[LineQuantity, ...]) -> int:
    """What the given lines cost the customer: their share of the paid amount, so
    discounts are spread over the lines. The whole order refunds exactly paid_fen."""
    if not lines:
        return order.paid_fen
    part = 0
    for lq in lines:
        line = order.line(lq.sku)
        if lq.quantity > line.quantity:
            raise ValueError(f"line {lq.sku}: {lq.quantity} asked, {line.quantity} ordered")
        part += line.unit_price_fen * lq.quantity
    whole = order.lines_total_fen
    return order.paid_fen * part // whole if whole else 0


class CaseKind(StrEnum):
    HELD_ORDER = "held_order"
    INVOICE = "invoice"
    MISSING_ITEM = "missing_item"
    DAMAGED_GOODS = "damaged_goods"
    WRONG_ITEM = "wrong_item"
    SHIPPED_NOT_SIGNED = "shipped_not_signed"
    PRICE_DISPUTE = "price_dispute"
    ABNORMAL_SIGN_OFF = "abnormal_sign_off"
    MANUAL_REFUND = "manual_refund"
    RETURN_REFUND = "return_refund"
    RESHIP = "reship"
    COMPLAINT = "complaint"
    SHIPMENT_TRACKING = "shipment_tracking"
    REFUSAL = "refusal"
    OVERSOLD = "oversold"
    AGENT_COMPLAINT = "agent_complaint"


class EvidenceRef(Contract):
    kind: str = Field(min_length=1, description="photo, barcode_photo, signed_slip, document")
    uri: str = Field(min_length=1)
    note: str = ""


class CaseHeader(Contract):
    """What every case carries: identity, the order it is about and who opened it."""

    case_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{2,79}$")
    kind: CaseKind
    order: Order
    customer_id: str = Field(min_length=1)
    opened_by: str = Field(min_length=1)
    reason: str = ""

    @field_validator("order")
    @classmethod
    def _without_private_data(cls, order: Order) -> Order:
        # The header travels in workflow input, i.e. into every history (§6): the phone and
        # the address stay in the order store, where only the paying account may read them,
        # and the paying account becomes a keyed payer reference, made at the edge with the
        # keyring's secret (order_for_case). Refunds go back to the original payment
        # instrument, which the provider finds from the order and that reference.
        # Histories recorded before either carry the whole order: for those (and only
        # those: every edge passes a pseudonymous order) the old unkeyed reference, so
        # they replay exactly as they ran.
        if order.phone is None and order.address is None and order.paying_account.startswith(PAYER_PREFIX):
            return order
        return legacy_order_for_case(order)

    @property
    def workflow_id(self) -> str:
        return workflow_id_for(self.case_id)

    @model_validator(mode="after")
    def _customer_owns_order(self) -> CaseHeader:
        if self.customer_id != self.order.customer_id:
            raise ValueError("the customer does not own this order")
        return self


PAYER_PREFIX = "payer:"


def payer_reference(paying_account: str, secret: bytes) -> str:
    """A stable pseudonym of a paying account: the same account always gives the same
    reference, and without the secret the reference reveals nothing of the account. An
    unkeyed hash would not do: the whole mobile-number space behind `alipay:138…` is
    enumerable in minutes. Histories begun before keep their older unkeyed references."""
    if paying_account.startswith(PAYER_PREFIX):
        return paying_account
    return PAYER_PREFIX + hmac.new(secret, paying_account.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def order_for_case(order: Order, secret: bytes) -> Order:
    """What a case may carry of an order: no phone, no address, the payer pseudonymous."""
    return order.model_copy(
        update={"phone": None, "address": None, "paying_account": payer_reference(order.paying_account, secret)}
    )


def legacy_order_for_case(order: Order) -> Order:
    """The unkeyed pseudonym cases used before keyed ones. Only for replaying workflows
    begun before (DailySweep built its cases' headers in the workflow); never for new cases."""
    legacy = PAYER_PREFIX + hashlib.sha256(order.paying_account.encode("utf-8")).hexdigest()[:20]
    return order.model_copy(
        update={
            "phone": None,
            "address": None,
            "paying_account": order.paying_account if order.paying_account.startswith(PAYER_PREFIX) else legacy,
        }
    )


def workflow_id_for(case_id: str) -> str:
    return f"case-{case_id}"


class TimelineEntry(Contract):
    seq: int = Field(ge=0)
    at: datetime
    kind: str
    actor: str
    state: str
    detail: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable per case and step, so a redelivered event is stored once."""
        return f"{self.seq:05d}:{self.kind}"


class CaseInput(Contract):
    """Every case workflow's input starts with these two: the case and the policy
    snapshot it runs under (so a history replays under the policy it began with)."""

    case: CaseHeader
    policy: Policy

    @field_validator("policy", mode="wrap")
    @classmethod
    def _shared(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Policy:
        return shared_policy(value, info.mode, handler)  # one object per snapshot, not one per case


class CaseOpening(Contract):
    case: CaseHeader
    opened_at: datetime
    state: str


class CaseEvent(Contract):
    case_id: str
    entry: TimelineEntry
    outcome: str | None = Field(default=None, description="set on the event that closes the case")


class TimelineBatch(Contract):
    """The entries a case recorded since its last write, stored in one transaction; the
    first batch of a case also opens it."""

    case_id: str
    opening: CaseOpening | None = None
    events: tuple[CaseEvent, ...] = Field(min_length=1)


class CaseStatus(Contract):
    case_id: str
    kind: CaseKind
    state: str
    next_deadline: datetime | None = None
    next_deadline_name: str | None = None
    outcome: str | None = None
    policy_version: str

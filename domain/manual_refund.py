"""Manual (abnormal) refund, rulebook §4.9: shipping fees, completed trades, partial
quantities, invoice postage and compensation payouts. A two-person check (operations
supervisor, then a different person) before finance pays. Contracts and pure decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from domain.actors import ActorRef, Role
from domain.external import PaymentKind
from domain.models import CaseInput, Contract, Lines, lines_value_fen
from domain.policy import Policy
from domain.problems import Code, Problem


class ManualRefundReason(StrEnum):
    SHIPPING_FEE = "shipping_fee"
    COMPLETED_TRADE = "completed_trade"
    PARTIAL_QUANTITY = "partial_quantity"
    INVOICE_POSTAGE = "invoice_postage"
    COMPENSATION_PAYOUT = "compensation_payout"


class ManualRefundState(StrEnum):
    AWAITING_ASSESSMENT = "awaiting_assessment"  # return specialist: pickup needed?
    AWAITING_GOODS = "awaiting_goods"
    AWAITING_REVIEW = "awaiting_review"  # operations supervisor
    AWAITING_SECOND_CHECK = "awaiting_second_check"
    PAYING = "paying"
    CLOSED = "closed"


class ManualRefundOutcome(StrEnum):
    PAID = "paid"
    REJECTED = "rejected"
    REFUND_CAPPED = "refund_capped"  # the order had nothing left to refund (issue 10)


PAYMENT_KIND: dict[ManualRefundReason, PaymentKind] = {
    ManualRefundReason.SHIPPING_FEE: "postage_refund",
    ManualRefundReason.INVOICE_POSTAGE: "postage_reimbursement",  # the customer's own cost, not the order's
    ManualRefundReason.COMPLETED_TRADE: "refund",
    ManualRefundReason.PARTIAL_QUANTITY: "refund",
    ManualRefundReason.COMPENSATION_PAYOUT: "cash_compensation",
}

# Goods can only come back where goods are refunded.
GOODS_REASONS = (ManualRefundReason.COMPLETED_TRADE, ManualRefundReason.PARTIAL_QUANTITY)

REVIEW_ROLES = (Role.OPERATIONS_SUPERVISOR,)
SECOND_CHECK_ROLES = (Role.OPERATIONS_SUPERVISOR, Role.REFUND_SPECIALIST)
ASSESSOR_ROLES = (Role.RETURN_SPECIALIST,)
OPENER_MAY_NOT_APPROVE = "they registered this manual refund; §4.9's two-person check needs others"


PAYEE_REF_PREFIX = "payee:"


class Payee(Contract):
    """Where finance pays. Private: never logged or shown in the clear (use masked()).

    Two shapes. What people give (payment account, account id, real name) is put in the
    store's payee vault at the edge, encrypted at rest, and only the reference travels in
    workflow inputs and Updates (§6); the payment activity resolves it. Histories
    recorded before carry the details themselves, so the details shape is still read."""

    payment_account: str | None = Field(
        default=None, min_length=1, max_length=100, repr=False, description="e.g. alipay / bank; private"
    )
    account_id: str | None = Field(default=None, min_length=1, max_length=100, repr=False, description="private")
    real_name: str | None = Field(default=None, min_length=1, max_length=60, repr=False, description="private")
    ref: str | None = Field(default=None, pattern=r"^payee:[A-Za-z0-9_-]{8,80}$", description="a payee vault row")

    @model_validator(mode="after")
    def _one_shape(self) -> Payee:
        details = (self.payment_account, self.account_id, self.real_name)
        if self.ref is not None and any(v is not None for v in details):
            raise ValueError("a payee is either a vault reference or the details, not both")
        if self.ref is None and any(v is None for v in details):
            raise ValueError("a payee needs payment_account, account_id and real_name")
        return self

    @property
    def is_ref(self) -> bool:
        return self.ref is not None

    @property
    def account_ref(self) -> str:
        """What a payment request carries: the vault reference (the payment activity
        resolves it), or for cases begun before the vault, the account id itself."""
        return self.ref if self.ref is not None else str(self.account_id)

    def masked(self) -> dict[str, str]:
        if self.ref is not None:
            return {"ref": self.ref}
        name = str(self.real_name)
        return {
            "payment_account": mask(str(self.payment_account)),
            "account_id": mask(str(self.account_id)),
            "real_name": name[:1] + "*" * max(len(name) - 1, 1),
        }


def mask(value: str) -> str:
    keep = value[-4:] if len(value) > 6 else ""
    return "*" * max(len(value) - len(keep), 3) + keep


class ManualRefundInput(CaseInput):
    reason_kind: ManualRefundReason
    amount_fen: int = Field(gt=0)
    lines: Lines = Field(default=(), description="the refunded lines; empty: not line-based")
    payee: Payee
    pickup: bool | None = Field(default=None, description="a parent process already decided whether goods come back")
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _fits_order(self) -> ManualRefundInput:
        problem = amount_problem(self)
        if problem:
            raise ValueError(problem.message)
        return self


class ManualRefundResult(Contract):
    case_id: str
    outcome: ManualRefundOutcome
    amount_fen: int = 0
    payment_id: str | None = None
    reviewed_by: str | None = None
    second_checked_by: str | None = None
    reason: str = ""


class Assessment(Contract):
    """The return specialist's first step: do the goods have to come back?"""

    assessor: ActorRef
    pickup: bool
    note: str = Field(default="", max_length=500)


def amount_problem(inp: ManualRefundInput) -> Problem | None:
    """Why this amount cannot be refunded for this order, or None."""
    order, kind = inp.case.order, inp.reason_kind
    if kind == ManualRefundReason.PARTIAL_QUANTITY and not inp.lines:
        return Problem(Code.MISSING_FIELD, "a partial-quantity refund names the lines and quantities refunded")
    if kind in GOODS_REASONS:
        try:
            limit = lines_value_fen(order, inp.lines)
        except ValueError as e:
            return Problem(Code.INVALID_LINES, str(e))
        if inp.amount_fen > limit:
            return Problem(
                Code.AMOUNT_TOO_HIGH, f"{inp.amount_fen} fen is more than the {limit} fen paid for these goods"
            )
    elif inp.lines:
        return Problem(Code.FIELD_NOT_ALLOWED, f"a {kind.value} refund is not line-based")
    if kind not in GOODS_REASONS and inp.pickup:
        return Problem(Code.FIELD_NOT_ALLOWED, f"a {kind.value} refund takes no goods back")
    return None


def needs_assessment(inp: ManualRefundInput) -> bool:
    """Only goods refunds go through the return specialist's pickup decision."""
    return inp.reason_kind in GOODS_REASONS and inp.pickup is None


def assessment_problem(a: Assessment, state: str, inp: ManualRefundInput) -> Problem | None:
    if state != ManualRefundState.AWAITING_ASSESSMENT:
        return Problem(Code.WRONG_STATE, f"the manual refund is {state}, not awaiting the return specialist")
    if a.assessor.role not in ASSESSOR_ROLES:
        return Problem(
            Code.WRONG_ROLE,
            f"{a.assessor.actor_id} is {a.assessor.role.value}; the pickup decision is the return specialist's",
        )
    return None


def summary(inp: ManualRefundInput, pickup: bool) -> str:
    """The refund specialist's summary put before the supervisor. No private data."""
    lines = ", ".join(f"{lq.sku}x{lq.quantity}" for lq in inp.lines) or "-"
    return (
        f"{inp.reason_kind.value}: {inp.amount_fen} fen on order {inp.case.order.order_id}; "
        f"lines {lines}; pickup {'yes' if pickup else 'no'}; "
        f"payee {inp.payee.ref if inp.payee.is_ref else inp.payee.masked()['account_id']}"
    )


def payment_kind(inp: ManualRefundInput) -> PaymentKind:
    return PAYMENT_KIND[inp.reason_kind]


def payout_due_at(policy: Policy, registered_at: datetime) -> datetime:
    """Compensation payouts are paid within 5 working days of registration."""
    return policy.calendar.deadline(registered_at, policy.windows.compensation_payout)

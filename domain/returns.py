"""Normal return → refund by day 5 (rulebook §4.10, pickup rules §4.4/§4.5, refusal §4.14).
Contracts and the pure decisions the ReturnRefund workflow follows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from domain.actors import SYSTEM, ActorRef, Role
from domain.models import CaseInput, Contract, Lines, lines_value_fen
from domain.policy import Policy
from domain.problems import Code, Problem


class ReturnOrigin(StrEnum):
    CUSTOMER_REQUEST = "customer_request"
    PARCEL_REFUSED = "parcel_refused"  # §4.14: created without a customer request
    PROCESS_OUTCOME = "process_outcome"  # started by another case process as its refund


class ReturnState(StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    AWAITING_PICKUP = "awaiting_pickup"
    AWAITING_GOODS = "awaiting_goods"
    REFUNDING = "refunding"
    CLOSED = "closed"


class ReturnOutcome(StrEnum):
    REFUNDED = "refunded"  # goods received, then refunded
    ADVANCE_COMPENSATED = "advance_compensated"  # refunded without waiting for the goods
    REJECTED = "rejected"
    NOTHING_TO_REFUND = "nothing_to_refund"  # only free gifts: nothing was paid for them
    REFUND_CAPPED = "refund_capped"  # the order had nothing left to refund (issue 10)


REVIEWER_ROLES = (Role.RETURN_SPECIALIST,)
# Past the 24 h node the review is escalated: second line may give it too (S2 rule 11).
ESCALATED_REVIEWER_ROLES = (Role.RETURN_SPECIALIST, Role.SECOND_LINE)


class ReviewDecision(Contract):
    """The return specialist's review (§4.10): approve with or without pickup, or reject with a reason."""

    reviewer: ActorRef
    approve: bool
    pickup: bool | None = Field(default=None, description="required when approving")
    reason: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _complete(self) -> ReviewDecision:
        if self.approve and self.pickup is None:
            raise ValueError("an approval must say whether a pickup is needed")
        if not self.approve and not self.reason.strip():
            raise ValueError("a rejection needs a reason")
        if not self.approve and self.pickup is not None:
            raise ValueError("a rejection books no pickup")
        return self


class ReturnRefundInput(CaseInput):
    lines: Lines = Field(default=(), description="empty: the whole order")
    origin: ReturnOrigin = ReturnOrigin.CUSTOMER_REQUEST
    decided: ReviewDecision | None = Field(default=None, description="a parent process already reviewed it")

    @model_validator(mode="after")
    def _lines_belong_to_order(self) -> ReturnRefundInput:
        refund_amount(self)  # raises on a line the order does not have or an excess quantity
        if self.origin == ReturnOrigin.CUSTOMER_REQUEST and self.decided is not None:
            raise ValueError("a customer's return is reviewed by the return specialist, not pre-decided")
        return self


class ReturnRefundResult(Contract):
    case_id: str
    outcome: ReturnOutcome
    refund_fen: int = 0
    payment_id: str | None = None
    reason: str = ""


def refund_amount(inp: ReturnRefundInput) -> int:
    return lines_value_fen(inp.case.order, inp.lines)


def refund_due_at(policy: Policy, created_at: datetime) -> datetime:
    """Day 5 counted from the day after the return was created, to the end of that day."""
    return policy.calendar.deadline(created_at, policy.windows.return_refund)


def advance_compensation_at(policy: Policy, created_at: datetime) -> datetime:
    """When the wait for the goods ends, so the refund is paid before it is due."""
    due = refund_due_at(policy, created_at)
    lead = policy.polling.refund_lead.plain
    return max(created_at, due - lead)


def review_problem(decision: ReviewDecision, state: ReturnState, *, escalated: bool = False) -> Problem | None:
    """Why this review cannot be taken now, or None when it can."""
    if state != ReturnState.AWAITING_REVIEW:
        return Problem(Code.WRONG_STATE, f"the return is {state.value}, not awaiting review")
    if decision.reviewer.role not in (ESCALATED_REVIEWER_ROLES if escalated else REVIEWER_ROLES):
        who = "a return specialist or, once escalated, second line" if escalated else "a return specialist"
        return Problem(
            Code.WRONG_ROLE,
            f"{decision.reviewer.actor_id} is {decision.reviewer.role.value}; returns are reviewed by {who}",
        )
    return None


def initial_decision(inp: ReturnRefundInput) -> ReviewDecision | None:
    """A refused parcel is coming back anyway: no review, no pickup (§4.14)."""
    if inp.decided is not None:
        return inp.decided
    if inp.origin == ReturnOrigin.PARCEL_REFUSED:
        return ReviewDecision(reviewer=SYSTEM, approve=True, pickup=False, reason="parcel refused on delivery")
    return None

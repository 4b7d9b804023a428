"""Held order (扣单), rulebook §4.1: short stock, no stock, near expiry or expired.
Backfill within 24 h; no stock → apology, compensation and the customer's choice;
at 48 h still unshipped → refund, or a reship for a customer who refuses cancellation."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from domain.actors import ActorRef, Role
from domain.compensation import CompensationOffer, offer_for_percent
from domain.models import CaseHeader, CaseInput, Contract, Lines, lines_value_fen
from domain.policy import Policy, Situation
from domain.problems import Code, Problem


class HoldCause(StrEnum):
    SHORT_STOCK = "short_stock"
    NO_STOCK = "no_stock"
    NEAR_EXPIRY = "near_expiry"
    EXPIRED = "expired"


class HeldState(StrEnum):
    AWAITING_BACKFILL = "awaiting_backfill"
    AWAITING_CHOICE = "awaiting_choice"
    WAITING_FOR_STOCK = "waiting_for_stock"
    SETTLING = "settling"
    CLOSED = "closed"


class HeldOutcome(StrEnum):
    SHIPPED = "shipped"  # stock arrived: in the next batch
    REFUNDED = "refunded"
    RESHIPPED = "reshipped"
    CANCELLED = "cancelled"  # unpaid: nothing to refund, never reshipped


class CustomerChoice(StrEnum):
    WAIT = "wait"  # keep waiting for the stock
    REFUND = "refund"  # cancel now and refund
    INSIST = "insist"  # refuses cancellation: reship if still unshipped at 48 h


class HeldOrderAnswer(Contract):
    customer: ActorRef
    choice: CustomerChoice
    note: str = Field(default="", max_length=500)


class HeldOrderInput(CaseInput):
    cause: HoldCause
    lines: Lines = Field(default=(), description="the held lines; empty: the whole order")
    offer_percent: int = Field(default=10, ge=1, le=100, description="the compensation the agent offers")
    offer_kind: Literal["coupon", "cash"] = "coupon"


class HeldOrderResult(Contract):
    case_id: str
    outcome: HeldOutcome
    choice: CustomerChoice | None = None
    compensation_fen: int = 0
    child_outcome: str | None = None
    reason: str = ""


ANSWERABLE = (HeldState.AWAITING_CHOICE, HeldState.WAITING_FOR_STOCK)
DEFAULT_CHOICE = CustomerChoice.WAIT  # silence cancels nothing; the 48 h rule still refunds


def choice_problem(answer: HeldOrderAnswer, state: str, case: CaseHeader) -> Problem | None:
    """Why this answer cannot be taken now, or None."""
    if state not in ANSWERABLE:
        return Problem(Code.WRONG_STATE, f"the held order is {state}; the customer is not being asked")
    if answer.customer.role != Role.CUSTOMER or answer.customer.actor_id != case.customer_id:
        return Problem(Code.NOT_THE_CUSTOMER, "only the customer who placed the order chooses")
    if answer.choice == CustomerChoice.INSIST and not case.order.paid:
        return Problem(Code.UNPAID_ORDER, "the order is not paid: an unpaid order is never reshipped")
    return None


def compensation_offer(policy: Policy, inp: HeldOrderInput) -> CompensationOffer:
    """Stock delay (§3): 10 % coupon, cap 200, is first line; cash or more goes to second line."""
    basis = lines_value_fen(inp.case.order, inp.lines)
    return offer_for_percent(policy, Situation.STOCK_DELAY, basis, inp.offer_percent, inp.offer_kind)


def settle_at_48h(choice: CustomerChoice | None, paid: bool) -> HeldOutcome:
    """Still unshipped at 48 h: refund, reship for a customer who refuses cancellation,
    and for an unpaid order, cancel (nothing to refund, never reship)."""
    if not paid:
        return HeldOutcome.CANCELLED
    if choice == CustomerChoice.INSIST:
        return HeldOutcome.RESHIPPED
    return HeldOutcome.REFUNDED

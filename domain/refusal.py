"""Refusal / cancelled delivery, rulebook §4.14. A customer who refuses the parcel gets
a return created without asking and refunded with advance compensation. A courier
returning the parcel on its own is the courier's fault: reship if the customer still
wants the goods, otherwise refund."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from domain.actors import ActorRef, Role
from domain.models import CaseHeader, CaseInput, Contract
from domain.problems import Code, Problem


class RefusalHow(StrEnum):
    CUSTOMER_REFUSED = "customer_refused"  # the customer cancelled after dispatch and refused the parcel
    COURIER_RETURNED = "courier_returned"  # the courier sent it back on its own: courier fault


class RefusalState(StrEnum):
    AWAITING_CUSTOMER = "awaiting_customer"
    SETTLING = "settling"
    CLOSED = "closed"


class RefusalOutcome(StrEnum):
    REFUNDED = "refunded"
    RESHIPPED = "reshipped"
    CANCELLED = "cancelled"  # unpaid: nothing to refund, never reshipped


class RefusalInput(CaseInput):
    how: RefusalHow
    note: str = Field(default="", max_length=500)


class GoodsAnswer(Contract):
    """The customer's answer after a courier returned the parcel: still want the goods?"""

    customer: ActorRef
    wants_goods: bool
    note: str = Field(default="", max_length=500)


class RefusalResult(Contract):
    case_id: str
    outcome: RefusalOutcome
    courier_fault: bool
    wants_goods: bool | None = None
    child_outcome: str | None = None
    reason: str = ""


DEFAULT_WANTS_GOODS = False  # a reship needs a customer who insists; silence means refund


def answer_problem(answer: GoodsAnswer, state: str, case: CaseHeader) -> Problem | None:
    if state != RefusalState.AWAITING_CUSTOMER:
        return Problem(Code.WRONG_STATE, f"the case is {state}; the customer is not being asked")
    if answer.customer.role != Role.CUSTOMER or answer.customer.actor_id != case.customer_id:
        return Problem(Code.NOT_THE_CUSTOMER, "only the customer who placed the order answers")
    if answer.wants_goods and not case.order.paid:
        return Problem(Code.UNPAID_ORDER, "the order is not paid: an unpaid order is never reshipped")
    return None


def settlement(how: RefusalHow, wants_goods: bool | None, paid: bool) -> RefusalOutcome:
    if not paid:
        return RefusalOutcome.CANCELLED
    if how == RefusalHow.COURIER_RETURNED and wants_goods:
        return RefusalOutcome.RESHIPPED
    return RefusalOutcome.REFUNDED

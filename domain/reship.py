"""Reship (重拍), rulebook §4.11 and §4.1: only for merchant-caused non-delivery when the
customer insists on the goods. The original order is closed as "abnormal return, no
refund", the platform pays, and delivery follows the 20:00 rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import Field, model_validator

from domain.models import CaseInput, Contract, Lines, Order, lines_value_fen
from domain.policy import Policy
from domain.problems import Code, Problem


class ReshipCause(StrEnum):
    """Merchant-side causes only: a customer-caused non-delivery is no reason to reship."""

    HELD_ORDER_UNSHIPPED = "held_order_unshipped"  # §4.1 at 48 h
    OVERSOLD = "oversold"
    LOST_IN_TRANSIT = "lost_in_transit"  # §4.6
    DAMAGED_IN_TRANSIT = "damaged_in_transit"  # §4.6
    COURIER_RETURNED = "courier_returned"  # §4.14: courier fault
    SHORT_SHIPPED = "short_shipped"  # §4.3


class ReshipState(StrEnum):
    CHECKING = "checking"
    RESHIPPING = "reshipping"
    CLOSED = "closed"


class ReshipOutcome(StrEnum):
    RESHIPPED = "reshipped"
    REFUSED = "refused"
    # the original was closed but the new order could not be placed: the customer is
    # refunded instead, so nobody ends with neither goods nor money (issue 10)
    REFUNDED_INSTEAD = "refunded_instead"


ORIGINAL_CLOSED_AS = "abnormal_return_no_refund"


class ReshipInput(CaseInput):
    cause: ReshipCause
    lines: Lines = Field(default=(), description="empty: the whole order")
    customer_insists: bool = Field(default=True, description="the customer wants the goods, not a refund")
    note: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _lines_belong_to_order(self) -> ReshipInput:
        lines_value_fen(self.case.order, self.lines)  # raises on a foreign line or excess quantity
        return self


class ReshipResult(Contract):
    case_id: str
    outcome: ReshipOutcome
    reship_order_id: str | None = None
    promised_delivery: date | None = None
    original_closed_as: str | None = None
    paid_by: str | None = None
    reason: str = ""


def reship_problem(order: Order, customer_insists: bool, original_can_ship: bool) -> Problem | None:
    """Why a reship must not happen, or None. Never reship an unpaid order; never while
    the original can still ship (the customer would get the goods twice)."""
    if not order.paid:
        return Problem(Code.UNPAID_ORDER, "the order is not paid: an unpaid order is never reshipped")
    if not customer_insists:
        return Problem(Code.GOODS_NOT_WANTED, "the customer did not ask for the goods: refund instead")
    if original_can_ship:
        return Problem(Code.ORIGINAL_CAN_SHIP, "the original order can still ship: reshipping would deliver twice")
    return None


def promised_delivery(policy: Policy, paid_at: datetime) -> date:
    """The 20:00 rule: paid before the cutoff hour (shop time) → next day, after → the day after."""
    local = paid_at.astimezone(policy.calendar.tz)
    days = 1 if local.hour < policy.reship_cutoff_hour else 2
    return local.date() + timedelta(days=days)

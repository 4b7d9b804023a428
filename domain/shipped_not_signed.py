"""Shipped, not signed (rulebook §4.6, S4 2.4): signature is due within 96 h of
shipping. The courier's status decides: normal transit → chase; nobody home → agree a
time, second delivery; lost or damaged (or still in transit at 96 h) → offer a refund;
a customer who refuses it goes to the second line, then a reship."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from domain.actors import Role
from domain.carryover import CarriedWait
from domain.findings import DeliveryState
from domain.manual_refund import Payee
from domain.models import CaseInput, CaseKind
from domain.policy import Policy
from domain.problems import Code, Problem
from domain.replies import Reply
from domain.reship import ReshipCause


class NotSignedState(StrEnum):
    CHECKING = "checking"
    CHASING = "chasing"
    AWAITING_APPOINTMENT = "awaiting_appointment"
    AWAITING_OFFER_ANSWER = "awaiting_offer_answer"
    AWAITING_SECOND_LINE = "awaiting_second_line"
    REFUNDING = "refunding"
    RESHIPPING = "reshipping"
    CLOSED = "closed"


class NotSignedOutcome(StrEnum):
    SIGNED = "signed"
    SECOND_DELIVERY = "second_delivery_booked"
    REFUNDED = "refunded"
    RESHIPPED = "reshipped"
    INCOMPLETE = "incomplete"  # the refund or reship child did not complete


class NextStep(StrEnum):
    CLOSE_SIGNED = "close_signed"
    CHASE = "chase"
    SECOND_DELIVERY = "second_delivery"
    OFFER_REFUND = "offer_refund"


class ShippedNotSignedInput(CaseInput):
    payee: Payee | None = Field(default=None, description="for a manual refund, should one be needed")
    carried: CarriedWait | None = Field(
        default=None, description="set by the case itself when a long wait continues as new"
    )

    @model_validator(mode="after")
    def _shipped(self) -> ShippedNotSignedInput:
        if self.case.kind != CaseKind.SHIPPED_NOT_SIGNED:
            raise ValueError(f"a shipped-not-signed case cannot be opened as {self.case.kind.value}")
        if self.case.order.shipped_at is None:
            raise ValueError("the order has not shipped: track it as a shipment, not a delivery")
        return self


class DeliveryAppointment(Reply):
    """The customer's agreed time for the second delivery."""

    deliver_at: datetime


class OfferAnswer(Reply):
    """The customer's answer to the refund offer for a lost or damaged parcel."""

    accept_refund: bool
    wants_compensation: bool = Field(default=False, description="asks for the delivery-delay coupon (§3)")


class CourierReport(Reply):
    """The courier's webhook: the parcel's status changed; check it now."""

    note: str = Field(default="", max_length=200)


def sign_deadline(policy: Policy, shipped_at: datetime) -> datetime:
    return policy.calendar.deadline(shipped_at, policy.windows.sign_target)


def next_step(state: DeliveryState, past_deadline: bool) -> NextStep:
    if state == DeliveryState.SIGNED:
        return NextStep.CLOSE_SIGNED
    if state == DeliveryState.NOBODY_HOME:
        return NextStep.SECOND_DELIVERY
    if state in (DeliveryState.LOST, DeliveryState.DAMAGED) or past_deadline:
        return NextStep.OFFER_REFUND
    return NextStep.CHASE


def reship_cause(state: DeliveryState) -> ReshipCause:
    """A parcel still in transit at 96 h is treated as lost."""
    return ReshipCause.DAMAGED_IN_TRANSIT if state == DeliveryState.DAMAGED else ReshipCause.LOST_IN_TRANSIT


def appointment_problem(a: DeliveryAppointment, now: datetime) -> Problem | None:
    if a.deliver_at.tzinfo is None:
        return Problem(Code.TIME_ZONE_MISSING, "the delivery time needs a time zone")
    if a.deliver_at <= now:
        return Problem(Code.NOT_IN_FUTURE, "the agreed delivery time must be in the future")
    return None


def report_problem(report: CourierReport) -> Problem | None:
    if report.by.role != Role.COURIER:
        return Problem(
            Code.WRONG_ROLE, f"{report.by.actor_id} is {report.by.role.value}; only the courier reports delivery status"
        )
    return None

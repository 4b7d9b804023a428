"""Oversold, rulebook §4.1 and S4 2.2: paid (or placed) but never reached the warehouse.
The 17:00 check with the platform, answered within 1–2 days. Can ship → apologise and
ship late. Cannot (or no answer in time) → compensation and, for a paid order, a refund:
paid 10 % cash cap 200, unpaid 10–20 % coupon cap 200, both second-line authority."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from domain.carryover import CarriedWait
from domain.compensation import CompensationOffer, standard_offer
from domain.models import CaseInput, Contract, Order
from domain.policy import Policy, Situation


class OversoldState(StrEnum):
    AWAITING_PLATFORM = "awaiting_platform"
    SHIPPING = "shipping"
    COMPENSATING = "compensating"
    CLOSED = "closed"


class OversoldOutcome(StrEnum):
    SHIPPED_LATE = "shipped_late"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"  # unpaid: compensated, nothing to refund


class OversoldInput(CaseInput):
    carried: CarriedWait | None = Field(
        default=None, description="set by the case itself when a long wait continues as new"
    )


class OversoldResult(Contract):
    case_id: str
    outcome: OversoldOutcome
    can_ship: bool | None = None
    compensation_fen: int = 0
    child_outcome: str | None = None
    reason: str = ""


def oversold_offer(policy: Policy, order: Order) -> CompensationOffer:
    situation = Situation.OVERSOLD_PAID if order.paid else Situation.OVERSOLD_UNPAID
    return standard_offer(policy, situation, order.paid_fen)


def can_ship(answered: bool, platform_says: bool | None) -> bool:
    """No answer within the window is treated as 'cannot ship': the customer is not left waiting."""
    return bool(answered and platform_says)

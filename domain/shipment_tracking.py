"""Shipment tracking, rulebook §4.13 and the 72 h platform rule (S3): ship within 48 h
of the order; late → tracking call and apology; still unshipped at 72 h → 30 % of the
paid amount, cap 500 yuan, coupon first (second-line authority)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, model_validator

from domain.carryover import CarriedWait
from domain.compensation import CompensationOffer, standard_offer
from domain.models import CaseInput, Contract
from domain.policy import Policy, Situation


class TrackingState(StrEnum):
    TRACKING = "tracking"
    LATE = "late"
    COMPENSATING = "compensating"
    CLOSED = "closed"


class TrackingOutcome(StrEnum):
    SHIPPED_ON_TIME = "shipped_on_time"
    SHIPPED_LATE = "shipped_late"
    PLATFORM_COMPENSATED = "platform_compensated"


class ShipmentTrackingInput(CaseInput):
    placed_at: datetime | None = Field(default=None, description="when the order was placed; default: paid_at")
    export_date: date | None = Field(default=None, description="the 09:00 export that listed the order")
    carried: CarriedWait | None = Field(
        default=None, description="set by the case itself when a long wait continues as new"
    )

    @model_validator(mode="after")
    def _has_a_start(self) -> ShipmentTrackingInput:
        if self.placed_at is None and self.case.order.paid_at is None:
            raise ValueError("tracking counts from the order's placing: give placed_at or a paid order")
        return self


class ShipmentTrackingResult(Contract):
    case_id: str
    outcome: TrackingOutcome
    shipped_at: datetime | None = None
    compensation_fen: int = 0


def placed_at(inp: ShipmentTrackingInput) -> datetime:
    at = inp.placed_at or inp.case.order.paid_at
    assert at is not None
    return at


def platform_offer(policy: Policy, paid_fen: int) -> CompensationOffer:
    """The 72 h rule: 30 %, cap 500 yuan, coupon first; beyond first-line authority."""
    return standard_offer(policy, Situation.PLATFORM_72H, paid_fen)

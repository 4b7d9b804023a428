"""Missing item (rulebook §4.3): the warehouse says whether the order was split over
parcels or went out short. Split → chase the courier. Short, or neither (the customer
is believed) → reship or refund the missing lines as the customer chooses, and a
10 yuan coupon if they ask for compensation."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from domain.findings import ShipmentCheck
from domain.manual_refund import Payee
from domain.models import CaseInput, CaseKind, LineQuantity, Lines, lines_value_fen
from domain.replies import Reply


class MissingFinding(StrEnum):
    SPLIT = "split"  # the rest is in another parcel
    SHORT_SHIPPED = "short_shipped"
    NEITHER = "neither"  # believe the customer: handled as short-shipped


class MissingState(StrEnum):
    CHECKING = "checking"
    AWAITING_CHOICE = "awaiting_choice"
    REMEDYING = "remedying"
    CLOSED = "closed"


class MissingOutcome(StrEnum):
    COURIER_CHASED = "courier_chased"
    RESHIPPED = "reshipped"
    REFUNDED = "refunded"
    INCOMPLETE = "incomplete"  # the child did not complete (reship refused, refund rejected, no payee)


class Remedy(StrEnum):
    RESHIP = "reship"
    REFUND = "refund"


DEFAULT_REMEDY = Remedy.REFUND  # no answer: refund, never ship goods nobody confirmed they want


class MissingItemInput(CaseInput):
    missing: Lines = Field(min_length=1, description="what the customer says is missing")
    payee: Payee | None = None

    @model_validator(mode="after")
    def _lines(self) -> MissingItemInput:
        if self.case.kind != CaseKind.MISSING_ITEM:
            raise ValueError(f"a missing-item case cannot be opened as {self.case.kind.value}")
        lines_value_fen(self.case.order, self.missing)  # raises on a foreign line or excess quantity
        return self


class RemedyChoice(Reply):
    remedy: Remedy
    wants_compensation: bool = Field(default=False, description="the customer asked for compensation")


def classify(check: ShipmentCheck) -> MissingFinding:
    if check.short_lines:
        return MissingFinding.SHORT_SHIPPED
    if check.split:
        return MissingFinding.SPLIT
    return MissingFinding.NEITHER


def lines_to_remedy(
    finding: MissingFinding, check: ShipmentCheck, reported: tuple[LineQuantity, ...]
) -> tuple[LineQuantity, ...]:
    """What the warehouse found short; with no finding, what the customer reported."""
    return check.short_lines if finding == MissingFinding.SHORT_SHIPPED else reported

"""Damaged goods (rulebook §4.4): photos first. Goods come back by pickup, except what is
scrapped on site — broken food packages, broken glass, opened food with a quality
problem, spoiled food, leaked liquids, rotten fruit — refunded on the photos alone.
Refunds go by line and quantity: a completed trade or part of a line's quantity is a
manual refund (§4.9), otherwise a normal return (§4.10)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from domain.manual_refund import Payee
from domain.models import CaseInput, CaseKind, Contract, LineQuantity, lines_value_fen


class DamageCondition(StrEnum):
    BROKEN_FOOD_PACKAGE = "broken_food_package"
    BROKEN_GLASS = "broken_glass"
    OPENED_FOOD_QUALITY = "opened_food_quality"
    SPOILED_FOOD = "spoiled_food"
    LEAKED_LIQUID = "leaked_liquid"
    ROTTEN_FRUIT = "rotten_fruit"
    PHYSICAL_DAMAGE = "physical_damage"  # e.g. a snapped mop handle: it comes back


SCRAP_ON_SITE = frozenset(DamageCondition) - {DamageCondition.PHYSICAL_DAMAGE}

EVIDENCE_KINDS = ("photo",)


class DamagedState(StrEnum):
    AWAITING_EVIDENCE = "awaiting_evidence"
    REFUNDING = "refunding"
    CLOSED = "closed"


class DamagedOutcome(StrEnum):
    REFUNDED = "refunded"
    NO_EVIDENCE = "no_evidence"  # the photos never came within the evidence window
    INCOMPLETE = "incomplete"  # the refund child did not pay


class DamagedLine(Contract):
    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    condition: DamageCondition


class DamagedGoodsInput(CaseInput):
    damaged: tuple[DamagedLine, ...] = Field(min_length=1)
    payee: Payee | None = Field(default=None, description="for a manual refund; asked for if needed and absent")
    wants_compensation: bool = Field(
        default=False, description="the customer asks for the 10-20 % coupon (second line)"
    )

    @model_validator(mode="after")
    def _lines(self) -> DamagedGoodsInput:
        if self.case.kind != CaseKind.DAMAGED_GOODS:
            raise ValueError(f"a damaged-goods case cannot be opened as {self.case.kind.value}")
        skus = [d.sku for d in self.damaged]
        if len(skus) != len(set(skus)):
            raise ValueError("name each damaged line once")
        lines_value_fen(self.case.order, refund_lines(self))  # raises on a foreign line or excess quantity
        return self


def refund_lines(inp: DamagedGoodsInput) -> tuple[LineQuantity, ...]:
    return tuple(LineQuantity(sku=d.sku, quantity=d.quantity) for d in inp.damaged)


def pickup_needed(damaged: tuple[DamagedLine, ...]) -> bool:
    """A pickup unless every damaged line is scrapped on site."""
    return any(d.condition not in SCRAP_ON_SITE for d in damaged)

"""Price disputes (rulebook §4.7, S4 §12): a promo price the customer did not get.
Over the purchase limit or a repeat of a one-per-account promo is explained; anything
else is a system error for the platform, whose answer the customer is called back
with: a paid order gets the price difference, an unpaid one a coupon."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from domain.models import CaseInput, CaseKind
from domain.money import Fen


class PriceFinding(StrEnum):
    PURCHASE_LIMIT = "purchase_limit"  # more units than the promo allows
    ONE_PER_ACCOUNT = "one_per_account"  # this account already had the promo once
    SYSTEM_ERROR = "system_error"


class PriceState(StrEnum):
    CHECKING = "checking"
    AWAITING_PLATFORM = "awaiting_platform"
    COMPENSATING = "compensating"
    CLOSED = "closed"


class PriceOutcome(StrEnum):
    EXPLAINED = "explained"
    PLATFORM_DECLINED = "platform_declined"
    DIFFERENCE_REFUNDED = "difference_refunded"
    COUPON_GRANTED = "coupon_granted"
    COUPON_REFUSED = "coupon_refused"


class PriceDisputeInput(CaseInput):
    sku: str = Field(min_length=1, description="the order line that missed the promo price")
    promo_unit_price_fen: Fen
    promo_limit: int = Field(default=1, ge=1, description="units one account may buy at the promo price")
    bought_promo_before: bool = Field(default=False, description="the account bought this promo before")

    @model_validator(mode="after")
    def _fits_order(self) -> PriceDisputeInput:
        if self.case.kind != CaseKind.PRICE_DISPUTE:
            raise ValueError(f"a price dispute cannot be opened as {self.case.kind.value}")
        line = self.case.order.line(self.sku)  # raises on a line the order does not have
        if self.promo_unit_price_fen >= line.unit_price_fen:
            raise ValueError("the promo price must be below the price charged")
        return self


EXPLANATIONS = {
    PriceFinding.PURCHASE_LIMIT: "only {limit} unit(s) per account at the promo price; the rest are at the normal price",
    PriceFinding.ONE_PER_ACCOUNT: "the promo is once per account, and this account has already had it",
}


def classify(inp: PriceDisputeInput) -> PriceFinding:
    if inp.case.order.line(inp.sku).quantity > inp.promo_limit:
        return PriceFinding.PURCHASE_LIMIT
    if inp.bought_promo_before:
        return PriceFinding.ONE_PER_ACCOUNT
    return PriceFinding.SYSTEM_ERROR


def explanation(inp: PriceDisputeInput, finding: PriceFinding) -> str:
    return EXPLANATIONS[finding].format(limit=inp.promo_limit)


def price_difference(inp: PriceDisputeInput) -> int:
    """What the customer paid above the promo price, on the units the promo covers."""
    line = inp.case.order.line(inp.sku)
    return (line.unit_price_fen - inp.promo_unit_price_fen) * min(line.quantity, inp.promo_limit)

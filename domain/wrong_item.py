"""Wrong item (rulebook §4.5): the customer's barcode photo goes to the warehouse.
Barcode ≠ the goods received → the warehouse sent the wrong thing → refund. Barcode =
the goods received → the listing misdescribes them → fix the listing, return. An item
up to 20 yuan is refunded without a pickup; above, it is picked up and a coupon is
offered. A missing gift is a missing item when the barcode's product has a gift, and a
wrong item (the listing promised one) when it has not."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from domain.findings import BarcodeCheck
from domain.manual_refund import Payee
from domain.models import CaseInput, CaseKind, LineQuantity, Order, lines_value_fen
from domain.money import yuan

NO_PICKUP_UP_TO_FEN = yuan(20)
EVIDENCE_KINDS = ("barcode_photo",)


class Complaint(StrEnum):
    WRONG_GOODS = "wrong_goods"  # variety, size, colour or quantity differ from the page
    MISSING_GIFT = "missing_gift"


class Verdict(StrEnum):
    WAREHOUSE_ERROR = "warehouse_error"
    LISTING_ERROR = "listing_error"
    MISSING_ITEM = "missing_item"  # a gift the product really has was left out


class WrongState(StrEnum):
    AWAITING_EVIDENCE = "awaiting_evidence"
    CHECKING = "checking"
    REFUNDING = "refunding"
    COMPENSATING = "compensating"
    CLOSED = "closed"


class WrongOutcome(StrEnum):
    REFUNDED = "refunded"
    RECLASSIFIED_MISSING_ITEM = "reclassified_missing_item"
    NO_EVIDENCE = "no_evidence"
    INCOMPLETE = "incomplete"


class WrongItemInput(CaseInput):
    sku: str = Field(min_length=1, description="the order line that came wrong")
    quantity: int = Field(default=1, gt=0)
    complaint: Complaint = Complaint.WRONG_GOODS
    gift_sku: str | None = Field(default=None, description="the gift line the customer did not get")
    payee: Payee | None = None

    @model_validator(mode="after")
    def _lines(self) -> WrongItemInput:
        if self.case.kind != CaseKind.WRONG_ITEM:
            raise ValueError(f"a wrong-item case cannot be opened as {self.case.kind.value}")
        lines_value_fen(self.case.order, (LineQuantity(sku=self.sku, quantity=self.quantity),))
        if self.complaint == Complaint.MISSING_GIFT:
            if not self.gift_sku:
                raise ValueError("a missing gift names the gift line")
            if not self.case.order.line(self.gift_sku).gift:
                raise ValueError(f"line {self.gift_sku} is not a gift")
        elif self.gift_sku:
            raise ValueError("gift_sku belongs to a missing-gift complaint")
        return self


def verdict(complaint: Complaint, check: BarcodeCheck) -> Verdict:
    if complaint == Complaint.MISSING_GIFT:
        return Verdict.MISSING_ITEM if check.has_gift else Verdict.LISTING_ERROR
    return Verdict.LISTING_ERROR if check.matches_received else Verdict.WAREHOUSE_ERROR


def pickup_needed(order: Order, sku: str) -> bool:
    """The item's own price decides: up to 20 yuan it is not worth a courier's trip."""
    return order.line(sku).unit_price_fen > NO_PICKUP_UP_TO_FEN


def coupon_basis_fen(inp: WrongItemInput) -> int:
    """A coupon is worked out on what the wrong item cost, not the whole order."""
    return lines_value_fen(inp.case.order, (LineQuantity(sku=inp.sku, quantity=inp.quantity),))

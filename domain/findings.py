"""What the courier, the warehouse, finance and the marketplace report when a case
process asks them (rulebook §4.2–§4.8). The adapters' interfaces and the activities
both speak these."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from domain.models import Contract, EvidenceRef, LineQuantity
from domain.money import Fen


class DeliveryState(StrEnum):
    IN_TRANSIT = "in_transit"  # normal transit, just slow
    NOBODY_HOME = "nobody_home"  # first delivery failed, back at the depot
    LOST = "lost"
    DAMAGED = "damaged"
    SIGNED = "signed"


class DeliveryQuery(Contract):
    case_id: str
    order_id: str
    shipped_at: datetime
    as_of: datetime


class DeliveryStatus(Contract):
    order_id: str
    state: DeliveryState
    note: str = ""


class CourierNotice(Contract):
    """A chase or a second-delivery booking sent to the courier."""

    case_id: str
    order_id: str
    kind: Literal["chase", "second_delivery"]
    deliver_at: datetime | None = Field(default=None, description="the agreed time of a second delivery")
    note: str = ""


class CourierAck(Contract):
    reference: str
    case_id: str


class SignerQuery(Contract):
    case_id: str
    order_id: str


class SignerProof(Contract):
    """Who signed, as the courier can show it: a name, a slip photo, or neither."""

    order_id: str
    signer_name: str | None = None
    slip_photo: EvidenceRef | None = None

    @property
    def proven(self) -> bool:
        return bool(self.signer_name) or self.slip_photo is not None


class ShipmentQuery(Contract):
    case_id: str
    order_id: str
    reported_missing: tuple[LineQuantity, ...]


class ShipmentCheck(Contract):
    """The warehouse's answer for a missing item (§4.3): was the order split over
    parcels, and which lines went out short."""

    order_id: str
    split: bool = False
    short_lines: tuple[LineQuantity, ...] = ()


class BarcodeQuery(Contract):
    case_id: str
    order_id: str
    sku: str
    barcode: str


class BarcodeCheck(Contract):
    """The warehouse's reading of the customer's barcode photo (§4.5)."""

    barcode: str
    product_sku: str = Field(description="the product the barcode belongs to")
    matches_received: bool = Field(description="the barcode's product is what the customer received")
    has_gift: bool = Field(default=False, description="the barcode's product comes with a gift")


InvoiceType = Literal["plain", "vat"]


class InvoiceIssue(Contract):
    case_id: str
    order_id: str
    invoice_type: InvoiceType
    title: str
    content: str
    amount_fen: Fen
    postage_paid_by: Literal["merchant", "warehouse", "customer"]
    replaces: str | None = Field(default=None, description="the wrong invoice this one replaces")
    requested_at: datetime


class InvoiceReceipt(Contract):
    invoice_no: str
    case_id: str
    issued_at: datetime


class ListingFix(Contract):
    case_id: str
    sku: str
    note: str


class ListingFixAck(Contract):
    ticket: str
    sku: str

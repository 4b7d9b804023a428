from __future__ import annotations

from typing import Protocol

from domain.external import ReceiptQuery, ReceiptStatus
from domain.findings import BarcodeCheck, BarcodeQuery, ShipmentCheck, ShipmentQuery


class Warehouse(Protocol):
    async def return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        """Has the returned parcel of this pickup reached the warehouse by query.as_of?"""
        ...

    async def shipment_check(self, query: ShipmentQuery) -> ShipmentCheck:
        """Was the order split over parcels; which lines went out short (§4.3)?"""
        ...

    async def barcode_check(self, query: BarcodeQuery) -> BarcodeCheck:
        """Which product the customer's barcode belongs to, against what was received (§4.5)."""
        ...

from __future__ import annotations

from typing import Protocol

from domain.external import ReceiptQuery, ReceiptStatus
from domain.findings import BarcodeCheck, BarcodeQuery, ShipmentCheck, ShipmentQuery
from domain.fulfilment import (
    BackfillRequest,
    BackfillTicket,
    DispatchQuery,
    DispatchReceipt,
    DispatchRequest,
    DispatchStatus,
    LateOrderQuery,
    LateOrders,
    StockQuery,
    StockStatus,
)


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

    async def request_backfill(self, request: BackfillRequest) -> BackfillTicket:
        """Ask for stock for a held order (§4.1); once per case."""
        ...

    async def stock_status(self, query: StockQuery) -> StockStatus:
        """Has the backfilled stock arrived by query.as_of?"""
        ...

    async def dispatch_order(self, request: DispatchRequest) -> DispatchReceipt:
        """Put the order on the next batch; once per case."""
        ...

    async def dispatch_status(self, query: DispatchQuery) -> DispatchStatus:
        """Has the order left the warehouse by query.as_of; could the original still ship?"""
        ...

    async def late_orders(self, query: LateOrderQuery) -> LateOrders:
        """The order source's export for the daily sweeps (§2 daily rhythm)."""
        ...

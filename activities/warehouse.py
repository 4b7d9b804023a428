from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call, poll_attempt
from adapters.warehouse import Warehouse
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


class WarehouseActivities:
    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    @activity.defn
    async def check_return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        with outside_call(query.booking.case_id, "warehouse.return_receipt"):
            return await self.warehouse.return_receipt(query)

    @activity.defn
    async def poll_return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        """check_return_receipt, retried by the workflow's poll until the goods are back or lost
        (or its last look, as of the deadline)."""
        return await poll_attempt(
            query, self.check_return_receipt, lambda s: s.received or s.lost, "the returned goods"
        )

    @activity.defn
    async def check_shipment(self, query: ShipmentQuery) -> ShipmentCheck:
        with outside_call(query.case_id, "warehouse.shipment_check") as log:
            check = await self.warehouse.shipment_check(query)
        log.info("shipment checked", split=check.split, short_lines=len(check.short_lines))
        return check

    @activity.defn
    async def check_barcode(self, query: BarcodeQuery) -> BarcodeCheck:
        with outside_call(query.case_id, "warehouse.barcode_check") as log:
            check = await self.warehouse.barcode_check(query)
        log.info("barcode checked", matches_received=check.matches_received, has_gift=check.has_gift)
        return check

    # -- held orders, shipment tracking, reships and the daily sweeps (processes-a) --

    @activity.defn
    async def request_backfill(self, request: BackfillRequest) -> BackfillTicket:
        with outside_call(request.case_id, "warehouse.request_backfill") as log:
            ticket = await self.warehouse.request_backfill(request)
        log.info("backfill requested", ticket_id=ticket.ticket_id)
        return ticket

    @activity.defn
    async def check_stock(self, query: StockQuery) -> StockStatus:
        with outside_call(query.ticket.case_id, "warehouse.stock_status"):
            return await self.warehouse.stock_status(query)

    @activity.defn
    async def poll_stock(self, query: StockQuery) -> StockStatus:
        """check_stock, retried by the workflow's poll until the stock is there (or its last look)."""
        return await poll_attempt(query, self.check_stock, lambda s: s.available, "stock")

    @activity.defn
    async def dispatch_order(self, request: DispatchRequest) -> DispatchReceipt:
        with outside_call(request.case_id, "warehouse.dispatch_order") as log:
            receipt = await self.warehouse.dispatch_order(request)
        log.info("dispatched", dispatch_id=receipt.dispatch_id, batch=request.batch)
        return receipt

    @activity.defn
    async def check_dispatch(self, query: DispatchQuery) -> DispatchStatus:
        with outside_call(query.case_id, "warehouse.dispatch_status"):
            return await self.warehouse.dispatch_status(query)

    @activity.defn
    async def poll_dispatch(self, query: DispatchQuery) -> DispatchStatus:
        """check_dispatch, retried by the workflow's poll until the order has shipped (or its last look)."""
        return await poll_attempt(query, self.check_dispatch, lambda s: s.shipped, "dispatch")

    @activity.defn
    async def list_late_orders(self, query: LateOrderQuery) -> LateOrders:
        with outside_call(f"sweep-{query.kind}", "warehouse.late_orders") as log:
            found = await self.warehouse.late_orders(query)
        log.info("late orders listed", kind=query.kind, count=len(found.orders))
        return found

from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call
from adapters.warehouse import Warehouse
from domain.external import ReceiptQuery, ReceiptStatus
from domain.findings import BarcodeCheck, BarcodeQuery, ShipmentCheck, ShipmentQuery


class WarehouseActivities:
    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    @activity.defn
    async def check_return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        with outside_call(query.booking.case_id, "warehouse.return_receipt"):
            return await self.warehouse.return_receipt(query)

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

from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call
from adapters.warehouse import Warehouse
from domain.external import ReceiptQuery, ReceiptStatus


class WarehouseActivities:
    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse

    @activity.defn
    async def check_return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        with outside_call(query.booking.case_id, "warehouse.return_receipt"):
            return await self.warehouse.return_receipt(query)

from __future__ import annotations

from typing import Protocol

from domain.external import ReceiptQuery, ReceiptStatus


class Warehouse(Protocol):
    async def return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        """Has the returned parcel of this pickup reached the warehouse by query.as_of?"""
        ...

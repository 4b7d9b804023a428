from __future__ import annotations

import httpx

from adapters.http.operations import speaks
from adapters.http.service import DEFAULT_TIMEOUT_SECONDS, Service, mismatch
from adapters.warehouse import Warehouse
from domain.external import ReceiptQuery, ReceiptStatus


@speaks(Warehouse)
class HttpWarehouse:
    """One short question per call; the workflow polls (and the warehouse may signal
    goods_reported_received), so no activity waits for the parcel itself. The Protocol's
    other operations are posted as adapters/http/operations.py describes."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.service = Service("warehouse", base_url, timeout=timeout, transport=transport)

    async def return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        status = await self.service.post("receipt-queries", query, ReceiptStatus)
        mismatch("warehouse", booking=(query.booking.booking_id, status.booking_id))
        return status

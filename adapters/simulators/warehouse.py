from __future__ import annotations

from adapters.simulators.pushes import Announced
from adapters.simulators.scenario import FaultInjector, SimulatorConfig
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


class WarehouseSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "warehouse")
        self.announced = Announced()

    async def return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        """Stateless: the answer follows from the booking time, the scenario and as_of,
        so it holds on a skipped clock and across worker restarts."""
        booking = query.booking
        await self.faults.call("return_receipt", f"{booking.booking_id}@{query.as_of.isoformat()}")
        scenario = self.config.scenario(booking.order_id)
        if scenario.parcel_lost:
            return ReceiptStatus(
                booking_id=booking.booking_id, received=False, lost=True, note="parcel lost in transit"
            )
        after = scenario.receive_after or self.config.default_receive_after
        arrives = booking.booked_at + after.plain
        if query.as_of >= arrives:
            return ReceiptStatus(booking_id=booking.booking_id, received=True, received_at=arrives)
        return ReceiptStatus(booking_id=booking.booking_id, received=False)

    async def shipment_check(self, query: ShipmentQuery) -> ShipmentCheck:
        await self.faults.call("shipment_check", query.case_id)
        scenario = self.config.scenario(query.order_id)
        return ShipmentCheck(order_id=query.order_id, split=scenario.split_shipment, short_lines=scenario.short_lines)

    async def barcode_check(self, query: BarcodeQuery) -> BarcodeCheck:
        await self.faults.call("barcode_check", query.case_id)
        scenario = self.config.scenario(query.order_id)
        return BarcodeCheck(
            barcode=query.barcode,
            product_sku=query.sku if scenario.barcode_matches_received else f"OTHER-{query.barcode}",
            matches_received=scenario.barcode_matches_received,
            has_gift=scenario.barcode_has_gift,
        )

    # -- held orders, shipment tracking, reships and the daily sweeps (processes-a) --

    async def request_backfill(self, request: BackfillRequest) -> BackfillTicket:
        await self.faults.call("request_backfill", request.case_id)
        after = self.config.scenario(request.order_id).backfill_after
        if after is not None:
            self.announced.once("warehouse", "backfill-arrived", request.case_id, request.requested_at + after.plain)
        return BackfillTicket(
            ticket_id=f"BF-{request.case_id}",
            case_id=request.case_id,
            order_id=request.order_id,
            requested_at=request.requested_at,
        )

    async def stock_status(self, query: StockQuery) -> StockStatus:
        """Stateless: stock arrives backfill_after the request, or never."""
        ticket = query.ticket
        await self.faults.call("stock_status", f"{ticket.ticket_id}@{query.as_of.isoformat()}")
        after = self.config.scenario(ticket.order_id).backfill_after
        arrives = None if after is None else ticket.requested_at + after.plain
        if arrives is not None and query.as_of >= arrives:
            return StockStatus(order_id=ticket.order_id, available=True, arrived_at=arrives)
        return StockStatus(order_id=ticket.order_id, available=False)

    async def dispatch_order(self, request: DispatchRequest) -> DispatchReceipt:
        await self.faults.call("dispatch_order", request.case_id)
        return DispatchReceipt(
            dispatch_id=f"DS-{request.case_id}", order_id=request.order_id, dispatched_at=request.as_of
        )

    async def dispatch_status(self, query: DispatchQuery) -> DispatchStatus:
        """Stateless: the order leaves ship_after it was placed, or not yet."""
        await self.faults.call("dispatch_status", f"{query.case_id}@{query.as_of.isoformat()}")
        scenario = self.config.scenario(query.order_id)
        shipped_at = None if scenario.ship_after is None else query.placed_at + scenario.ship_after.plain
        if shipped_at is not None and query.as_of >= shipped_at:
            return DispatchStatus(order_id=query.order_id, shipped=True, shipped_at=shipped_at, can_still_ship=False)
        if shipped_at is not None:
            self.announced.once("warehouse", "dispatched", query.case_id, shipped_at)
        return DispatchStatus(order_id=query.order_id, shipped=False, can_still_ship=scenario.original_can_ship)

    async def late_orders(self, query: LateOrderQuery) -> LateOrders:
        """The order source's export: orders placed in the window and, as of query.as_of,
        still "merchant processing" (unshipped) or flagged oversold."""
        await self.faults.call("late_orders", f"{query.kind}@{query.as_of.isoformat()}")
        found = []
        for order in self.config.orders:
            if order.paid_at is None or not query.placed_from <= order.paid_at < query.placed_until:
                continue
            scenario = self.config.scenario(order.order_id)
            if query.kind == "oversold":
                late = scenario.oversold
            else:
                late = not scenario.oversold and (
                    scenario.ship_after is None or order.paid_at + scenario.ship_after.plain > query.as_of
                )
            if late:
                found.append(order)
        return LateOrders(orders=tuple(found))

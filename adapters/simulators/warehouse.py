from __future__ import annotations

from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.external import ReceiptQuery, ReceiptStatus
from domain.findings import BarcodeCheck, BarcodeQuery, ShipmentCheck, ShipmentQuery


class WarehouseSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "warehouse")

    async def return_receipt(self, query: ReceiptQuery) -> ReceiptStatus:
        """Stateless: the answer follows from the booking time, the scenario and as_of,
        so it holds on a skipped clock and across worker restarts."""
        booking = query.booking
        await self.faults.call("return_receipt", f"{booking.booking_id}@{query.as_of.isoformat()}")
        scenario = self.config.scenario(booking.order_id)
        if scenario.parcel_lost:
            return ReceiptStatus(booking_id=booking.booking_id, received=False, lost=True, note="parcel lost in transit")
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
            barcode=query.barcode, product_sku=query.sku if scenario.barcode_matches_received else f"OTHER-{query.barcode}",
            matches_received=scenario.barcode_matches_received, has_gift=scenario.barcode_has_gift,
        )

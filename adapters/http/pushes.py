"""Which signal each outside system's push becomes (push first, issue 14). A push only
wakes the case's wait on that system: the workflow then asks the system itself, so a
lost, repeated or forged push costs nothing but a poll. The webhooks app takes its
routes from here; authentication stays with the webhooks app."""

from __future__ import annotations

from domain.handlers import SignalName

# (system, event) -> the signal the waiting case workflow takes it as
PUSHES: dict[tuple[str, str], SignalName] = {
    ("warehouse", "goods-received"): SignalName.GOODS_REPORTED_RECEIVED,  # ReturnRefund, ManualRefund
    ("warehouse", "backfill-arrived"): SignalName.STOCK_REPORTED,  # HeldOrder
    ("warehouse", "dispatched"): SignalName.DISPATCH_REPORTED,  # ShipmentTracking
    ("platform", "oversold-answered"): SignalName.OVERSOLD_ANSWER_REPORTED,  # Oversold
    ("courier", "delivery-status"): SignalName.DELIVERY_STATUS_REPORTED,  # ShippedNotSigned: signed, lost, nobody home
    # the courier's pickup: the parcel lost on its way back ends the wait for the goods as the receipt does
    ("courier", "pickup-lost"): SignalName.GOODS_REPORTED_RECEIVED,  # ReturnRefund, ManualRefund
}


def signal_for(system: str, event: str) -> SignalName | None:
    return PUSHES.get((system, event))

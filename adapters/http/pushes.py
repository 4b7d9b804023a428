"""Which signal each outside system's push becomes (push first, issue 14). A push only
wakes the case's wait on that system: the workflow then asks the system itself, so a
lost, repeated or forged push costs nothing but a poll. The webhooks app takes its
routes from here; authentication stays with the webhooks app."""
from __future__ import annotations

# (system, event) -> the signal the waiting case workflow takes it as
PUSHES: dict[tuple[str, str], str] = {
    ("warehouse", "goods-received"): "goods_reported_received",  # ReturnRefund, ManualRefund
    ("warehouse", "backfill-arrived"): "stock_reported",  # HeldOrder
    ("warehouse", "dispatched"): "dispatch_reported",  # ShipmentTracking
    ("platform", "oversold-answered"): "oversold_answer_reported",  # Oversold
    ("courier", "delivery-status"): "delivery_status_reported",  # ShippedNotSigned: signed, lost, nobody home
    # the courier's pickup: the parcel lost on its way back ends the wait for the goods as the receipt does
    ("courier", "pickup-lost"): "goods_reported_received",  # ReturnRefund, ManualRefund
}


def signal_for(system: str, event: str) -> str | None:
    return PUSHES.get((system, event))

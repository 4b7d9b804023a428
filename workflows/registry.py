"""Every case workflow the worker runs. A new case kind adds its class here."""

from __future__ import annotations

from workflows.abnormal_sign_off import AbnormalSignOff
from workflows.agent_complaint import AgentComplaint
from workflows.complaint import Complaint
from workflows.damaged_goods import DamagedGoods
from workflows.held_order import HeldOrder
from workflows.invoice import Invoice
from workflows.manual_refund import ManualRefund
from workflows.missing_item import MissingItem
from workflows.oversold import Oversold
from workflows.price_dispute import PriceDispute
from workflows.refusal import Refusal
from workflows.reship import Reship
from workflows.return_refund import ReturnRefund
from workflows.shipment_tracking import ShipmentTracking
from workflows.shipped_not_signed import ShippedNotSigned
from workflows.sweeps import DailyCompletionReport, DailySweep
from workflows.wrong_item import WrongItem

WORKFLOWS: list[type] = [ReturnRefund]
WORKFLOWS += [ManualRefund, Reship]
WORKFLOWS += [
    Invoice,
    PriceDispute,
    AbnormalSignOff,
    ShippedNotSigned,
    MissingItem,
    DamagedGoods,
    WrongItem,
]  # processes-b
WORKFLOWS += [Complaint, AgentComplaint]  # complaints
WORKFLOWS += [HeldOrder, Refusal, ShipmentTracking, Oversold, DailySweep, DailyCompletionReport]  # processes-a

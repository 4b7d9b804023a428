"""Every case workflow the worker runs. A new case kind adds its class here."""
from __future__ import annotations

from workflows.held_order import HeldOrder
from workflows.manual_refund import ManualRefund
from workflows.oversold import Oversold
from workflows.refusal import Refusal
from workflows.shipment_tracking import ShipmentTracking
from workflows.sweeps import DailyCompletionReport, DailySweep
from workflows.reship import Reship
from workflows.invoice import Invoice
from workflows.price_dispute import PriceDispute
from workflows.abnormal_sign_off import AbnormalSignOff
from workflows.shipped_not_signed import ShippedNotSigned
from workflows.missing_item import MissingItem
from workflows.damaged_goods import DamagedGoods
from workflows.wrong_item import WrongItem
from workflows.return_refund import ReturnRefund
from workflows.agent_complaint import AgentComplaint
from workflows.complaint import Complaint

WORKFLOWS: list[type] = [ReturnRefund]
WORKFLOWS += [ManualRefund, Reship]
WORKFLOWS += [Invoice, PriceDispute, AbnormalSignOff, ShippedNotSigned, MissingItem, DamagedGoods, WrongItem]  # processes-b
WORKFLOWS += [Complaint, AgentComplaint]  # complaints
WORKFLOWS += [HeldOrder, Refusal, ShipmentTracking, Oversold, DailySweep, DailyCompletionReport]  # processes-a

"""Requests to and answers from the warehouse and the marketplace platform about
getting an order out of the door: stock, backfill, dispatch, oversold checks, reships,
and the order source's list of late orders for the daily sweeps."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from domain.models import Contract, LineQuantity, Order, OutsideQuery


class BackfillRequest(Contract):
    case_id: str
    order_id: str
    lines: tuple[LineQuantity, ...] = ()
    requested_at: datetime


class BackfillTicket(Contract):
    ticket_id: str
    case_id: str
    order_id: str
    requested_at: datetime


class StockQuery(OutsideQuery):
    ticket: BackfillTicket


class StockStatus(Contract):
    order_id: str
    available: bool
    arrived_at: datetime | None = None


class DispatchRequest(Contract):
    case_id: str
    order_id: str
    lines: tuple[LineQuantity, ...] = ()
    as_of: datetime
    batch: str = Field(default="next", description="the warehouse batch the order joins")


class DispatchReceipt(Contract):
    dispatch_id: str
    order_id: str
    dispatched_at: datetime


class DispatchQuery(OutsideQuery):
    case_id: str
    order_id: str
    placed_at: datetime


class DispatchStatus(Contract):
    order_id: str
    shipped: bool
    shipped_at: datetime | None = None
    can_still_ship: bool = Field(description="the warehouse could still send the original order")


class OversoldCheck(OutsideQuery):
    case_id: str
    order_id: str
    asked_at: datetime


class OversoldAnswer(Contract):
    order_id: str
    answered: bool
    can_ship: bool | None = None


class ReshipOrderRequest(Contract):
    case_id: str
    order_id: str
    lines: tuple[LineQuantity, ...] = ()
    paid_by: Literal["platform"] = "platform"
    as_of: datetime


class ReshipOrder(Contract):
    reship_order_id: str
    order_id: str
    paid_by: str
    paid_at: datetime


class CloseOrderRequest(Contract):
    case_id: str
    order_id: str
    closed_as: str


LateKind = Literal["unshipped", "oversold"]


class LateOrderQuery(Contract):
    kind: LateKind
    placed_from: datetime
    placed_until: datetime
    as_of: datetime


class LateOrders(Contract):
    orders: tuple[Order, ...] = ()

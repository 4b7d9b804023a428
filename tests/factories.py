"""Test data: realistic orders and case headers."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timezone

from domain.actors import ActorRef, Role
from domain.models import CaseHeader, CaseKind, Order, OrderLine, order_for_case
from domain.policy import Policy, named_policy
from runtime.keys import load_keyring

DEFAULT_POLICY: Policy = named_policy("default")

# The people the process tests speak as.
CUSTOMER = ActorRef(actor_id="cust-1", role=Role.CUSTOMER)
OTHER_CUSTOMER = ActorRef(actor_id="cust-2", role=Role.CUSTOMER)
FIRST_LINE = ActorRef(actor_id="li.first", role=Role.FIRST_LINE)
SECOND_LINE = ActorRef(actor_id="wang.second", role=Role.SECOND_LINE)
PLATFORM = ActorRef(actor_id="tmall.ops", role=Role.PLATFORM)
INVOICE_SPECIALIST = ActorRef(actor_id="chen.invoice", role=Role.INVOICE_SPECIALIST)
SUPERVISOR = ActorRef(actor_id="zhou.ops", role=Role.OPERATIONS_SUPERVISOR)
REFUND_SPECIALIST = ActorRef(actor_id="sun.refund", role=Role.REFUND_SPECIALIST)


def order(
    order_id: str | None = None,
    *,
    paid_fen: int | None = None,
    trade_completed: bool = False,
    lines: tuple[OrderLine, ...] | None = None,
    paid: bool = True,
    customer_id: str = "cust-1",
) -> Order:
    lines = lines or (
        OrderLine(sku="MILK-1L", name="Whole milk 1L", unit_price_fen=1590, quantity=4),
        OrderLine(sku="RICE-5KG", name="Jasmine rice 5kg", unit_price_fen=6990, quantity=1),
    )
    total = sum(line.unit_price_fen * line.quantity for line in lines)
    return Order(
        order_id=order_id or f"O-{uuid.uuid4().hex[:10]}",
        customer_id=customer_id,
        lines=lines,
        paid_fen=total if paid_fen is None else paid_fen,
        paid_at=datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc) if paid else None,
        trade_completed=trade_completed,
        paying_account="alipay:13812345678",
        phone="13812345678",
        address="上海市浦东新区世纪大道100号",
    )


@functools.cache
def secret() -> bytes:
    """The tests' pseudonym secret (tests/keys.json, set by conftest)."""
    return load_keyring().pseudonym_secret


def header(
    kind: CaseKind,
    the_order: Order | None = None,
    *,
    case_id: str | None = None,
    opened_by: str = "cust-1",
    reason: str = "",
) -> CaseHeader:
    the_order = the_order or order()
    return CaseHeader(
        case_id=case_id or f"T-{uuid.uuid4().hex[:12]}",
        kind=kind,
        order=order_for_case(the_order, secret()),
        customer_id=the_order.customer_id,
        opened_by=opened_by,
        reason=reason,
    )

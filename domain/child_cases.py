"""Which refund a case process starts as its child (§4.4, §4.8, §4.9, §4.10): a normal
return while the trade is open and whole lines come back; a manual refund for a
completed trade or part of a line's quantity, which the platform's return button
cannot express."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import Field

from domain.manual_refund import Payee
from domain.models import CaseHeader, Contract, LineQuantity, Order
from domain.problems import Code, Problem
from domain.replies import Reply, customer_problem


class RefundRoute(StrEnum):
    RETURN_REFUND = "ReturnRefund"
    MANUAL_REFUND = "ManualRefund"


def partial_quantity(order: Order, lines: tuple[LineQuantity, ...]) -> bool:
    return any(lq.quantity < order.line(lq.sku).quantity for lq in lines)


def refund_route(order: Order, lines: tuple[LineQuantity, ...]) -> RefundRoute:
    if order.trade_completed or partial_quantity(order, lines):
        return RefundRoute.MANUAL_REFUND
    return RefundRoute.RETURN_REFUND


CASE_ID_MAX = 80


def child_case_id(case_id: str, step: str) -> str:
    """A child's case id derived from its parent's, so a retried start finds the same child.
    Never longer than a case id may be: a long parent id (a grandchild's) is shortened
    and made unique again by a digest of the whole."""
    whole = f"{case_id}-{step}"
    if len(whole) <= CASE_ID_MAX:
        return whole
    digest = hashlib.sha256(case_id.encode()).hexdigest()[:8]
    keep = CASE_ID_MAX - len(step) - len(digest) - 2
    return f"{case_id[:keep]}.{digest}-{step}"


# A refund child ended in one of these: the money went out (ReturnRefund or ManualRefund).
PAID_OUTCOMES = ("refunded", "advance_compensated", "paid", "refunded_instead")


class CaseResult(Contract):
    """What a case process of §4.2–§4.8 returns: how it ended and what it handed out."""

    case_id: str
    outcome: str
    refund_fen: int = 0
    compensation_fen: int = 0
    children: tuple[str, ...] = Field(default=(), description="workflow ids of the refunds and reships it started")


class PayeeDetails(Reply):
    """The customer's payment account, account id and real name for a manual refund (§4.9)."""

    payee: Payee


def payee_problem(details: PayeeDetails, case: CaseHeader, *, asked: bool) -> Problem | None:
    problem = customer_problem(details.by, case)
    if problem:
        return problem
    if not asked:
        return Problem(Code.NOT_ASKED, "no payment details are being asked for now")
    return None

"""Scripted people for the bench: for each case kind, what a case's input looks like
and how the customer, specialist or supervisor answers it, as a realistic mix.

A kind registered in domain.kinds without a driver here is left out of the mix and
reported as undriven; adding a driver is one class and one entry in DRIVERS."""
from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from pydantic import BaseModel
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from bench.inbox import Inbox
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.kinds import KINDS
from domain.models import CaseHeader, CaseKind, Order, OrderLine
from domain.policy import Policy
from domain.returns import ReturnOrigin, ReturnRefundInput, ReviewDecision

# The people's part of a case: given its handle and what they can see (the Inbox).
Answer = Callable[[WorkflowHandle, Inbox], Awaitable[None]]


async def no_answer(_: WorkflowHandle, __: Inbox) -> None:
    return None


@dataclass(frozen=True)
class Case:
    kind: str
    workflow: str
    input: Any
    workflow_id: str
    answer: Answer = no_answer


class Driver(Protocol):
    kind: CaseKind

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case: ...


# How often each kind comes in, per 100 cases, in a supermarket's after-sales.
WEIGHTS: dict[CaseKind, int] = {
    CaseKind.RETURN_REFUND: 22, CaseKind.SHIPMENT_TRACKING: 12, CaseKind.MISSING_ITEM: 10,
    CaseKind.DAMAGED_GOODS: 8, CaseKind.HELD_ORDER: 8, CaseKind.WRONG_ITEM: 6, CaseKind.SHIPPED_NOT_SIGNED: 6,
    CaseKind.INVOICE: 6, CaseKind.PRICE_DISPUTE: 5, CaseKind.MANUAL_REFUND: 4, CaseKind.RESHIP: 3,
    CaseKind.REFUSAL: 3, CaseKind.COMPLAINT: 3, CaseKind.OVERSOLD: 2, CaseKind.ABNORMAL_SIGN_OFF: 1,
    CaseKind.AGENT_COMPLAINT: 1,
}


def bench_order(n: int, *, paid: bool = True, shipped_at: datetime | None = None) -> Order:
    lines = (
        OrderLine(sku="MILK-1L", name="Whole milk 1L", unit_price_fen=1590, quantity=1 + n % 4),
        OrderLine(sku="RICE-5KG", name="Jasmine rice 5kg", unit_price_fen=6990, quantity=1),
        OrderLine(sku="EGGS-12", name="Free-range eggs x12", unit_price_fen=2490, quantity=1 + n % 2),
    )
    total = sum(line.unit_price_fen * line.quantity for line in lines)
    return Order(
        order_id=f"BO-{n:06d}-{uuid.uuid4().hex[:6]}", customer_id=f"bench-cust-{n % 997}", lines=lines,
        paid_fen=total, paid_at=datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc) if paid else None,
        shipped_at=shipped_at, paying_account=f"alipay:bench-{n % 997}", phone="13800000000", address="bench address",
    )


def bench_header(kind: CaseKind, n: int, order: Order | None = None) -> CaseHeader:
    order = order or bench_order(n)
    prefix = KINDS[kind].id_prefix if kind in KINDS else "C"
    return CaseHeader(case_id=f"{prefix}-B{n:06d}-{uuid.uuid4().hex[:8]}", kind=kind, order=order,
                      customer_id=order.customer_id, opened_by=order.customer_id, reason="bench")


class ReturnRefundDriver:
    """60% approved with pickup, 25% approved without, 10% rejected, 5% refused parcels."""
    kind = CaseKind.RETURN_REFUND
    reviewer = ActorRef(actor_id="bench.returns", role=Role.RETURN_SPECIALIST)

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        slot = n % 20
        origin = ReturnOrigin.PARCEL_REFUSED if slot == 19 and answered else ReturnOrigin.CUSTOMER_REQUEST
        header = bench_header(self.kind, n)
        inp = ReturnRefundInput(case=header, policy=policy, origin=origin)
        if origin == ReturnOrigin.PARCEL_REFUSED or not answered:
            return Case(self.kind.value, "ReturnRefund", inp, header.workflow_id)
        if slot < 12:
            decision = ReviewDecision(reviewer=self.reviewer, approve=True, pickup=True)
        elif slot < 17:
            decision = ReviewDecision(reviewer=self.reviewer, approve=True, pickup=False)
        else:
            decision = ReviewDecision(reviewer=self.reviewer, approve=False, reason="opened food cannot be returned")

        async def review(handle: WorkflowHandle, inbox: Inbox) -> None:
            await inbox.wait(header.case_id, "review_requested")
            await handle.execute_update("review", decision)

        return Case(self.kind.value, "ReturnRefund", inp, header.workflow_id, review)


async def approve_everything(handle: WorkflowHandle, inbox: Inbox, case_id: str) -> None:
    """The supervisors: each approval the case asks for is granted by the first of its
    roles whose authority covers it, a different person each time (second checks)."""
    asked = 0
    while True:
        asked += 1
        detail = await inbox.wait_nth(case_id, "approval_requested", asked)
        for role in reversed(detail.get("roles") or [Role.SECOND_LINE.value]):
            decision = ApprovalDecision(approval_id=detail["approval_id"],
                                        approver=ActorRef(actor_id=f"bench.{role}.{asked}", role=Role(role)), approve=True)
            try:
                await handle.execute_update("decide", decision)
                break
            except WorkflowUpdateFailedError:
                continue


class ApprovingDriver:
    """A kind whose only people are approvers: its input is the case plus `extra`."""

    def __init__(self, kind: CaseKind, extra: Callable[[int, Order], dict[str, Any]] = lambda n, o: {}):
        self.kind, self.extra = kind, extra

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        spec = KINDS[self.kind]
        header = bench_header(self.kind, n)
        inp = spec.input_model(case=header, policy=policy, **self.extra(n, header.order))

        async def approve(handle: WorkflowHandle, inbox: Inbox) -> None:
            await approve_everything(handle, inbox, header.case_id)

        return Case(self.kind.value, spec.workflow, inp, header.workflow_id, approve if answered else no_answer)


DRIVERS: dict[CaseKind, Driver] = {d.kind: d for d in [
    ReturnRefundDriver(),
    ApprovingDriver(CaseKind.SHIPMENT_TRACKING),
    ApprovingDriver(CaseKind.OVERSOLD),
    ApprovingDriver(CaseKind.RESHIP, lambda n, o: {"cause": ("lost_in_transit", "damaged_in_transit", "oversold")[n % 3]}),
    ApprovingDriver(CaseKind.REFUSAL, lambda n, o: {"how": "customer_refused"}),
]}


def driven_kinds() -> list[CaseKind]:
    return [k for k in KINDS if k in DRIVERS]


def undriven_kinds() -> list[str]:
    return sorted(k.value for k in KINDS if k not in DRIVERS)


def mix(count: int, policy: Policy, *, seed: int = 7, answered: bool = True,
        kinds: list[CaseKind] | None = None) -> list[Case]:
    """`count` cases of every driven kind, drawn by WEIGHTS with a fixed seed."""
    kinds = kinds or driven_kinds()
    rng = random.Random(seed)
    weights = [WEIGHTS.get(k, 1) for k in kinds]
    picks = rng.choices(kinds, weights=weights, k=count)
    return [DRIVERS[k].case(n, policy, answered=answered) for n, k in enumerate(picks)]


def input_size(model: BaseModel) -> int:
    return len(model.model_dump_json())

"""What the bench's drivers share: a case as the bench runs it, the bench's orders and
headers, and the people who answer for more than one kind — the approvers, and the
customer and the two checkers of a refund a case hands to a child."""
from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from adapters.simulators.scenario import Scenario
from bench.inbox import Inbox
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.kinds import KINDS
from domain.manual_refund import Payee
from domain.models import CaseHeader, CaseKind, Order, OrderLine, order_for_case, workflow_id_for
from runtime.keys import load_keyring
from domain.policy import Policy
from domain.remedies import PayeeDetails, RefundRoute
from domain.timeline import Entry
from workflows.case_workflow import CaseWorkflow
from workflows.remedies import RemedyCase

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
    # What the simulators should do for this case's order; None: their defaults. Only
    # applied where the run passes drivers.simulator_config(...) to the worker.
    scenario: Scenario | None = None


class Driver(Protocol):
    kind: CaseKind

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case: ...


PAID_AT = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
GIFT = OrderLine(sku="GIFT-TOTE", name="Tote bag (gift)", unit_price_fen=0, quantity=1, gift=True)


def bench_order(n: int, *, paid: bool = True, shipped_at: datetime | None = None, trade_completed: bool = False,
                gift: bool = False) -> Order:
    """Milk (1-4, by n), rice (1) and eggs (1-2, by n): whenever n % 4 != 0 some line has
    more than one unit, so part of a line can be refunded (a manual refund)."""
    lines = (
        OrderLine(sku="MILK-1L", name="Whole milk 1L", unit_price_fen=1590, quantity=1 + n % 4),
        OrderLine(sku="RICE-5KG", name="Jasmine rice 5kg", unit_price_fen=6990, quantity=1),
        OrderLine(sku="EGGS-12", name="Free-range eggs x12", unit_price_fen=2490, quantity=1 + n % 2),
        *((GIFT,) if gift else ()),
    )
    total = sum(line.unit_price_fen * line.quantity for line in lines)
    return Order(
        order_id=f"BO-{n:06d}-{uuid.uuid4().hex[:6]}", customer_id=f"bench-cust-{n % 997}", lines=lines,
        paid_fen=total, paid_at=PAID_AT if paid else None, trade_completed=trade_completed,
        shipped_at=shipped_at, paying_account=f"alipay:bench-{n % 997}", phone="13800000000", address="bench address",
    )


@functools.cache
def _pseudonym_secret() -> bytes:
    return load_keyring().pseudonym_secret


def bench_header(kind: CaseKind, n: int, order: Order | None = None) -> CaseHeader:
    order = order or bench_order(n)
    prefix = KINDS[kind].id_prefix if kind in KINDS else "C"
    return CaseHeader(case_id=f"{prefix}-B{n:06d}-{uuid.uuid4().hex[:8]}", kind=kind,
                      order=order_for_case(order, _pseudonym_secret()),
                      customer_id=order.customer_id, opened_by=order.customer_id, reason="bench")


def customer(header: CaseHeader) -> ActorRef:
    return ActorRef(actor_id=header.customer_id, role=Role.CUSTOMER)


def bench_payee(n: int) -> Payee:
    return Payee(payment_account="alipay", account_id=f"bench-{n % 997}@example.com", real_name="Bench Customer")


def case_for(kind: CaseKind, inp: Any, answer: Answer, answered: bool, scenario: Scenario | None = None) -> Case:
    """The case of `inp`; with answered=False nobody answers it (the bench's open cases)."""
    return Case(kind.value, KINDS[kind].workflow, inp, inp.case.workflow_id, answer if answered else no_answer,
                scenario)


async def answer_approval(handle: WorkflowHandle, detail: dict[str, Any], nth: int, *, approve: bool = True,
                          note: str = "") -> bool:
    """Decide the approval request `detail` (an `approval_requested` entry); True if granted.
    Granted by the first of its roles whose authority covers it, a different person for
    each request (second checks); refused with `note`, or when no role may grant it: an
    approver beyond their authority says no and the case escalates, rather than let it
    time out into a breach."""
    roles = [Role(r) for r in detail.get("roles") or [Role.SECOND_LINE.value]]

    def decision(role: Role, yes: bool, why: str = "") -> ApprovalDecision:
        return ApprovalDecision(approval_id=detail["approval_id"], approve=yes, note=why,
                                approver=ActorRef(actor_id=f"bench.{role.value}.{nth}", role=role))

    if approve:
        for role in reversed(roles):
            try:
                await handle.execute_update(CaseWorkflow.decide, decision(role, True))
                return True
            except WorkflowUpdateFailedError:
                continue
        note = note or "beyond my authority: passed up"
    await handle.execute_update(CaseWorkflow.decide, decision(roles[0], False, note or "declined"))
    return False


async def decide(handle: WorkflowHandle, inbox: Inbox, case_id: str, nth: int, *, approve: bool = True,
                 note: str = "") -> bool:
    """The approvers' answer to the case's nth approval request, once it is asked."""
    detail = await inbox.wait_nth(case_id, Entry.APPROVAL_REQUESTED, nth)
    return await answer_approval(handle, detail, nth, approve=approve, note=note)


async def approve_everything(handle: WorkflowHandle, inbox: Inbox, case_id: str) -> None:
    """The supervisors: each approval the case asks for is granted by the first of its
    roles whose authority covers it, a different person each time (second checks), or
    refused when none may grant it."""
    asked = 0
    while True:
        asked += 1
        await decide(handle, inbox, case_id, asked)


def child_of(handle: WorkflowHandle, workflow_id: str) -> tuple[WorkflowHandle, str]:
    """A child case's handle and case id, from the workflow id its parent recorded."""
    # An Answer is given its own case's handle only; a child case is a workflow of its
    # own, reached through the same client.
    child = handle._client.get_workflow_handle(workflow_id)  # noqa: SLF001
    return child, workflow_id.removeprefix(workflow_id_for(""))


async def refund_people(handle: WorkflowHandle, inbox: Inbox, case_id: str, who: ActorRef, payee: Payee) -> None:
    """The people of a refund the case hands to a child: the customer's payment details
    if the case asks for them, then a manual refund's review and second check. A normal
    return needs nobody: the parent case has reviewed it."""
    kind, detail = await inbox.wait_any(case_id, Entry.PAYEE_REQUESTED, Entry.REFUND_STARTED, Entry.NOTHING_TO_REFUND)
    if kind == Entry.PAYEE_REQUESTED:
        await handle.execute_update(RemedyCase.provide_payee, PayeeDetails(by=who, payee=payee))
        kind, detail = await inbox.wait_any(case_id, Entry.REFUND_STARTED, Entry.REFUND_NOT_STARTED)
    if kind == Entry.REFUND_STARTED and detail.get("route") == RefundRoute.MANUAL_REFUND.value:
        child, child_case = child_of(handle, detail["child"])
        for nth in (1, 2):
            await decide(child, inbox, child_case, nth)

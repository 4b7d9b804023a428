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

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError

from adapters.simulators.scenario import Scenario
from bench.inbox import Inbox
from domain.actors import ActorRef, Role
from domain.manual_refund import Payee
from domain.models import CaseHeader, CaseKind, Order, OrderLine, order_for_case, workflow_id_for
from domain.policy import Policy
from domain.timeline import Entry
from people.desk import Refused
from runtime.keys import load_keyring
from service.catalogue import KINDS

# The people's part of a case: given its handle, what they can see (the Inbox) and the
# client the bench runs on (a case handed to a child is answered on the child's handle).
Answer = Callable[[WorkflowHandle, Inbox, Client], Awaitable[None]]


async def no_answer(_: WorkflowHandle, __: Inbox, ___: Client) -> None:
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


def bench_order(
    n: int, *, paid: bool = True, shipped_at: datetime | None = None, trade_completed: bool = False, gift: bool = False
) -> Order:
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
        order_id=f"BO-{n:06d}-{uuid.uuid4().hex[:6]}",
        customer_id=f"bench-cust-{n % 997}",
        lines=lines,
        paid_fen=total,
        paid_at=PAID_AT if paid else None,
        trade_completed=trade_completed,
        shipped_at=shipped_at,
        paying_account=f"alipay:bench-{n % 997}",
        phone="13800000000",
        address="bench address",
    )


@functools.cache
def _pseudonym_secret() -> bytes:
    return load_keyring().pseudonym_secret


def bench_header(kind: CaseKind, n: int, order: Order | None = None) -> CaseHeader:
    order = order or bench_order(n)
    prefix = KINDS[kind].id_prefix if kind in KINDS else "C"
    return CaseHeader(
        case_id=f"{prefix}-B{n:06d}-{uuid.uuid4().hex[:8]}",
        kind=kind,
        order=order_for_case(order, _pseudonym_secret()),
        customer_id=order.customer_id,
        opened_by=order.customer_id,
        reason="bench",
    )


def customer(header: CaseHeader) -> ActorRef:
    return ActorRef(actor_id=header.customer_id, role=Role.CUSTOMER)


def bench_payee(n: int) -> Payee:
    return Payee(payment_account="alipay", account_id=f"bench-{n % 997}@example.com", real_name="Bench Customer")


def case_for(kind: CaseKind, inp: Any, answer: Answer, answered: bool, scenario: Scenario | None = None) -> Case:
    """The case of `inp`; with answered=False nobody answers it (the bench's open cases)."""
    return Case(
        kind.value, KINDS[kind].workflow, inp, inp.case.workflow_id, answer if answered else no_answer, scenario
    )


# Every answer's handler by its catalogue name (one handler per name across the kinds).
HANDLERS = {name: a.handler for spec in KINDS.values() for name, a in spec.answers.items()}


@dataclass(frozen=True)
class BenchDesk:
    """The people's desk on the bench (people/desk.py): the store's timelines through the
    Inbox, answers as Updates through the bench's Client, approvers named per request."""

    inbox: Inbox
    client: Client

    async def wait(self, case_id: str, entry: Entry) -> dict[str, Any]:
        return await self.inbox.wait(case_id, entry)

    async def wait_nth(self, case_id: str, entry: Entry, nth: int) -> dict[str, Any]:
        return await self.inbox.wait_nth(case_id, entry, nth)

    async def wait_any(self, case_id: str, *entries: Entry) -> tuple[Entry, dict[str, Any]]:
        return await self.inbox.wait_any(case_id, *entries)

    async def answer(self, case_id: str, name: str, payload: BaseModel) -> None:
        handle = self.client.get_workflow_handle(workflow_id_for(case_id))
        try:
            await handle.execute_update(HANDLERS[name], payload)
        except WorkflowUpdateFailedError as e:
            raise Refused(str(e.cause)) from e

    def person(self, role: Role, nth: int) -> ActorRef:
        return ActorRef(actor_id=f"bench.{role.value}.{nth}", role=role)

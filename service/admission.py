"""Whether a fully built case may start, beyond who opens it (domain/permissions.py and
domain/opening.py): whether its order still has money to give back (the order's ledger),
and whether a chosen case id could collide with a child's. Read-only: a refused case
leaves nothing behind."""

from __future__ import annotations

from domain.ledger import PURSE, Purse, refundable_problem
from domain.manual_refund import ManualRefundInput, payment_kind
from domain.models import CaseInput
from domain.problems import Problem
from domain.refusal import RefusalInput
from domain.returns import ReturnRefundInput
from service.errors import Conflict
from store import CaseStore


def admit(store: CaseStore, inp: CaseInput, *, chosen_id: bool) -> None:
    """Raise Conflict saying why this case may not start; return when it may."""
    case = inp.case
    problem = money_problem(store, inp)
    if problem:
        raise Conflict(
            f"invalid {case.kind.value} case: {problem.message}", rule="open.nothing_left", code=problem.code
        )
    if chosen_id:
        clash = child_id_clash(store, case.case_id)
        if clash:
            raise Conflict(f"case id {case.case_id} is taken: {clash}", rule="open.case_id")


def money_problem(store: CaseStore, inp: CaseInput) -> Problem | None:
    """A case whose only purpose is money back is refused when the order has none left."""
    order = inp.case.order
    entries = store.ledger.entries(order.order_id)
    if isinstance(inp, ReturnRefundInput):
        return refundable_problem(order, entries, inp.lines)
    if isinstance(inp, ManualRefundInput) and PURSE[payment_kind(inp)] == Purse.ORDER:
        return refundable_problem(order, entries, inp.lines, amount_fen=inp.amount_fen)
    if isinstance(inp, RefusalInput) and order.paid:
        return refundable_problem(order, entries, ())
    return None


def child_id_clash(store: CaseStore, case_id: str) -> str | None:
    """Child cases are `<parent id>-<step>`: a chosen id may be neither a child's of an
    existing case nor the parent of an existing case's id."""
    for i, ch in enumerate(case_id):
        if ch == "-" and store.get_case(case_id[:i]) is not None:
            return f"it would be a child of case {case_id[:i]}"
    child = store.first_case_id_with_prefix(case_id + "-")
    if child:
        return f"case {child} would look like its child"
    return None

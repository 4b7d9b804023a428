"""Who may do what through the front door (issue 11): one pure table of role × action,
and the finer rules behind each action. The API asks here before it starts or sends
anything; the workflows' validators check role and authority again as a second line.

- open: domain/opening.py (kinds × origins), not repeated here;
- answer: which role gives which answer of `aftersales kinds`;
- decide: which roles decide approvals at all, then domain/approvals.py (role per request,
  cap per role, second checker, double decisions) for the approval at hand;
- read: customers read their own cases only (the API answers 404 for another's); a payee's
  account, account id and real name are masked for everyone but finance.

Every refusal names its rule (`Refusal.rule`), so a 403 says which rule refused it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.actors import Role
from domain.approvals import ApprovalDecision, ApprovalRequest, approval_problem, pending_problem
from domain.manual_refund import mask
from domain.models import CaseKind
from domain.opening import ORIGIN_PRODUCERS, REQUEST_OPENERS, Origin, opening_problem
from domain.policy import Policy
from domain.problems import Code


class Action(StrEnum):
    OPEN = "open"
    CHOOSE_POLICY = "choose_policy"  # open under a named policy (the demo's windows in seconds); not customers
    READ_CASES = "read_cases"  # list / show (a customer: own cases only)
    ANSWER = "answer"  # an Update or Signal of `aftersales kinds`
    DECIDE = "decide"  # an approval (the `decide` Update)
    READ_APPROVALS = "read_approvals"  # the approvals queue
    READ_CONTACT = "read_contact"  # §6: an order's phone and address
    CHANGE_CONTACT = "change_contact"
    READ_METRICS = "read_metrics"  # §7 metrics
    READ_REPORTS = "read_reports"  # the daily reports
    READ_AUDIT = "read_audit"  # the audit trail of the front door, and §6 privacy refusals
    RUN_SWEEP = "run_sweep"  # a daily sweep (09:00 tracking / 17:00 oversold export) now
    READ_PAYEE = "read_payee"  # a payee's account in the clear (§4.9: finance pays)
    READ_PAYLOADS = "read_payloads"  # workflow payloads decrypted (the codec server, for the Temporal UI)


@dataclass(frozen=True)
class Refusal:
    rule: str  # stable id of the rule that refused, e.g. "answer.role"
    reason: str


# Who gives each answer of service/catalogue.py (every answer is listed; a test checks it).
CUSTOMER_ONLY = (Role.CUSTOMER,)
ANSWERERS: dict[str, tuple[Role, ...]] = {
    "review": (Role.RETURN_SPECIALIST,),  # §4.10 (domain.returns.REVIEWER_ROLES)
    "assess": (Role.RETURN_SPECIALIST,),  # §4.9 (domain.manual_refund.ASSESSOR_ROLES)
    "goods_received": (Role.WAREHOUSE, Role.COURIER),  # a push: look at the receipt now
    "delivery_reported": (Role.COURIER,),  # a push: the delivery status changed
    "invoice_returned": (Role.INVOICE_SPECIALIST,),  # §4.2: the wrong invoice came back
    "follow_up": (Role.FIRST_LINE, Role.SECOND_LINE, Role.COMPLAINT_SPECIALIST),  # §4.12 return visit
    "contact": (Role.AGENT,),  # §5: the agent contacts the handler
    "appeal": (Role.AGENT,),  # §5: the agent appeals
    "invoice_delivered": CUSTOMER_ONLY,
    "payee": CUSTOMER_ONLY,
    "signer": CUSTOMER_ONLY,
    "delivery_time": CUSTOMER_ONLY,
    "offer": CUSTOMER_ONLY,
    "remedy": CUSTOMER_ONLY,
    "evidence": CUSTOMER_ONLY,
    "reply": CUSTOMER_ONLY,
    "choose": CUSTOMER_ONLY,
    "still_wants_goods": CUSTOMER_ONLY,
}

# Who decides approvals at all; which approval and how much is domain/approvals.py's.
DECIDERS = (
    Role.FIRST_LINE,
    Role.SECOND_LINE,
    Role.COMPLAINT_SPECIALIST,
    Role.OPERATIONS_SUPERVISOR,
    Role.REFUND_SPECIALIST,
    Role.PLATFORM,
)

_STAFF = (
    Role.FIRST_LINE,
    Role.SECOND_LINE,
    Role.RETURN_SPECIALIST,
    Role.REFUND_SPECIALIST,
    Role.INVOICE_SPECIALIST,
    Role.COMPLAINT_SPECIALIST,
    Role.OPERATIONS_SUPERVISOR,
    Role.FINANCE,
)
_PARTNERS = (Role.PLATFORM, Role.WAREHOUSE, Role.COURIER)


def _openers() -> frozenset[Role]:
    roles = {r for openers in REQUEST_OPENERS.values() for r in openers}
    return frozenset(roles | {r for producers in ORIGIN_PRODUCERS.values() for r in producers})


def _answerers() -> frozenset[Role]:
    return frozenset(r for roles in ANSWERERS.values() for r in roles)


def _table() -> dict[Role, frozenset[Action]]:
    table: dict[Role, set[Action]] = {role: set() for role in Role}
    for role in _openers():
        table[role].add(Action.OPEN)
        if role != Role.CUSTOMER:  # staff and partner systems may open under a named policy; customers get the shop's
            table[role].add(Action.CHOOSE_POLICY)
    for role in _answerers():
        table[role].add(Action.ANSWER)
    for role in DECIDERS:
        table[role] |= {Action.DECIDE, Action.READ_APPROVALS}
    for role in (*_STAFF, *_PARTNERS, Role.AGENT, Role.CUSTOMER):
        table[role].add(Action.READ_CASES)
    for role in _STAFF:
        table[role] |= {Action.READ_METRICS, Action.READ_REPORTS, Action.READ_APPROVALS}
    # who may read decrypted histories: they hold payees' references and customers' free text
    table[Role.OPERATIONS_SUPERVISOR] |= {Action.READ_AUDIT, Action.READ_PAYLOADS}
    for role in (Role.FIRST_LINE, Role.SECOND_LINE, Role.OPERATIONS_SUPERVISOR):  # who does the daily rhythm (S4)
        table[role].add(Action.RUN_SWEEP)
    table[Role.FINANCE].add(Action.READ_PAYEE)
    # §6: only the paying account reads or changes contact details; staff never do
    table[Role.CUSTOMER] |= {Action.READ_CONTACT, Action.CHANGE_CONTACT}
    # the engine itself acts inside the workflows; nothing from outside may claim it
    table[Role.SYSTEM] = set()
    return {role: frozenset(actions) for role, actions in table.items()}


PERMISSIONS: dict[Role, frozenset[Action]] = _table()


def allowed(role: Role, action: Action) -> bool:
    return action in PERMISSIONS[role]


def action_refusal(role: Role, action: Action) -> Refusal | None:
    if allowed(role, action):
        return None
    who = ", ".join(r.value for r in Role if action in PERMISSIONS[r]) or "nobody"
    return Refusal(f"{action.value}.role", f"{role.value} may not {action.value.replace('_', ' ')} (allowed: {who})")


def open_refusal(
    role: Role, kind: CaseKind, origin: Origin = Origin.REQUEST, *, own_order: bool = True
) -> Refusal | None:
    """domain/opening.py's table, as a refusal with its rule."""
    problem = opening_problem(role, kind, origin, own_order=own_order)
    if problem is None:
        return None
    rule = (
        "open.own_order"
        if not own_order and role == Role.CUSTOMER
        else ("open.origin" if origin != Origin.REQUEST else "open.kind")
    )
    return Refusal(rule, problem.message)


def answer_refusal(role: Role, answer: str) -> Refusal | None:
    if answer == "decide":
        return action_refusal(role, Action.DECIDE)
    roles = ANSWERERS.get(answer)
    if roles is None:
        return Refusal("answer.unknown", f"no answer {answer!r}")
    if role not in roles:
        return Refusal(
            "answer.role",
            f"{role.value} may not give the {answer} answer (given by: {', '.join(r.value for r in roles)})",
        )
    return None


def decide_refusal(
    pending: dict[str, ApprovalRequest],
    decision: ApprovalDecision,
    policy: Policy,
    decided: dict[str, ApprovalDecision] | None = None,
) -> Refusal | None:
    """The decision against the approval at hand: domain/approvals.py's rules. Only the
    ones about who decides are refusals (403); a missing or decided approval is the
    caller's state problem (409), see domain.approvals.pending_problem()."""
    refused = action_refusal(decision.approver.role, Action.DECIDE)
    if refused or pending_problem(pending, decision, decided):
        return refused
    problem = approval_problem(pending, decision, policy, decided)
    if problem is None:
        return None
    return Refusal(DECIDE_RULES.get(problem.code, "decide.authority"), problem.message)


# The rule each of approval_problem()'s codes refuses by; the rest are about authority.
DECIDE_RULES = {Code.WRONG_ROLE: "decide.role", Code.SAME_PERSON: "decide.two_person"}


PAYEE_FIELDS = ("payment_account", "account_id", "real_name")


def visible(role: Role, doc: Any) -> Any:
    """What this role may read of a document: a payee's details are masked unless finance."""
    if allowed(role, Action.READ_PAYEE):
        return doc
    if isinstance(doc, dict):
        return {
            k: (mask(v) if k in PAYEE_FIELDS and isinstance(v, str) and v else visible(role, v)) for k, v in doc.items()
        }
    if isinstance(doc, list | tuple):
        return [visible(role, v) for v in doc]
    return doc

"""Who may open which case (rulebook §1, §4, §4.14): opening a case is an action with
rules of its own, like an approval. One pure table of roles × kinds × origins, read by
the CLI (and any other front door) before anything starts.

A customer opens on their own order only. An origin other than a customer's request
(a refused parcel, a courier's return, a process outcome, a pre-decided review) comes
only from the role that produces it: the courier or warehouse, or the parent case
(the engine itself, Role.SYSTEM)."""

from __future__ import annotations

from enum import StrEnum

from domain.actors import Role
from domain.models import CaseKind
from domain.problems import Code, Problem


class Origin(StrEnum):
    """Why a case exists: asked for by someone, or produced by an event or a process."""

    REQUEST = "request"  # a customer's or staff member's request
    PARCEL_REFUSED = "parcel_refused"  # §4.14: the courier reports a refused parcel
    COURIER_RETURNED = "courier_returned"  # §4.14: the courier sent the parcel back on its own
    PROCESS_OUTCOME = "process_outcome"  # a parent case started it as its refund / reship
    PRE_DECIDED = "pre_decided"  # arrives with its review already given


# Staff who take requests from customers (intake) and act on them.
_INTAKE = (Role.FIRST_LINE, Role.SECOND_LINE)

# Who may open each kind on request (the customer only on their own order).
REQUEST_OPENERS: dict[CaseKind, tuple[Role, ...]] = {
    CaseKind.RETURN_REFUND: (Role.CUSTOMER, *_INTAKE, Role.RETURN_SPECIALIST, Role.OPERATIONS_SUPERVISOR),
    CaseKind.INVOICE: (Role.CUSTOMER, *_INTAKE, Role.INVOICE_SPECIALIST),
    CaseKind.PRICE_DISPUTE: (Role.CUSTOMER, *_INTAKE),
    CaseKind.ABNORMAL_SIGN_OFF: (Role.CUSTOMER, *_INTAKE),
    CaseKind.SHIPPED_NOT_SIGNED: (Role.CUSTOMER, *_INTAKE, Role.COURIER),
    CaseKind.MISSING_ITEM: (Role.CUSTOMER, *_INTAKE, Role.RETURN_SPECIALIST),
    CaseKind.DAMAGED_GOODS: (Role.CUSTOMER, *_INTAKE, Role.RETURN_SPECIALIST),
    CaseKind.WRONG_ITEM: (Role.CUSTOMER, *_INTAKE, Role.RETURN_SPECIALIST),
    CaseKind.COMPLAINT: (Role.CUSTOMER, *_INTAKE, Role.COMPLAINT_SPECIALIST),
    # §5: a complaint against an agent is registered by complaint staff, never by the customer directly
    CaseKind.AGENT_COMPLAINT: (Role.COMPLAINT_SPECIALIST,),
    # §4.9: staff register manual refunds; the customer gives the payee details when asked
    CaseKind.MANUAL_REFUND: (Role.REFUND_SPECIALIST, Role.RETURN_SPECIALIST, Role.OPERATIONS_SUPERVISOR, *_INTAKE),
    # §4.11: a reship is a staff decision (the platform pays for it)
    CaseKind.RESHIP: (*_INTAKE, Role.OPERATIONS_SUPERVISOR),
    # the proactive work (§4.1, §4.13, S4 2.2): staff, the warehouse and the platform report these
    CaseKind.HELD_ORDER: (*_INTAKE, Role.WAREHOUSE),
    CaseKind.SHIPMENT_TRACKING: (*_INTAKE, Role.WAREHOUSE),
    CaseKind.OVERSOLD: (*_INTAKE, Role.WAREHOUSE, Role.PLATFORM),
    # §4.14: only the courier (or the warehouse receiving the parcel) knows a parcel came back
    CaseKind.REFUSAL: (Role.COURIER, Role.WAREHOUSE),
}

# Who produces each origin other than a request.
ORIGIN_PRODUCERS: dict[Origin, tuple[Role, ...]] = {
    Origin.PARCEL_REFUSED: (Role.COURIER, Role.WAREHOUSE),
    Origin.COURIER_RETURNED: (Role.COURIER, Role.WAREHOUSE),
    Origin.PROCESS_OUTCOME: (),  # only the parent case, which is the engine itself
    Origin.PRE_DECIDED: (),
}


def opening_problem(
    role: Role, kind: CaseKind, origin: Origin = Origin.REQUEST, *, own_order: bool = True
) -> Problem | None:
    """Why this actor may not open this case, or None when they may. Pure."""
    if role == Role.SYSTEM:
        return None  # the engine opens children and swept cases; nothing reaches it from outside
    if role == Role.CUSTOMER and not own_order:
        return Problem(Code.OWN_ORDERS_ONLY, "a customer opens cases on their own orders only")
    if origin != Origin.REQUEST:
        producers = ORIGIN_PRODUCERS[origin]
        if role not in producers:
            who = ", ".join(r.value for r in producers) or "a parent case"
            return Problem(
                Code.ORIGIN_NOT_ALLOWED,
                f"a {kind.value} case with origin {origin.value} comes only from {who}, not from {role.value}",
            )
        return None
    openers = REQUEST_OPENERS[kind]
    if role not in openers:
        allowed = ", ".join(r.value for r in openers)
        return Problem(Code.WRONG_ROLE, f"{role.value} may not open {kind.value} cases (opened by: {allowed})")
    return None


def origin_of(inp: object) -> Origin:
    """The origin a validated case input claims, whatever its kind calls it."""
    from domain.manual_refund import ManualRefundInput
    from domain.refusal import RefusalHow, RefusalInput
    from domain.returns import ReturnOrigin, ReturnRefundInput

    if isinstance(inp, ReturnRefundInput):
        if inp.decided is not None:
            return Origin.PRE_DECIDED
        return {
            ReturnOrigin.CUSTOMER_REQUEST: Origin.REQUEST,
            ReturnOrigin.PARCEL_REFUSED: Origin.PARCEL_REFUSED,
            ReturnOrigin.PROCESS_OUTCOME: Origin.PROCESS_OUTCOME,
        }[inp.origin]
    if isinstance(inp, RefusalInput):
        return Origin.PARCEL_REFUSED if inp.how == RefusalHow.CUSTOMER_REFUSED else Origin.COURIER_RETURNED
    if isinstance(inp, ManualRefundInput) and inp.pickup is not None:
        return Origin.PRE_DECIDED  # the return specialist's pickup decision, already taken by a parent case
    return Origin.REQUEST

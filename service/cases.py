"""Cases, for every front end: open (validated in full before anything starts), find, view,
answer, decide. The CLI and the API call these; neither repeats a rule.

Everything a request is given is validated before anything starts: a refused request
leaves no workflow and no store row behind. The store is written only by the workflows'
activities."""

from __future__ import annotations

import asyncio
import secrets
import time
import types
import typing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision, ApprovalRequest, pending_problem
from domain.invoice import InvoiceInput
from domain.manual_refund import Payee
from domain.models import CaseHeader, CaseInput, CaseStatus, Order, TimelineEntry, order_for_case, workflow_id_for
from domain.opening import origin_of
from domain.permissions import (
    Action,
    Refusal,
    action_refusal,
    allowed,
    answer_refusal,
    decide_refusal,
    open_refusal,
)
from domain.policy import Policy, PolicyError, named_policy
from domain.scrub import FREE_TEXT, scrub, scrub_fields
from domain.timeline import Entry
from service.admission import admit
from service.catalogue import COMMON_ANSWERS, KINDS, Answer, KindSpec, spec_for
from service.context import Context, one_line
from service.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable, refusal_code
from store.metrics import Metrics
from store.vault import is_text_ref
from workflows.case_workflow import CaseWorkflow

# Who may open a case besides the order's own customer: whoever the permission table lets
# open one (staff, and the courier or warehouse reporting something, §4.14).
OPENER_ROLES = tuple(r for r in Role if r != Role.CUSTOMER and allowed(r, Action.OPEN))
M = TypeVar("M", bound=BaseModel)

# Fields of an --file document that describe the case rather than the kind's input.
CASE_FIELDS = ("kind", "order_id", "reason", "lines", "case_id", "opened_by", "policy")


# opening ---------------------------------------------------------------------
def new_case_id(spec: KindSpec) -> str:
    return f"{spec.id_prefix}-{datetime.now(timezone.utc):%y%m%d%H%M%S}-{secrets.token_hex(3)}"


def parse_lines(items: list[str]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for item in items:
        sku, sep, qty = item.rpartition(":")
        if not sep or not sku:
            raise Invalid(f"--lines {item!r}: write SKU:QTY, e.g. MILK-1L:2")
        try:
            quantity = int(qty)
        except ValueError:
            raise Invalid(f"--lines {item!r}: the quantity must be a whole number") from None
        if quantity <= 0:
            raise Invalid(f"--lines {item!r}: the quantity must be above zero")
        if any(line["sku"] == sku for line in lines):
            raise Invalid(
                f"--lines {item!r}: {sku} is listed more than once; give each line once with its whole quantity"
            )
        lines.append({"sku": sku, "quantity": quantity})
    return lines


def opener(ctx: Context, actor_id: str | None, order: Order) -> str:
    if actor_id is None or actor_id == order.customer_id:
        return order.customer_id
    try:
        ctx.actors().require(actor_id, *OPENER_ROLES)
    except KeyError:
        raise NotFound(
            f"unknown actor {actor_id!r}: not in {ctx.settings.actors_file.name} and not the order's customer"
        ) from None
    except PermissionError as e:
        raise Forbidden(f"{e} to open a case") from None
    return actor_id


def load_policy_named(name: str) -> Policy:
    try:
        return named_policy(name)
    except PolicyError as e:
        raise Invalid(str(e)) from None


def build_input(
    ctx: Context,
    spec: KindSpec,
    *,
    order_id: str,
    reason: str = "",
    lines: list[dict[str, Any]] | None = None,
    case_id: str | None = None,
    opened_by: str | None = None,
    policy: str | None = None,
    fields: dict[str, Any] | None = None,
) -> CaseInput:
    """The kind's workflow input, fully validated, or a ServiceError. Starts nothing."""
    order = ctx.cases().get_order(order_id)
    if order is None:
        raise NotFound(f"unknown order {order_id!r}; load orders first with `aftersales orders load FILE.json`")
    who = opener(ctx, opened_by, order)
    fields = dict(fields or {})
    if "case" in fields:  # the header is built here from the order and the opener, never taken from a body
        raise Invalid(f"invalid {spec.kind.value} case: 'case' is not a field you give; it is built from the order")
    if lines:
        if "lines" not in spec.input_model.model_fields:
            raise Invalid(f"--lines does not apply to {spec.kind.value} cases")
        fields["lines"] = lines
    chosen_id = case_id is not None
    case_id = case_id or new_case_id(spec)
    try:
        header = CaseHeader(
            case_id=case_id,
            kind=spec.kind,
            order=order_for_case(order, ctx.pseudonym_secret()),
            customer_id=order.customer_id,
            opened_by=who,
            reason=reason or "",
        )
        inp = spec.input_model.model_validate(
            {"case": header, "policy": load_policy_named(policy or ctx.settings.policy), **fields}
        )
    except ValidationError as e:
        raise Invalid(f"invalid {spec.kind.value} case: {one_line(e)}") from None
    except ValueError as e:  # a model's own check outside pydantic's wrapping
        raise Invalid(f"invalid {spec.kind.value} case: {e}") from None
    if ctx.cases().get_case(case_id) is not None:
        raise Conflict(f"case {case_id} already exists")
    assert isinstance(inp, CaseInput)
    admit(ctx.cases(), inp, chosen_id=chosen_id)
    return vaulted(ctx, inp)


def vaulted(ctx: Context, model: M) -> M:
    """The model with its payee details and invoice title put in the vault and replaced
    by references (§6): only the payment and finance activities read them back. Done
    after validation, so a refused case or answer leaves no vault row."""
    changes: dict[str, Any] = {}
    payee = getattr(model, "payee", None)
    if isinstance(payee, Payee) and not payee.is_ref:
        changes["payee"] = ctx.vault().put_payee(payee)
    if isinstance(model, InvoiceInput) and not is_text_ref(model.title):
        changes["title"] = ctx.vault().put_text(model.title)
    return model.model_copy(update=changes) if changes else model


async def start_case(ctx: Context, spec: KindSpec, inp: CaseInput) -> WorkflowHandle:
    client = await ctx.temporal()
    try:
        return await client.start_workflow(
            spec.workflow,
            inp,
            id=inp.case.workflow_id,
            task_queue=ctx.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        raise Conflict(f"case {inp.case.case_id} already exists") from None


# finding a case ----------------------------------------------------------------
@dataclass
class CaseRef:
    case_id: str
    spec: KindSpec
    workflow_id: str
    running: bool
    customer_id: str
    row: dict[str, Any] | None


STORE_CATCH_UP = 5.0  # seconds
# A person waits for an answer or a decision only this long: past it no worker is taking the
# case's tasks, and the request says so instead of hanging.
ANSWER_TIMEOUT = 5.0  # seconds
QUERY_TIMEOUT = timedelta(seconds=3)
NO_WORKER = "no worker is running for this case's task queue"
WORKFLOW_KINDS = {spec.workflow: spec for spec in KINDS.values()}


async def find_case(ctx: Context, case_id: str) -> CaseRef:
    """The case from the store, or from the server when its first event has not reached the store yet."""
    row = ctx.cases().get_case(case_id)
    workflow_id = row["workflow_id"] if row else workflow_id_for(case_id)
    client = await ctx.temporal()
    try:
        desc = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as e:
        if e.status != RPCStatusCode.NOT_FOUND:
            raise Unavailable(f"cannot look up case {case_id}: {e.message}") from None
        if row is None:
            raise NotFound(f"unknown case {case_id!r}") from None
        desc = None
    if row is None:  # just opened: its first activity writes the row in a moment
        deadline = time.monotonic() + STORE_CATCH_UP
        while row is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            row = ctx.cases().get_case(case_id)
    if row:
        spec = spec_for(row["kind"])
    elif desc is not None and desc.workflow_type in WORKFLOW_KINDS:
        spec = WORKFLOW_KINDS[desc.workflow_type]
    else:
        raise NotFound(f"unknown case {case_id!r}")
    running = desc is not None and desc.status == WorkflowExecutionStatus.RUNNING
    customer = row["customer_id"] if row else ""
    return CaseRef(case_id, spec, workflow_id, running, customer, row)


def not_running(ref: CaseRef, verb: str) -> Conflict:
    outcome = ref.row.get("outcome") if ref.row else None
    state = f"closed ({outcome})" if outcome else "no longer running"
    return Conflict(f"case {ref.case_id} is {state}; too late for {verb}")


# viewing ----------------------------------------------------------------------
async def case_view(ctx: Context, case_id: str) -> dict[str, Any]:
    ref = await find_case(ctx, case_id)
    store = ctx.cases()
    status: CaseStatus | None = None
    timeline = store.timeline(case_id)
    handle = (await ctx.temporal()).get_workflow_handle(ref.workflow_id)
    worker = ""
    if ref.running:
        try:
            status = await handle.query(CaseWorkflow.status, rpc_timeout=QUERY_TIMEOUT)
            if not timeline:
                timeline = await handle.query(CaseWorkflow.timeline, rpc_timeout=QUERY_TIMEOUT)
        except RPCError:
            status = None  # the worker is not answering; the store still has the timeline
            worker = NO_WORKER
    return {
        "case": ref.row,
        "kind": ref.spec.kind.value,
        "workflow": ref.spec.workflow,
        "workflow_id": ref.workflow_id,
        "running": ref.running,
        "status": status,
        "timeline": timeline,
        "payments": store.payments(case_id),
        "children": children_of(timeline),
        "worker": worker,
    }


def children_of(timeline: list[TimelineEntry]) -> list[str]:
    """The cases this one started (refund, manual refund, reship), from its timeline."""
    seen: list[str] = []
    for e in timeline:
        child = e.detail.get("child")
        if isinstance(child, str) and e.kind.endswith("_started"):
            case_id = child.removeprefix("case-")
            if case_id not in seen:
                seen.append(case_id)
    return seen


# answering a case ---------------------------------------------------------------
def _actor_fields(model: type[BaseModel]) -> list[str]:
    def is_actor(annotation: Any) -> bool:
        if annotation is ActorRef:
            return True
        origin = typing.get_origin(annotation)
        return origin in (typing.Union, types.UnionType) and ActorRef in typing.get_args(annotation)

    return [name for name, f in model.model_fields.items() if is_actor(f.annotation)]


def answer_model(answer: Answer, actor: ActorRef, data: dict[str, Any] | None) -> BaseModel | None:
    """The answer's model from its fields, with its actor fields set to who is answering:
    whoever the credential says, never who the body claims."""
    if answer.model is None:
        if data:
            raise Invalid(f"{answer.handler} takes no fields")
        return None
    data = scrub_fields(dict(data or {}), FREE_TEXT)  # before it enters a history, the store or a log (§6)
    for name in _actor_fields(answer.model):
        given = data.get(name)
        if given is not None and (not isinstance(given, dict) or given.get("actor_id") != actor.actor_id):
            raise Forbidden(f"--json names {name} {given!r}, but you act as {actor.actor_id}")
        data[name] = actor.model_dump(mode="json")
    try:
        return answer.model.model_validate(data)
    except ValidationError as e:
        raise Invalid(f"invalid {answer.handler}: {one_line(e)}") from None


async def reached(handle: WorkflowHandle, entry: Entry, timeout: float = 15.0) -> bool:
    """Wait until the case's timeline shows `entry`; False if it does not in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            timeline = await handle.query(CaseWorkflow.timeline, rpc_timeout=QUERY_TIMEOUT)
        except RPCError:
            timeline = []
        if any(e.kind == entry for e in timeline):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.1)


async def send_answer(
    ctx: Context, ref: CaseRef, name: str, answer: Answer, payload: BaseModel | None
) -> CaseStatus | None:
    handle = (await ctx.temporal()).get_workflow_handle(ref.workflow_id)
    args = [] if payload is None else [payload]
    try:
        if answer.update:
            return await asyncio.wait_for(
                handle.execute_update(answer.handler, *args, result_type=CaseStatus), ANSWER_TIMEOUT
            )
        await handle.signal(answer.handler, *args)
        return None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise Unavailable(f"{name} not taken within {ANSWER_TIMEOUT:.0f}s: {NO_WORKER}") from None
    except WorkflowUpdateFailedError as e:
        cause = e.cause
        reason = getattr(cause, "message", None) or str(cause)
        raise Conflict(f"{name} refused: {reason}", code=refusal_code(cause)) from None
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            raise not_running(ref, name) from None
        raise Unavailable(f"{name} failed: {e.message}") from None


# acting as a verified caller (the API) -------------------------------------------
def _refused(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise Forbidden(refusal.reason, rule=refusal.rule)


refuse = _refused  # for other front ends (the console) that ask the permission table themselves


def _own(actor: ActorRef, customer_id: str, what: str) -> None:
    """A customer acts on their own orders and cases only; another's is unknown to them (404)."""
    if actor.role == Role.CUSTOMER and customer_id != actor.actor_id:
        raise NotFound(f"unknown {what}")


async def open_case(ctx: Context, actor: ActorRef, doc: dict[str, Any]) -> CaseInput:
    """Open a case from its fields (kind, order_id, reason, lines, case_id, policy and the
    kind's own input fields) as `actor`. Every check passes before anything starts."""
    _refused(action_refusal(actor.role, Action.OPEN))
    doc = scrub_fields(doc, FREE_TEXT)  # before it enters a history, the store or a log (§6)
    if "opened_by" in doc:
        raise Invalid("opened_by is not a field you give: the case is opened by whoever the credential says")
    try:
        spec = spec_for(doc.get("kind") or "return_refund")
    except ValueError as e:
        raise Invalid(str(e)) from None
    order_id = str(doc.get("order_id") or "")
    order = ctx.cases().get_order(order_id) if order_id else None
    if order is None:
        raise NotFound(f"unknown order {order_id!r}")
    _own(actor, order.customer_id, f"order {order_id!r}")
    if doc.get("policy") is not None:
        _refused(action_refusal(actor.role, Action.CHOOSE_POLICY))
    lines = doc.get("lines")
    if lines is not None and not isinstance(lines, list):
        raise Invalid("lines must be a list")
    if lines and all(isinstance(x, str) for x in lines):
        lines = parse_lines(lines)
    inp = build_input(
        ctx,
        spec,
        order_id=order_id,
        reason=str(doc.get("reason") or ""),
        lines=lines,
        case_id=doc.get("case_id"),
        opened_by=actor.actor_id,
        policy=doc.get("policy"),
        fields={k: v for k, v in doc.items() if k not in CASE_FIELDS},
    )
    _refused(open_refusal(actor.role, spec.kind, origin_of(inp), own_order=order.customer_id == actor.actor_id))
    await start_case(ctx, spec, inp)
    return inp


async def find_case_for(ctx: Context, actor: ActorRef, case_id: str) -> CaseRef:
    _refused(action_refusal(actor.role, Action.READ_CASES))
    ref = await find_case(ctx, case_id)
    _own(actor, ref.customer_id, f"case {case_id!r}")
    return ref


async def answer_case(
    ctx: Context, actor: ActorRef, case_id: str, name: str, data: dict[str, Any] | None
) -> CaseStatus | None:
    """Any answer of `aftersales kinds` but `decide` (approvals are decided one way: decide_approval)."""
    ref = await find_case_for(ctx, actor, case_id)
    answer = ref.spec.answers.get(name)
    if answer is None or name == "decide":
        known = ", ".join(sorted(n for n in ref.spec.answers if n != "decide")) or "none"
        hint = "; approvals are decided through the case's approvals" if name == "decide" else ""
        raise NotFound(f"{ref.spec.kind.value} cases take no answer {name!r}; they take: {known}{hint}")
    _refused(answer_refusal(actor.role, name))
    payload = answer_model(answer, actor, data)
    if payload is not None:
        payload = vaulted(ctx, payload)
    if not ref.running:
        raise not_running(ref, name)
    if name == "review":
        # a case opened a moment ago has not yet asked for its review
        await reached(
            (await ctx.temporal()).get_workflow_handle(ref.workflow_id), Entry.REVIEW_REQUESTED, ANSWER_TIMEOUT
        )
    return await send_answer(ctx, ref, name, answer, payload)


_POLICIES: dict[str, Policy] = {}  # workflow id → its policy snapshot, which never changes
_POLICIES_KEPT = 10_000


async def case_policy(ctx: Context, ref: CaseRef) -> Policy:
    """The policy the case runs under: its input's snapshot, from the first history event."""
    if ref.workflow_id in _POLICIES:
        return _POLICIES[ref.workflow_id]
    client = await ctx.temporal()
    async for event in client.get_workflow_handle(ref.workflow_id).fetch_history_events(page_size=1):
        started = event.workflow_execution_started_event_attributes
        [inp] = await client.data_converter.decode(started.input.payloads, [ref.spec.input_model])
        if len(_POLICIES) >= _POLICIES_KEPT:
            _POLICIES.pop(next(iter(_POLICIES)))
        _POLICIES[ref.workflow_id] = inp.policy
        return inp.policy
    raise NotFound(f"unknown case {ref.case_id!r}")


def _decided(timeline: list[TimelineEntry]) -> dict[str, ApprovalDecision]:
    decided = {}
    for e in timeline:
        if e.kind == Entry.APPROVAL_DECIDED:
            d = e.detail
            decided[str(d.get("approval_id"))] = ApprovalDecision(
                approval_id=str(d.get("approval_id")),
                approve=bool(d.get("approve")),
                note=str(d.get("note") or "-"),
                approver=ActorRef(actor_id=e.actor, role=Role(d.get("role") or Role.SYSTEM)),
            )
    return decided


async def decide_approval(
    ctx: Context,
    actor: ActorRef,
    case_id: str,
    approval_id: str,
    *,
    approve: bool,
    note: str = "",
    amount_fen: int | None = None,
) -> CaseStatus | None:
    """The one way to decide an approval: domain/approvals' rules checked here first (403 with
    the rule, 409 for state), then the case's `decide` Update, whose validator checks again."""
    _refused(action_refusal(actor.role, Action.DECIDE))
    ref = await find_case_for(ctx, actor, case_id)
    try:
        decision = ApprovalDecision(
            approval_id=approval_id, approver=actor, approve=approve, note=scrub(note), amount_fen=amount_fen
        )
    except ValidationError as e:
        raise Invalid(f"invalid decision: {one_line(e)}") from None
    if not ref.running:
        raise not_running(ref, "decide")
    handle = (await ctx.temporal()).get_workflow_handle(ref.workflow_id)
    try:
        pending = {
            r.approval_id: r for r in await handle.query(CaseWorkflow.pending_approvals, rpc_timeout=QUERY_TIMEOUT)
        }
        # only an approval that is not pending can have been decided already
        timeline = (
            [] if approval_id in pending else await handle.query(CaseWorkflow.timeline, rpc_timeout=QUERY_TIMEOUT)
        )
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            raise not_running(ref, "decide") from None
        raise Unavailable(f"decide not taken: {NO_WORKER}") from None
    decided = _decided(timeline)
    conflict = pending_problem(pending, decision, decided)
    if conflict:
        raise Conflict(conflict.message, code=conflict.code)
    _refused(decide_refusal(pending, decision, await case_policy(ctx, ref), decided))
    return await send_answer(ctx, ref, "decide", COMMON_ANSWERS["decide"], decision)


def approvals_queue(
    ctx: Context, actor: ActorRef, now: datetime | None = None, *, all_pending: bool = False
) -> list[dict[str, Any]]:
    """Pending approvals this actor's role may decide; with `all_pending`, every pending one
    (the console shows a first-line agent a second-line approval, without a button)."""
    _refused(action_refusal(actor.role, Action.READ_APPROVALS))
    now = now or datetime.now(timezone.utc)
    metrics = Metrics(ctx.cases())
    # what needs a person: pending approvals, then the cases the engine could not finish
    rows = metrics.pending_approvals(now) + metrics.needs_person(now)
    if all_pending:
        return rows
    return [r for r in rows if actor.role.value in r["roles"] or not allowed(actor.role, Action.DECIDE)]


async def pending_approvals(ctx: Context, ref: CaseRef) -> list[ApprovalRequest]:
    """What a running case waits for someone to decide, from the workflow itself."""
    if not ref.running:
        return []
    handle = (await ctx.temporal()).get_workflow_handle(ref.workflow_id)
    try:
        return await handle.query(CaseWorkflow.pending_approvals, rpc_timeout=QUERY_TIMEOUT)
    except RPCError:
        return []


async def run_sweep(ctx: Context, actor: ActorRef, kind: str, as_of: datetime | None, policy: str | None) -> str:
    """A daily sweep now (S4: the 09:00 tracking export, the 17:00 oversold export), as the
    Schedule would start it. Its cases have ids from order and date, so a re-run opens nothing twice."""
    from domain.sweeps import SweepInput, SweepKind

    _refused(action_refusal(actor.role, Action.RUN_SWEEP))
    try:
        sweep = SweepKind(kind)
    except ValueError:
        raise NotFound(f"no sweep {kind!r} (sweeps: {', '.join(k.value for k in SweepKind)})") from None
    at = (as_of or datetime.now(timezone.utc)).astimezone(timezone.utc)
    inp = SweepInput(kind=sweep, policy=load_policy_named(policy or ctx.settings.policy), as_of=at)
    workflow_id = f"sweep-{sweep.value}-manual-{at:%Y%m%dT%H%M%S}"
    try:
        await (await ctx.temporal()).start_workflow(
            "DailySweep",
            inp,
            id=workflow_id,
            task_queue=ctx.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        raise Conflict(f"the {sweep.value} sweep as of {at:%Y-%m-%d %H:%M:%S}Z already ran") from None
    return workflow_id


# kinds / orders -----------------------------------------------------------------------
def kinds_table() -> list[dict[str, Any]]:
    table = []
    for spec in KINDS.values():
        own = [n for n in spec.input_model.model_fields if n not in CaseInput.model_fields]
        table.append(
            {
                "kind": spec.kind.value,
                "workflow": spec.workflow,
                "section": spec.section,
                "title": spec.title,
                "id_prefix": spec.id_prefix,
                "input_fields": own,
                "answers": [
                    {
                        "name": n,
                        "handler": a.handler,
                        "type": "update" if a.update else "signal",
                        "model": a.model.__name__ if a.model else None,
                        "help": a.help,
                    }
                    for n, a in spec.answers.items()
                ],
            }
        )
    return table

"""Cases from the command line: open, show, list, review, answer, kinds, orders load.

Everything a command is given is validated in full before anything starts: a refused
command leaves no workflow and no store row behind. The store is written only by the
workflows' activities (orders are seed data, loaded here)."""
from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time
import types
import typing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.actors import ActorRef, Role
from domain.invoice import InvoiceInput
from domain.kinds import KINDS, Answer, KindSpec, spec_for
from domain.manual_refund import Payee
from domain.models import CaseHeader, CaseInput, CaseStatus, Order, TimelineEntry, order_for_case, workflow_id_for
from domain.policy import Policy, PolicyError, named_policy
from domain.scrub import FREE_TEXT, scrub_fields
from starter.cli import CliError
from starter.context import Context, one_line
from store.vault import is_text_ref

# Who may open a case besides the order's own customer: staff, and the courier or
# warehouse reporting something (a refused parcel, §4.14).
OPENER_ROLES = (
    Role.FIRST_LINE, Role.SECOND_LINE, Role.RETURN_SPECIALIST, Role.REFUND_SPECIALIST, Role.INVOICE_SPECIALIST,
    Role.COMPLAINT_SPECIALIST, Role.OPERATIONS_SUPERVISOR, Role.PLATFORM, Role.COURIER, Role.WAREHOUSE,
)
M = TypeVar("M")

# Fields of an --file document that describe the case rather than the kind's input.
CASE_FIELDS = ("kind", "order_id", "reason", "lines", "case_id", "opened_by", "policy")


# opening ---------------------------------------------------------------------
def new_case_id(spec: KindSpec) -> str:
    return f"{spec.id_prefix}-{datetime.now(timezone.utc):%y%m%d%H%M%S}-{secrets.token_hex(3)}"


def parse_lines(items: list[str]) -> list[dict[str, Any]]:
    lines = []
    for item in items:
        sku, sep, qty = item.rpartition(":")
        if not sep or not sku:
            raise CliError(f"--lines {item!r}: write SKU:QTY, e.g. MILK-1L:2")
        try:
            quantity = int(qty)
        except ValueError:
            raise CliError(f"--lines {item!r}: the quantity must be a whole number") from None
        if quantity <= 0:
            raise CliError(f"--lines {item!r}: the quantity must be above zero")
        lines.append({"sku": sku, "quantity": quantity})
    return lines


def opener(ctx: Context, actor_id: str | None, order: Order) -> str:
    if actor_id is None or actor_id == order.customer_id:
        return order.customer_id
    try:
        ctx.actors().require(actor_id, *OPENER_ROLES)
    except KeyError:
        raise CliError(f"unknown actor {actor_id!r}: not in {ctx.settings.actors_file.name} and not the order's customer") from None
    except PermissionError as e:
        raise CliError(f"{e} to open a case") from None
    return actor_id


def load_policy_named(name: str) -> Policy:
    try:
        return named_policy(name)
    except PolicyError as e:
        raise CliError(str(e)) from None


def build_input(
    ctx: Context, spec: KindSpec, *, order_id: str, reason: str = "", lines: list[dict[str, Any]] | None = None,
    case_id: str | None = None, opened_by: str | None = None, policy: str | None = None,
    fields: dict[str, Any] | None = None,
) -> CaseInput:
    """The kind's workflow input, fully validated, or CliError. Starts nothing."""
    order = ctx.cases().get_order(order_id)
    if order is None:
        raise CliError(f"unknown order {order_id!r}; load orders first with `aftersales orders load FILE.json`")
    who = opener(ctx, opened_by, order)
    fields = dict(fields or {})
    if lines:
        if "lines" not in spec.input_model.model_fields:
            raise CliError(f"--lines does not apply to {spec.kind.value} cases")
        fields["lines"] = lines
    case_id = case_id or new_case_id(spec)
    try:
        header = CaseHeader(
            case_id=case_id, kind=spec.kind, order=order_for_case(order, ctx.pseudonym_secret()),
            customer_id=order.customer_id, opened_by=who, reason=reason or ""
        )
        inp = spec.input_model.model_validate({"case": header, "policy": load_policy_named(policy or ctx.settings.policy), **fields})
    except ValidationError as e:
        raise CliError(f"invalid {spec.kind.value} case: {one_line(e)}") from None
    except ValueError as e:  # a model's own check outside pydantic's wrapping
        raise CliError(f"invalid {spec.kind.value} case: {e}") from None
    if ctx.cases().get_case(case_id) is not None:
        raise CliError(f"case {case_id} already exists")
    assert isinstance(inp, CaseInput)
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
            spec.workflow, inp, id=inp.case.workflow_id, task_queue=ctx.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        raise CliError(f"case {inp.case.case_id} already exists") from None


def read_json_file(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CliError(f"{path}: malformed JSON ({e})") from None


async def cmd_open(args: argparse.Namespace, ctx: Context) -> int:
    doc: dict[str, Any] = {}
    if args.file:
        doc = read_json_file(args.file)
        if not isinstance(doc, dict):
            raise CliError(f"{args.file}: expected a JSON object with the case's fields")
    flags = dict(kind=args.kind, order_id=args.order, reason=args.reason, case_id=args.case_id,
                 opened_by=args.actor, policy=args.policy)
    for key, value in flags.items():
        if value is not None:
            doc[key] = value
    if args.lines:
        doc["lines"] = parse_lines(args.lines)
    doc = scrub_fields(doc, FREE_TEXT)  # before it enters the history, the store or a log (§6)
    try:
        spec = spec_for(doc.get("kind") or "return_refund")
    except ValueError as e:
        raise CliError(str(e)) from None
    if not doc.get("order_id"):
        raise CliError("which order? give --order ID (or order_id in --file)")
    lines = doc.get("lines")
    if lines is not None and not isinstance(lines, list):
        raise CliError("lines must be a list")
    if lines and all(isinstance(x, str) for x in lines):
        lines = parse_lines(lines)
    inp = build_input(
        ctx, spec, order_id=str(doc["order_id"]), reason=str(doc.get("reason") or ""), lines=lines,
        case_id=doc.get("case_id"), opened_by=doc.get("opened_by"), policy=doc.get("policy"),
        fields={k: v for k, v in doc.items() if k not in CASE_FIELDS},
    )
    await start_case(ctx, spec, inp)
    case = inp.case
    if args.json:
        ctx.say(json.dumps({"case_id": case.case_id, "workflow_id": case.workflow_id, "kind": spec.kind.value,
                            "workflow": spec.workflow}))
    else:
        ctx.say(f"opened {case.case_id}: {spec.title} ({spec.workflow}, {spec.section}) for order {case.order.order_id}, "
                f"opened by {case.opened_by}, policy {inp.policy.version}")
        ctx.say(f"  follow it: aftersales show {case.case_id}")
    return 0


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
            raise CliError(f"cannot look up case {case_id}: {e.message}") from None
        if row is None:
            raise CliError(f"unknown case {case_id!r}") from None
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
        raise CliError(f"unknown case {case_id!r}")
    running = desc is not None and desc.status == WorkflowExecutionStatus.RUNNING
    customer = row["customer_id"] if row else ""
    return CaseRef(case_id, spec, workflow_id, running, customer, row)


def _not_running(ref: CaseRef, verb: str) -> CliError:
    outcome = ref.row.get("outcome") if ref.row else None
    state = f"closed ({outcome})" if outcome else "no longer running"
    return CliError(f"case {ref.case_id} is {state}; too late for {verb}")


# show / list -------------------------------------------------------------------
def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _detail_text(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if key.endswith("_fen") and isinstance(value, int):
            parts.append(f"{key.removesuffix('_fen')}={yuan(value)}")
        else:
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def timeline_lines(entries: list[TimelineEntry], tz: Any = None) -> list[str]:
    out = []
    start = entries[0].at if entries else None
    for e in entries:
        offset = (e.at - start).total_seconds() if start else 0.0
        out.append(f"  {e.seq:>2}  +{offset:7.1f}s  {e.kind:<18} {e.actor:<14} {e.state:<16} {_detail_text(e.detail)}")
    return out


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))


async def case_view(ctx: Context, case_id: str) -> dict[str, Any]:
    ref = await find_case(ctx, case_id)
    store = ctx.cases()
    status: CaseStatus | None = None
    timeline = store.timeline(case_id)
    handle = (await ctx.temporal()).get_workflow_handle(ref.workflow_id)
    if ref.running:
        try:
            status = await handle.query("status", result_type=CaseStatus)
            if not timeline:
                timeline = await handle.query("timeline", result_type=list[TimelineEntry])
        except RPCError:
            status = None  # the worker is not answering; the store still has the timeline
    return {"case": ref.row, "kind": ref.spec.kind.value, "workflow": ref.spec.workflow, "workflow_id": ref.workflow_id,
            "running": ref.running, "status": status, "timeline": timeline, "payments": store.payments(case_id)}


async def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    view = await case_view(ctx, args.case)
    if args.json:
        status = view["status"]
        ctx.say(json.dumps(_jsonable({
            **view,
            "status": status.model_dump(mode="json") if status else None,
            "timeline": [e.model_dump(mode="json") for e in view["timeline"]],
        }), ensure_ascii=False, indent=2))
        return 0
    for line in describe_case(view):
        ctx.say(line)
    return 0


def describe_case(view: dict[str, Any]) -> list[str]:
    row, status = view["case"], view["status"]
    case_id = row["case_id"] if row else (status.case_id if status else "?")
    lines = [f"{case_id}  {view['kind']} ({view['workflow']})  workflow {view['workflow_id']}"]
    if row:
        lines.append(f"  order {row['order_id']}  customer {row['customer_id']}  opened by {row['opened_by']}  "
                     f"at {row['opened_at']:%Y-%m-%d %H:%M:%S}Z")
    state = status.state if status else (row["state"] if row else "?")
    outcome = (status.outcome if status else None) or (row["outcome"] if row else None)
    lines.append(f"  state {state}" + (f"  outcome {outcome}" if outcome else "") + ("" if view["running"] else "  (finished)"))
    if status and status.next_deadline:
        lines.append(f"  next deadline: {status.next_deadline_name} at {status.next_deadline:%Y-%m-%d %H:%M:%S}Z")
    lines.append("  timeline:")
    lines.extend(timeline_lines(view["timeline"]) or ["    (nothing recorded yet)"])
    for p in view["payments"]:
        lines.append(f"  payment {p['payment_id']}: {p['kind']} {yuan(p['amount_fen'])} (key {p['idempotency_key']})")
    return lines


async def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    if args.kind:
        try:
            spec_for(args.kind)
        except ValueError as e:
            raise CliError(str(e)) from None
    rows = ctx.cases().list_cases(kind=args.kind, state=args.state, limit=args.limit)
    if args.json:
        ctx.say(json.dumps(_jsonable(rows), ensure_ascii=False, indent=2))
        return 0
    if not rows:
        ctx.say("no cases")
    for r in rows:
        ctx.say(f"{r['case_id']:<28} {r['kind']:<18} {r['order_id']:<20} {r['state']:<16} {r['outcome'] or '':<20} "
                f"{r['opened_at']:%Y-%m-%d %H:%M:%S}Z")
    return 0


# answering a case ---------------------------------------------------------------
def actor_for(ctx: Context, ref: CaseRef, actor_id: str, *roles: Role) -> ActorRef:
    if ref.customer_id and actor_id == ref.customer_id:
        actor = ActorRef(actor_id=actor_id, role=Role.CUSTOMER)
        if roles and Role.CUSTOMER not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise CliError(f"actor {actor_id!r} is the customer; this needs {allowed}")
        return actor
    try:
        return ctx.actors().require(actor_id, *roles)
    except KeyError:
        raise CliError(f"unknown actor {actor_id!r}: not in {ctx.settings.actors_file.name}") from None
    except PermissionError as e:
        raise CliError(str(e)) from None


def _actor_fields(model: type[BaseModel]) -> list[str]:
    def is_actor(annotation: Any) -> bool:
        if annotation is ActorRef:
            return True
        origin = typing.get_origin(annotation)
        return origin in (typing.Union, types.UnionType) and ActorRef in typing.get_args(annotation)
    return [name for name, f in model.model_fields.items() if is_actor(f.annotation)]


def answer_payload(answer: Answer, actor: ActorRef, raw: str | None) -> BaseModel | None:
    """The answer's model from --json, with its actor fields set to who is answering."""
    if answer.model is None:
        if raw:
            raise CliError(f"{answer.handler} takes no --json")
        return None
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError as e:
        raise CliError(f"--json is malformed JSON ({e})") from None
    if not isinstance(data, dict):
        raise CliError("--json must be a JSON object")
    data = scrub_fields(data, FREE_TEXT)
    for name in _actor_fields(answer.model):
        given = data.get(name)
        if given is not None and (not isinstance(given, dict) or given.get("actor_id") != actor.actor_id):
            raise CliError(f"--json names {name} {given!r}, but you act as {actor.actor_id}")
        data[name] = actor.model_dump(mode="json")
    try:
        return answer.model.model_validate(data)
    except ValidationError as e:
        raise CliError(f"invalid {answer.handler}: {one_line(e)}") from None


async def reached(handle: WorkflowHandle, entry: str, timeout: float = 15.0) -> bool:
    """Wait until the case's timeline shows `entry`; False if it does not in time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            timeline = await handle.query("timeline", result_type=list[TimelineEntry])
        except RPCError:
            timeline = []
        if any(e.kind == entry for e in timeline):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.1)


async def send_answer(ctx: Context, ref: CaseRef, name: str, answer: Answer, payload: BaseModel | None) -> CaseStatus | None:
    handle = (await ctx.temporal()).get_workflow_handle(ref.workflow_id)
    args = [] if payload is None else [payload]
    try:
        if answer.update:
            return await handle.execute_update(answer.handler, *args, result_type=CaseStatus)
        await handle.signal(answer.handler, *args)
        return None
    except WorkflowUpdateFailedError as e:
        cause = e.cause
        reason = getattr(cause, "message", None) or str(cause)
        raise CliError(f"{name} refused: {reason}") from None
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            raise _not_running(ref, name) from None
        raise CliError(f"{name} failed: {e.message}") from None


def _say_status(ctx: Context, case_id: str, name: str, status: CaseStatus | None) -> None:
    if status is None:
        ctx.say(f"{case_id}: {name} sent")
        return
    nxt = f"; next deadline {status.next_deadline_name} at {status.next_deadline:%H:%M:%S}Z" if status.next_deadline else ""
    ctx.say(f"{case_id}: {name} accepted; state {status.state}{nxt}")


async def cmd_review(args: argparse.Namespace, ctx: Context) -> int:
    from domain.returns import REVIEWER_ROLES, ReviewDecision

    ref = await find_case(ctx, args.case)
    answer = ref.spec.answers.get("review")
    if answer is None or answer.model is not ReviewDecision:
        raise CliError(f"case {ref.case_id} is a {ref.spec.kind.value} case; it has no return review")
    reviewer = actor_for(ctx, ref, args.actor, *REVIEWER_ROLES)
    if args.decision == "approve":
        body: dict[str, Any] = {"approve": True, "pickup": args.pickup, "reason": args.reason or ""}
    else:
        body = {"approve": False, "reason": args.reason}
    try:
        decision = ReviewDecision.model_validate({"reviewer": reviewer, **scrub_fields(body, FREE_TEXT)})
    except ValidationError as e:
        raise CliError(f"invalid review: {one_line(e)}") from None
    if not ref.running:
        raise _not_running(ref, "review")
    # Answer once the case has asked for the review, as a specialist would: a case
    # opened a moment ago has not yet recorded its request.
    await reached((await ctx.temporal()).get_workflow_handle(ref.workflow_id), "review_requested")
    status = await send_answer(ctx, ref, "review", answer, decision)
    _say_status(ctx, ref.case_id, "review", status)
    return 0


async def cmd_answer(args: argparse.Namespace, ctx: Context) -> int:
    ref = await find_case(ctx, args.case)
    answer = ref.spec.answers.get(args.name)
    if answer is None:
        known = ", ".join(sorted(ref.spec.answers)) or "none"
        raise CliError(f"{ref.spec.kind.value} cases take no answer {args.name!r}; they take: {known}")
    actor = actor_for(ctx, ref, args.actor)
    payload = vaulted(ctx, answer_payload(answer, actor, args.json_body))
    if not ref.running:
        raise _not_running(ref, args.name)
    status = await send_answer(ctx, ref, args.name, answer, payload)
    _say_status(ctx, ref.case_id, args.name, status)
    return 0


# kinds / orders -----------------------------------------------------------------------
def kinds_table() -> list[dict[str, Any]]:
    table = []
    for spec in KINDS.values():
        own = [n for n in spec.input_model.model_fields if n not in CaseInput.model_fields]
        table.append({
            "kind": spec.kind.value, "workflow": spec.workflow, "section": spec.section, "title": spec.title,
            "id_prefix": spec.id_prefix, "input_fields": own,
            "answers": [{"name": n, "handler": a.handler, "type": "update" if a.update else "signal",
                         "model": a.model.__name__ if a.model else None, "help": a.help} for n, a in spec.answers.items()],
        })
    return table


async def cmd_kinds(args: argparse.Namespace, ctx: Context) -> int:
    table = kinds_table()
    if args.json:
        ctx.say(json.dumps(table, ensure_ascii=False, indent=2))
        return 0
    for k in table:
        ctx.say(f"{k['kind']:<20} {k['workflow']:<20} {k['section']:<8} {k['title']}")
        if k["input_fields"]:
            ctx.say(f"    input: {', '.join(k['input_fields'])}")
        for a in k["answers"]:
            ctx.say(f"    answer {a['name']:<16} ({a['type']}{', ' + a['model'] if a['model'] else ''}) {a['help']}")
    return 0


def read_orders(path: str) -> list[Order]:
    data = read_json_file(path)
    if isinstance(data, dict):
        data = data.get("orders", [data])
    if not isinstance(data, list):
        raise CliError(f"{path}: expected a list of orders or {{\"orders\": [...]}}")
    orders = []
    for n, item in enumerate(data, 1):
        try:
            orders.append(Order.model_validate(item))
        except ValidationError as e:
            name = item.get("order_id") if isinstance(item, dict) else None
            raise CliError(f"{path}: order #{n}{f' ({name})' if name else ''} is invalid: {one_line(e)}") from None
    return orders


async def cmd_orders_load(args: argparse.Namespace, ctx: Context) -> int:
    orders = read_orders(args.file)  # all or nothing: validated before the first is saved
    store = ctx.cases()
    for order in orders:
        store.save_order(order)
    ctx.say(f"loaded {len(orders)} orders from {args.file}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("open", help="open a case (from flags or a JSON file)")
    p.add_argument("--kind", help="case kind (default return_refund); see `aftersales kinds`")
    p.add_argument("--order", help="order id (must be loaded in the store)")
    p.add_argument("--reason", help="why the case is opened")
    p.add_argument("--lines", nargs="+", metavar="SKU:QTY", help="the order lines concerned (default: all)")
    p.add_argument("--case-id", help="case id (default: generated)")
    p.add_argument("--as", dest="actor", metavar="ACTOR", help="who opens it (default: the order's customer)")
    p.add_argument("--policy", help="policy name or TOML path (default: $POLICY or default)")
    p.add_argument("--file", help="JSON object with the same fields plus the kind's own input fields")
    p.add_argument("--json", action="store_true", help="print the new case id as JSON")
    p.set_defaults(afunc=cmd_open)

    p = sub.add_parser("show", help="a case's timeline, state and next deadline")
    p.add_argument("case")
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_show)

    p = sub.add_parser("list", help="list cases")
    p.add_argument("--kind")
    p.add_argument("--state")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_list)

    p = sub.add_parser("review", help="the return specialist's review: approve or reject a return")
    p.add_argument("case")
    p.add_argument("--as", dest="actor", required=True, metavar="ACTOR")
    decisions = p.add_subparsers(dest="decision", required=True)
    a = decisions.add_parser("approve")
    pick = a.add_mutually_exclusive_group(required=True)
    pick.add_argument("--pickup", dest="pickup", action="store_true", default=None, help="book a courier pickup")
    pick.add_argument("--no-pickup", dest="pickup", action="store_false", help="refund without collecting the goods")
    a.add_argument("--reason", default="")
    r = decisions.add_parser("reject")
    r.add_argument("--reason", required=True)
    p.set_defaults(afunc=cmd_review)

    p = sub.add_parser("answer", help="give a running case an answer (see `aftersales kinds`)")
    p.add_argument("case")
    p.add_argument("name", help="the answer's name, e.g. review, decide")
    p.add_argument("--as", dest="actor", required=True, metavar="ACTOR")
    p.add_argument("--json", dest="json_body", metavar="OBJECT", help="the answer's fields as a JSON object")
    p.set_defaults(afunc=cmd_answer)

    p = sub.add_parser("kinds", help="every case kind: workflow, rulebook section, answers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_kinds)

    p = sub.add_parser("orders", help="seed orders into the store")
    osub = p.add_subparsers(dest="orders_command", required=True)
    ol = osub.add_parser("load", help="load orders from a JSON file (a list, or {\"orders\": [...]})")
    ol.add_argument("file")
    ol.set_defaults(afunc=cmd_orders_load)

"""Cases from the command line: open, show, list, review, answer (clients of the case API,
acting as whoever the token says), kinds, orders load (operator: seed data into the store).
The rules are the service layer's; printing is starter/render.py's."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from domain.models import CaseStatus, Order
from service.cases import kinds_table, parse_lines
from service.catalogue import spec_for
from service.context import Context, one_line
from starter.api_client import call
from starter.cli import CliError
from starter.render import describe_case, shop_time, status_line, view_from_json


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
    flags = dict(kind=args.kind, order_id=args.order, reason=args.reason, case_id=args.case_id, policy=args.policy)
    for key, value in flags.items():
        if value is not None:
            doc[key] = value
    if args.lines:
        doc["lines"] = parse_lines(args.lines)
    try:
        spec = spec_for(doc.get("kind") or "return_refund")
    except ValueError as e:
        raise CliError(str(e)) from None
    if not doc.get("order_id"):
        raise CliError("which order? give --order ID (or order_id in --file)")
    lines = doc.get("lines")
    if lines and isinstance(lines, list) and all(isinstance(x, str) for x in lines):
        doc["lines"] = parse_lines(lines)
    opened = await call(ctx, "POST", "/v1/cases", json=doc)
    if args.json:
        ctx.say(json.dumps({k: opened[k] for k in ("case_id", "workflow_id", "kind", "workflow")}))
    else:
        ctx.say(
            f"opened {opened['case_id']}: {spec.title} ({spec.workflow}, {spec.section}) for order {doc['order_id']}, "
            f"opened by {opened['opened_by']}, policy {opened['policy']}"
        )
        ctx.say(f"  follow it: aftersales show {opened['case_id']}")
    return 0


def _case_path(case_id: str) -> str:
    return f"/v1/cases/{quote(case_id, safe='')}"


async def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    view = await call(ctx, "GET", _case_path(args.case))
    if args.json:
        ctx.say(json.dumps(view, ensure_ascii=False, indent=2))
        return 0
    for line in describe_case(view_from_json(view)):
        ctx.say(line)
    return 0


async def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    if args.kind:
        try:
            spec_for(args.kind)
        except ValueError as e:
            raise CliError(str(e)) from None
    params = {k: v for k, v in dict(kind=args.kind, state=args.state, limit=args.limit).items() if v is not None}
    rows = await call(ctx, "GET", "/v1/cases", params=params)
    if args.json:
        ctx.say(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        ctx.say("no cases")
    for r in rows:
        ctx.say(
            f"{r['case_id']:<28} {r['kind']:<18} {r['order_id']:<20} {r['state']:<16} {r['outcome'] or '':<20} "
            f"{shop_time(r['opened_at'])}"
        )
    return 0


async def _answer(ctx: Context, case_id: str, name: str, body: dict[str, Any] | None) -> None:
    done = await call(ctx, "POST", f"{_case_path(case_id)}/answers/{quote(name, safe='')}", json=body)
    status = CaseStatus.model_validate(done["status"]) if done.get("status") else None
    ctx.say(status_line(case_id, name, status))


async def cmd_review(args: argparse.Namespace, ctx: Context) -> int:
    if args.decision == "approve":
        body: dict[str, Any] = {"approve": True, "pickup": args.pickup, "reason": args.reason or ""}
    else:
        body = {"approve": False, "reason": args.reason}
    await _answer(ctx, args.case, "review", body)
    return 0


async def cmd_answer(args: argparse.Namespace, ctx: Context) -> int:
    try:
        body = json.loads(args.json_body) if args.json_body else None
    except json.JSONDecodeError as e:
        raise CliError(f"--json is malformed JSON ({e})") from None
    if body is not None and not isinstance(body, dict):
        raise CliError("--json must be a JSON object")
    await _answer(ctx, args.case, args.name, body)
    return 0


# kinds / orders -----------------------------------------------------------------------
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
        raise CliError(f'{path}: expected a list of orders or {{"orders": [...]}}')
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
    p.add_argument("--json", dest="json_body", metavar="OBJECT", help="the answer's fields as a JSON object")
    p.set_defaults(afunc=cmd_answer)

    p = sub.add_parser("kinds", help="every case kind: workflow, rulebook section, answers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_kinds)

    p = sub.add_parser("orders", help="seed orders into the store")
    osub = p.add_subparsers(dest="orders_command", required=True)
    ol = osub.add_parser("load", help='load orders from a JSON file (a list, or {"orders": [...]})')
    ol.add_argument("file")
    ol.set_defaults(afunc=cmd_orders_load)

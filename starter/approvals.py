"""Approvals from the command line, as a client of the case API: `approvals list` (the
pending approvals your role may decide, their age and SLA) and `approvals decide`, the one
way to decide one (the API checks domain/approvals' rules, then the case's validator again)."""

from __future__ import annotations

import argparse
import json
from urllib.parse import quote

from domain.actors import ROLE_DUTIES
from service.context import Context
from starter.api_client import call
from starter.render import shop_time, yuan


def _age(seconds: float) -> str:
    s = int(seconds)
    if s >= 86400:
        return f"{s // 86400}d{s % 86400 // 3600:02d}h"
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s"


async def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    rows = await call(ctx, "GET", "/v1/approvals")
    if args.json:
        ctx.say(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        ctx.say("no pending approvals")
        return 0
    ctx.say(f"{'CASE':<30} {'APPROVAL':<22} {'SUBJECT':<24} {'WHO MAY DECIDE':<44} {'AMOUNT':>9} {'AGE':>7}  SLA DUE")
    for r in rows:
        amount = yuan(r["amount_fen"]) if r["amount_fen"] else "-"
        due = f"{shop_time(r['due_at'])} ({r['sla_window']})" if r["due_at"] else "-"
        flag = "  OVERDUE" if r["overdue"] and r["due_at"] else ""
        if r["approval_id"] == "needs-person":
            due, flag = "-", f"  NEEDS A PERSON: {r['summary']}"
        ctx.say(
            f"{r['case_id']:<30} {r['approval_id']:<22} {r['subject'] or '':<24} {','.join(r['roles']):<44} "
            f"{amount:>9} {_age(r['age_s']):>7}  {due}{flag}"
        )
    return 0


async def cmd_decide(args: argparse.Namespace, ctx: Context) -> int:
    body = {"decision": args.decision, "note": args.note or "", "amount_fen": args.amount_fen}
    path = f"/v1/cases/{quote(args.case, safe='')}/approvals/{quote(args.approval_id, safe='')}"
    done = await call(ctx, "POST", path, json=body)
    who = await call(ctx, "GET", "/v1/whoami")
    state = f"; case now {done['status']['state']}" if done.get("status") else ""
    ctx.say(
        f"{args.case}: {args.approval_id} {'approved' if args.decision == 'approve' else 'rejected'} by "
        f"{who['actor_id']} ({who['role']}){state}"
    )
    return 0


async def cmd_actors(args: argparse.Namespace, ctx: Context) -> int:
    actors = ctx.actors().actors
    if args.json:
        ctx.say(
            json.dumps(
                [{**a.model_dump(mode="json"), "does": ROLE_DUTIES[a.role]} for a in actors],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    ctx.say(f"actors from {ctx.settings.actors_file} (customers act as themselves, by customer id)")
    for a in actors:
        ctx.say(f"  {a.actor_id:<18} {a.role.value:<22} {ROLE_DUTIES[a.role]}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("actors", help="who may act (a token's subject) and what each role may decide (§1)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_actors)

    p = sub.add_parser("approvals", help="pending approvals across cases; decide one")
    asub = p.add_subparsers(dest="approvals_command", required=True)
    ls = asub.add_parser("list", help="every pending approval with its age and SLA due time")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(afunc=cmd_list)
    d = asub.add_parser("decide", help="approve or reject a pending approval (through the case's decide Update)")
    d.add_argument("case")
    d.add_argument("approval_id")
    d.add_argument("decision", choices=["approve", "reject"])
    d.add_argument("--note", default="", help="required when rejecting")
    d.add_argument("--amount-fen", type=int, default=None, help="grant less than asked (fen)")
    d.set_defaults(afunc=cmd_decide)

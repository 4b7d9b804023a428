"""Approvals from the command line: `approvals list` (every pending approval across
cases, its age and SLA) and `approvals decide`, which answers through the case's
shared `decide` Update, so its validator (role, cap, second checker) has the last word."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from domain.actors import ROLE_DUTIES, ActorRef
from domain.approvals import ApprovalDecision
from domain.kinds import COMMON_ANSWERS
from domain.scrub import scrub
from starter.cases import find_case, send_answer, yuan
from starter.cli import CliError
from starter.context import Context, one_line
from store.metrics import Metrics


def _age(seconds: float) -> str:
    s = int(seconds)
    if s >= 86400:
        return f"{s // 86400}d{s % 86400 // 3600:02d}h"
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s"


def pending_rows(ctx: Context, now: datetime | None = None) -> list[dict[str, Any]]:
    return Metrics(ctx.cases()).pending_approvals(now or datetime.now(timezone.utc))


async def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    rows = pending_rows(ctx)
    if args.json:
        ctx.say(json.dumps([{**r, "requested_at": r["requested_at"].isoformat(),
                             "due_at": r["due_at"].isoformat() if r["due_at"] else None} for r in rows],
                           ensure_ascii=False, indent=2))
        return 0
    if not rows:
        ctx.say("no pending approvals")
        return 0
    ctx.say(f"{'CASE':<30} {'APPROVAL':<22} {'SUBJECT':<24} {'WHO MAY DECIDE':<44} {'AMOUNT':>9} {'AGE':>7}  SLA DUE")
    for r in rows:
        amount = yuan(r["amount_fen"]) if r["amount_fen"] else "-"
        due = f"{r['due_at']:%Y-%m-%d %H:%M:%S}Z ({r['sla_window']})" if r["due_at"] else "-"
        flag = "  OVERDUE" if r["overdue"] else ""
        ctx.say(f"{r['case_id']:<30} {r['approval_id']:<22} {r['subject'] or '':<24} {','.join(r['roles']):<44} "
                f"{amount:>9} {_age(r['age_s']):>7}  {due}{flag}")
    return 0


def approver(ctx: Context, actor_id: str) -> ActorRef:
    try:
        return ctx.actors().find(actor_id)
    except KeyError:
        raise CliError(f"unknown actor {actor_id!r}: not in {ctx.settings.actors_file.name}") from None


async def cmd_decide(args: argparse.Namespace, ctx: Context) -> int:
    who = approver(ctx, args.actor)
    ref = await find_case(ctx, args.case)
    waiting = [r for r in pending_rows(ctx) if r["case_id"] == ref.case_id and r["approval_id"] == args.approval_id]
    if waiting and who.role.value not in waiting[0]["roles"]:
        raise CliError(f"actor {who.actor_id!r} is {who.role.value}; {args.approval_id} needs {', '.join(waiting[0]['roles'])}")
    try:
        decision = ApprovalDecision(approval_id=args.approval_id, approver=who, approve=args.decision == "approve",
                                    note=scrub(args.note or ""), amount_fen=args.amount_fen)
    except ValidationError as e:
        raise CliError(f"invalid decision: {one_line(e)}") from None
    status = await send_answer(ctx, ref, "decide", COMMON_ANSWERS["decide"], decision)
    state = f"; case now {status.state}" if status else ""
    ctx.say(f"{ref.case_id}: {args.approval_id} {'approved' if decision.approve else 'rejected'} by {who.actor_id} "
            f"({who.role.value}){state}")
    return 0


async def cmd_actors(args: argparse.Namespace, ctx: Context) -> int:
    actors = ctx.actors().actors
    if args.json:
        ctx.say(json.dumps([{**a.model_dump(mode="json"), "does": ROLE_DUTIES[a.role]} for a in actors],
                           ensure_ascii=False, indent=2))
        return 0
    ctx.say(f"actors from {ctx.settings.actors_file} (customers act as themselves, by customer id)")
    for a in actors:
        ctx.say(f"  {a.actor_id:<18} {a.role.value:<22} {ROLE_DUTIES[a.role]}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("actors", help="who may act (--as ACTOR) and what each role may decide (§1)")
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
    d.add_argument("--as", dest="actor", required=True, metavar="ACTOR")
    d.add_argument("--note", default="", help="required when rejecting")
    d.add_argument("--amount-fen", type=int, default=None, help="grant less than asked (fen)")
    d.set_defaults(afunc=cmd_decide)

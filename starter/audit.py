"""`aftersales audit`: the front door's audit log (every state-changing API request,
allowed or refused), read from the store on the server, newest first."""

from __future__ import annotations

import argparse
import json

from service.context import Context
from starter.render import shop_time
from store.audit import AuditLog


async def cmd_audit(args: argparse.Namespace, ctx: Context) -> int:
    entries = AuditLog(ctx.cases()).entries(
        limit=args.limit, actor_id=args.actor, outcome=args.outcome, case_id=args.case
    )
    if args.json:
        ctx.say(json.dumps([e.model_dump(mode="json") for e in entries], ensure_ascii=False, indent=2))
        return 0
    if not entries:
        ctx.say("no audit records")
    for e in entries:
        where = e.case_id or e.order_id or "-"
        why = f"  [{e.rule}] {e.reason}" if e.rule or e.reason else ""
        ctx.say(
            f"{shop_time(e.at)}  {e.actor_id or '(no credential)':<16} {e.role or '-':<22} "
            f"{e.action:<22} {where:<30} {e.outcome.value:<8} {e.status}{why}"
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="the API's audit log: who did or tried what, when, and what came of it")
    p.add_argument("--actor", help="only this actor (or customer id)")
    p.add_argument("--outcome", choices=["done", "refused", "failed"])
    p.add_argument("--case", help="only this case")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_audit)

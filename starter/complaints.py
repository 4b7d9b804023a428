"""Quality and privacy from the command line: `metrics` (rulebook §7), `penalties`
(agents' records, §5) and `order contact` / `order change-address` (§6: only the
paying account, through the case API with the customer's token; a refusal is recorded)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from service.context import Context
from starter.api_client import call
from starter.cli import CliError
from starter.render import shop_time, yuan
from store.complaints import ComplaintRecords
from store.metrics import Metrics


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"{text!r} is not an ISO date or time, e.g. 2026-11-22 or 2026-11-22T08:00:00+08:00") from None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def metrics_lines(m: dict[str, Any]) -> list[str]:
    c = m["complaints"]
    out = ["Handling time (opened → closed)", f"  {'kind':<20} {'closed':>6} {'mean':>10} {'median':>10} {'max':>10}"]
    for kind, h in m["handling_time"].items():
        out.append(f"  {kind:<20} {h['closed']:>6} {h['mean_s']:>9.1f}s {h['median_s']:>9.1f}s {h['max_s']:>9.1f}s")
    out += [
        "Complaints",
        f"  closed {c['closed']} (not accepted {c['not_accepted']})",
        f"  first-contact resolution {_pct(c['first_contact_resolution'])}   escalation rate {_pct(c['escalation_rate'])}   "
        f"repeat-complaint rate {_pct(c['repeat_rate'])}",
        "  by type: " + (", ".join(f"{k} {v}" for k, v in c["by_category"].items()) or "-"),
        "  by level: " + (", ".join(f"{k} {v}" for k, v in c["by_level"].items()) or "-"),
        f"  satisfaction mean {c['satisfaction_mean'] if c['satisfaction_mean'] is not None else '-'}   "
        f"compensation {yuan(c['compensation_fen'])}",
        "SLA breaches per window",
    ]
    out += [f"  {w:<28} {n:>5}" for w, n in m["sla_breaches"].items()] or ["  none"]
    out.append("Paid by kind")
    out += [
        f"  {k:<28} {v['payments']:>5}  {yuan(v['amount_fen']):>12}" for k, v in m["compensation_paid"].items()
    ] or ["  none"]
    return out


async def cmd_metrics(args: argparse.Namespace, ctx: Context) -> int:
    report = Metrics(ctx.cases(), since=_when(args.since), until=_when(args.until)).report()
    if args.json:
        ctx.say(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for line in metrics_lines(report):
            ctx.say(line)
    return 0


async def cmd_penalties(args: argparse.Namespace, ctx: Context) -> int:
    rows = ComplaintRecords(ctx.cases()).penalties(args.agent)
    if args.json:
        ctx.say(
            json.dumps([{**r, "decided_at": r["decided_at"].isoformat()} for r in rows], ensure_ascii=False, indent=2)
        )
        return 0
    if not rows:
        ctx.say("no penalties recorded")
    for r in rows:
        ctx.say(
            f"{r['agent_id']:<16} {r['case_id']:<30} violation {r['violation'] or '-':<3} {r['level']:<16} "
            f"{', '.join(r['effects'])}"
        )
    return 0


async def cmd_contact(args: argparse.Namespace, ctx: Context) -> int:
    order = await call(
        ctx, "POST", f"/v1/orders/{quote(args.order, safe='')}/contact/read", json={"account": args.account}
    )
    if args.json:
        ctx.say(json.dumps(order, ensure_ascii=False))
    else:
        ctx.say(f"{order['order_id']}: phone {order['phone'] or '-'}, address {order['address'] or '-'}")
    return 0


async def cmd_change_address(args: argparse.Namespace, ctx: Context) -> int:
    body = {"account": args.account, "address": args.address, "phone": args.phone}
    order = await call(
        ctx,
        "POST",
        f"/v1/orders/{quote(args.order, safe='')}/contact",
        json={k: v for k, v in body.items() if v is not None},
    )
    ctx.say(f"{order['order_id']}: contact details changed")
    return 0


async def cmd_refusals(args: argparse.Namespace, ctx: Context) -> int:
    rows = await call(ctx, "GET", "/v1/privacy-refusals", params={"order_id": args.order} if args.order else None)
    if args.json:
        ctx.say(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        ctx.say("no privacy refusals")
    for r in rows:
        ctx.say(
            f"{shop_time(r['at'])}  {r['order_id']:<22} {r['action']:<16} account {r['account_digest'][:12]}…  {r['reason']}"
        )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "metrics", help="quality metrics (§7): handling time, FCR, escalation, repeats, types, SLA, paid"
    )
    p.add_argument("--since", help="only cases from this ISO date/time")
    p.add_argument("--until", help="only cases before this ISO date/time")
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_metrics)

    p = sub.add_parser("penalties", help="agents' penalty records (§5)")
    p.add_argument("--agent")
    p.add_argument("--json", action="store_true")
    p.set_defaults(afunc=cmd_penalties)

    p = sub.add_parser("order", help="an order's private contact details (§6: the paying account only)")
    osub = p.add_subparsers(dest="order_command", required=True)
    c = osub.add_parser("contact", help="read the order's phone and address")
    c.add_argument("order")
    c.add_argument("--account", required=True, metavar="ACCOUNT", help="the account you paid with")
    c.add_argument("--json", action="store_true")
    c.set_defaults(afunc=cmd_contact)
    ch = osub.add_parser("change-address", help="change the order's address (or phone)")
    ch.add_argument("order")
    ch.add_argument("--account", required=True, metavar="ACCOUNT", help="the account you paid with")
    what = ch.add_mutually_exclusive_group(required=True)
    what.add_argument("--address")
    what.add_argument("--phone")
    ch.set_defaults(afunc=cmd_change_address)
    rf = osub.add_parser("refusals", help="refused requests for contact details (§6), by account hash")
    rf.add_argument("order", nargs="?")
    rf.add_argument("--json", action="store_true")
    rf.set_defaults(afunc=cmd_refusals)

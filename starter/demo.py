"""The demo batch: realistic cases opened and driven to their outcomes under the demo
policy (policies/demo.toml: the rulebook's windows in seconds) and the demo simulator
scenarios (demo_data/simulators.json).

DEMO_SCRIPTS is a registry: each script is an async callable taking a DemoRun, opening
and driving the cases of one kind through `run.open(...)` and `run.answer(...)`, and
returning their case ids. A new case kind appends its script. Everything goes through the
case API (`aftersales api`) with tokens minted for each person."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from api.identity import Identity, subject_for_customer
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.models import CaseStatus
from domain.timeline import Entry
from people.desk import Refused
from service.catalogue import spec_for
from service.context import Context
from starter.api_client import call
from starter.cases import read_orders
from starter.cli import CliError
from starter.render import describe_case, view_from_json

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_ORDERS = DEMO_DATA / "orders.json"
DEMO_SIMULATORS = DEMO_DATA / "simulators.json"
DEMO_POLICY = "demo"
INTAKE = "li.first"  # registers the cases customers ask for (by phone or chat)
WATCHER = "wu.ops"  # follows every case's page
ENTRY_WAIT_SECONDS = 30.0  # how long a scripted person waits for the case to ask


# Complaints name their order in the intake and pay nothing back against it: they keep
# the demo order itself (a repeat complaint is recognised by it).
SHARED_ORDER_KINDS = ("complaint", "agent_complaint")
# The payee details customers give for manual refunds (put in the payee vault at opening;
# tests/test_privacy_proof.py searches every history, table and log for them).
DEMO_PAYEES = ({"payment_account": "alipay", "account_id": "liu.yang@example.com", "real_name": "刘洋"},)


@dataclass
class DemoCase:
    case_id: str
    kind: str
    story: str
    expect: str
    outcome: str | None = None
    seconds: float | None = None


@dataclass
class DemoRun:
    """One batch, acting through the case API like everyone else: each step is taken by the
    person it belongs to, with a token minted for them (the demo runs on the server, beside
    the embedded issuer's key). Cases a customer asks for are registered by first-line
    intake, since only staff may pick the demo policy."""

    ctx: Context
    run_id: str = field(default_factory=lambda: f"{datetime.now(timezone.utc):%m%d%H%M%S}{secrets.token_hex(1)}")
    cases: list[DemoCase] = field(default_factory=list)
    started: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, actor_id: str) -> str:
        if actor_id not in self.tokens:
            identity = Identity(self.ctx.settings, self.ctx.actors())
            try:
                self.ctx.actors().find(actor_id)
                subject = actor_id
            except KeyError:
                subject = subject_for_customer(actor_id)
            self.tokens[actor_id] = identity.mint(subject, 8 * 3600)
        return self.tokens[actor_id]

    async def call(self, actor_id: str, method: str, path: str, body: Any = None) -> Any:
        return await call(self.ctx, method, path, json=body, token=self.token(actor_id))

    async def open(
        self,
        kind: str,
        order_id: str,
        *,
        story: str,
        expect: str,
        reason: str = "",
        lines: list[dict[str, Any]] | None = None,
        opened_by: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> str:
        spec = spec_for(kind)
        n = len(self.cases) + 1
        case_id = f"{spec.id_prefix}-demo-{self.run_id}-{n:02d}"
        if kind not in SHARED_ORDER_KINDS:
            order_id = self.own_order(order_id, n)
        body = {
            **(fields or {}),
            "kind": kind,
            "order_id": order_id,
            "reason": reason,
            "case_id": case_id,
            "policy": DEMO_POLICY,
            **({"lines": lines} if lines else {}),
        }
        self.cases.append(DemoCase(case_id, kind, story, expect))
        self.started[case_id] = time.monotonic()
        await self.call(opened_by or INTAKE, "POST", "/v1/cases", body)
        self.ctx.say(f"  opened {case_id:<26} {story}")
        return case_id

    def own_order(self, order_id: str, n: int) -> str:
        """A copy of the demo order for this case alone: every order's ledger caps what it
        pays back, so cases sharing an order (or a second demo run) would find it spent."""
        store = self.ctx.cases()
        base = store.get_order(order_id)
        if base is None:
            return order_id  # build_input says the order is unknown
        copy = base.model_copy(update={"order_id": f"{order_id}.{self.run_id}.{n:02d}"})
        store.save_order(copy)
        return copy.order_id

    def customer_of(self, order_id: str) -> ActorRef:
        order = self.ctx.cases().get_order(order_id)
        assert order is not None
        return ActorRef(actor_id=order.customer_id, role=Role.CUSTOMER)

    def actor(self, actor_id: str) -> ActorRef:
        return self.ctx.actors().find(actor_id)

    async def view(self, case_id: str) -> dict[str, Any]:
        return await self.call(WATCHER, "GET", f"/v1/cases/{quote(case_id, safe='')}")

    async def wait(self, case_id: str, entry: Entry) -> dict[str, Any]:
        """The detail of the case's first `entry`, once its timeline shows it, as a person
        would see it before answering (people/desk.py)."""
        return await self.wait_nth(case_id, entry, 1)

    async def wait_nth(self, case_id: str, entry: Entry, nth: int) -> dict[str, Any]:
        deadline = time.monotonic() + ENTRY_WAIT_SECONDS
        while True:
            found = [e["detail"] for e in (await self.view(case_id))["timeline"] if e["kind"] == entry]
            if len(found) >= nth:
                return found[nth - 1]
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{case_id} did not reach {entry} #{nth} in {ENTRY_WAIT_SECONDS:.0f}s")
            await asyncio.sleep(0.2)

    async def wait_any(self, case_id: str, *entries: Entry) -> tuple[Entry, dict[str, Any]]:
        deadline = time.monotonic() + ENTRY_WAIT_SECONDS
        while True:
            timeline = (await self.view(case_id))["timeline"]
            for entry in entries:
                found = [e["detail"] for e in timeline if e["kind"] == entry]
                if found:
                    return entry, found[0]
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{case_id} reached none of {', '.join(entries)} in {ENTRY_WAIT_SECONDS:.0f}s")
            await asyncio.sleep(0.2)

    def person(self, role: Role, nth: int) -> ActorRef:
        """Someone of `role` in the actor registry, a different one for each nth where there are several."""
        people = self.ctx.actors().with_role(role)
        return people[(nth - 1) % len(people)]

    async def pending(self, case_id: str) -> list[SimpleNamespace]:
        """The case's open approvals, from its timeline."""
        open_: dict[str, SimpleNamespace] = {}
        for e in (await self.view(case_id))["timeline"]:
            approval_id = e["detail"].get("approval_id")
            if e["kind"] == Entry.APPROVAL_REQUESTED:
                open_[approval_id] = SimpleNamespace(approval_id=approval_id, roles=e["detail"].get("roles", []))
            elif e["kind"] in (Entry.APPROVAL_DECIDED, Entry.APPROVAL_EXPIRED):
                open_.pop(approval_id, None)
        return list(open_.values())

    async def state(self, case_id: str) -> str | None:
        status = (await self.view(case_id))["status"]
        return status["state"] if status else None

    async def answer(self, case_id: str, name: str, payload: BaseModel | None = None) -> CaseStatus | None:
        """An answer through the API, given by whoever the payload names (the API puts them back)."""
        path = f"/v1/cases/{quote(case_id, safe='')}"
        if isinstance(payload, ApprovalDecision):
            body: dict[str, Any] | None = {
                "decision": "approve" if payload.approve else "reject",
                "note": payload.note,
                "amount_fen": payload.amount_fen,
            }
            approval = f"{path}/approvals/{quote(payload.approval_id, safe='')}"
            done = await self._refusable(payload.approver.actor_id, approval, body)
        else:
            actors = {k: v for k, v in (payload or {}).__dict__.items() if isinstance(v, ActorRef)} if payload else {}
            who = next(iter(actors.values())).actor_id if actors else self._answerer(name)
            body = payload.model_dump(mode="json", exclude=set(actors)) if payload is not None else None
            done = await self._refusable(who, f"{path}/answers/{name}", body)
        return CaseStatus.model_validate(done["status"]) if done.get("status") else None

    async def _refusable(self, actor_id: str, path: str, body: Any) -> Any:
        """A refused answer (the API's 4xx) is people/desk.py's Refused: another person may try."""
        try:
            return await self.call(actor_id, "POST", path, body)
        except CliError as e:
            raise Refused(str(e)) from e

    def _answerer(self, name: str) -> str:
        """Who gives an answer that names nobody (a partner's push): the registry's first of its role."""
        from domain.permissions import ANSWERERS

        return self.ctx.actors().with_role(*ANSWERERS[name])[0].actor_id

    async def finished(self, case_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """The case's page once it has closed (or as it is when the time is up)."""
        deadline = time.monotonic() + timeout
        while True:
            view = await self.view(case_id)
            if (not view["running"] and view["case"] and view["case"].get("outcome")) or time.monotonic() >= deadline:
                return view
            await asyncio.sleep(0.25)


DemoScript = Callable[[DemoRun], Awaitable[list[str]]]


async def return_refund_script(run: DemoRun) -> list[str]:
    """Issue 2: returns approved with and without pickup, rejected, pickup late, parcel refused."""
    from domain.returns import ReturnOutcome, ReviewDecision
    from people.returns import review

    reviewer = run.actor("zhao.returns")
    with_pickup = await run.open(
        "return_refund",
        "SO-20261118-0001",
        reason="牛奶临期，整单退货",
        expect=ReturnOutcome.REFUNDED,
        story="approved with pickup: goods back at the warehouse, then refunded (first payment call fails once)",
    )
    no_pickup = await run.open(
        "return_refund",
        "SO-20261118-0002",
        reason="生抽瓶盖漏液",
        lines=[{"sku": "SOY-HAITIAN-1L", "quantity": 1}],
        expect=ReturnOutcome.ADVANCE_COMPENSATED,
        story="approved without pickup: one leaking bottle, refunded at once",
    )
    rejected = await run.open(
        "return_refund",
        "SO-20261119-0004",
        reason="不想要了",
        lines=[{"sku": "DIAPER-L-52", "quantity": 1}],
        expect=ReturnOutcome.REJECTED,
        story="rejected: opened hygiene product",
    )
    late = await run.open(
        "return_refund",
        "SO-20261119-0003",
        reason="苹果有磕碰",
        expect=ReturnOutcome.ADVANCE_COMPENSATED,
        story="pickup late: courier slow, refund paid as advance compensation before day 5",
    )
    refused = await run.open(
        "return_refund",
        "SO-20261120-0005",
        reason="收件人拒收",
        opened_by="courier",
        fields={"origin": "parcel_refused"},
        expect=ReturnOutcome.ADVANCE_COMPENSATED,
        story="parcel refused on delivery (§4.14): no review, refunded without waiting",
    )
    # The specialist answers once the review is asked for (people/returns.py, as on the bench).
    await asyncio.gather(
        review(run, with_pickup, ReviewDecision(reviewer=reviewer, approve=True, pickup=True)),
        review(
            run, no_pickup, ReviewDecision(reviewer=reviewer, approve=True, pickup=False, reason="低值商品，免退回")
        ),
        review(
            run,
            rejected,
            ReviewDecision(reviewer=reviewer, approve=False, reason="已拆封的个人护理用品不支持无理由退货"),
        ),
        review(run, late, ReviewDecision(reviewer=reviewer, approve=True, pickup=True)),
    )
    return [with_pickup, no_pickup, rejected, late, refused]


DEMO_SCRIPTS: list[DemoScript] = [return_refund_script]


# -- complaints (issue 4): a customer complaint that climbs to the platform, an agent complaint appealed --
async def _pending_approval(run: DemoRun, case_id: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await run.pending(case_id)
        if found:
            return found[0]
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{case_id}: no approval asked for in {timeout:.0f}s")


async def _in_state(run: DemoRun, case_id: str, state: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while await run.state(case_id) != state:
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{case_id} did not reach {state} in {timeout:.0f}s")
        await asyncio.sleep(0.2)


async def complaint_script(run: DemoRun) -> list[str]:
    """§4.12: first line declines, the customer rejects (resubmitted), second line stays silent past
    its callback window, the timer hands it to the platform, which grants the coupon."""
    from domain.approvals import ApprovalDecision
    from domain.complaints import ComplaintOutcome, CustomerReply, FollowUp

    order_id, customer_id = "SO-20261119-0003", "cust-zhang-wei"
    case = await run.open(
        "complaint",
        order_id,
        opened_by="li.first",
        reason="苹果到货磕碰严重，要求补偿",
        expect=ComplaintOutcome.RESOLVED,
        story="complaint climbs to the platform: first line declines, rejected, second line silent, platform decides",
        fields={
            "intake": {
                "customer_id": customer_id,
                "order_id": order_id,
                "occurred_at": "2026-11-21T02:00:00Z",
                "reason": "苹果到货磕碰严重 (quality)",
                "demand": "20% 优惠券补偿",
                "emotion": "angry",
                "category": "product_quality",
                "demand_fen": 2700,
                "demand_kind": "coupon",
            }
        },
    )
    customer = ActorRef(actor_id=customer_id, role=Role.CUSTOMER)
    while True:
        req = await _pending_approval(run, case)
        if Role.SECOND_LINE in req.roles:  # silent on purpose: the callback window escalates it
            while (await _pending_approval(run, case)).approval_id == req.approval_id:
                await asyncio.sleep(0.5)
            continue
        platform = Role.PLATFORM in req.roles
        who = run.actor("platform" if platform else "li.first")
        note = "平台核实后同意全额优惠券" if platform else "已致歉；商品质量补偿超出一线权限"
        await run.answer(
            case, "decide", ApprovalDecision(approval_id=req.approval_id, approver=who, approve=platform, note=note)
        )
        await _in_state(run, case, "awaiting_customer")
        await run.answer(
            case,
            "reply",
            CustomerReply(customer=customer, accept=platform, note="谢谢" if platform else "不接受，要求补偿"),
        )
        if platform:
            break
    await _in_state(run, case, "awaiting_follow_up")
    await run.answer(
        case, "follow_up", FollowUp(by=run.actor("li.first"), solved=True, satisfaction=4, note="回访：优惠券已到账")
    )
    return [case]


async def agent_complaint_script(run: DemoRun) -> list[str]:
    """§5: verdict notice (attitude), the agent contacts the handler and appeals, the operations
    supervisor upholds the verdict; the penalty follows from the agent's stored record."""
    from domain.agent_complaints import AgentOutcome
    from people.complaints import agent_people

    case = await run.open(
        "agent_complaint",
        "SO-20261120-0005",
        opened_by="zhou.complaints",
        reason="客户投诉客服态度冷淡、不耐烦",
        expect=AgentOutcome.PENALISED,
        story="agent complaint appealed: contact in 48 h, appeal, review upholds the verdict",
        fields={
            "agent_id": "chen.agent",
            "handler": {"actor_id": "zhou.complaints", "role": "complaint_specialist"},
            "violation": 6,
            "finding": "会话中出现讽刺性语句 (violation 6, attitude)",
        },
    )
    # The same scripted agent and review as the bench's (people/complaints.py).
    await agent_people(
        run,
        case,
        run.actor("chen.agent"),
        contact="我想说明当时的情况",
        appeal="客户连续催促，我的回复并无讽刺之意",
        granted=False,
        review_note="聊天记录中有讽刺用语，维持原判",
    )
    return [case]


DEMO_SCRIPTS += [complaint_script, agent_complaint_script]


def load_demo_orders(ctx: Context) -> int:
    orders = read_orders(str(DEMO_ORDERS))
    for order in orders:
        ctx.cases().save_order(order)
    return len(orders)


async def _finish(run: DemoRun, case: DemoCase, timeout: float) -> tuple[DemoCase, dict[str, Any]]:
    view = await run.finished(case.case_id, timeout)
    case.seconds = time.monotonic() - run.started[case.case_id]
    case.outcome = view["case"].get("outcome") if view["case"] else None
    return case, view


async def run_demo(ctx: Context, *, timeout: float = 120.0) -> list[DemoCase]:
    """Open and drive every script's cases; print each case as it finishes. Returns the cases."""
    began = time.monotonic()
    load_demo_orders(ctx)
    run = DemoRun(ctx)
    ctx.say(f"Demo batch {run.run_id} under policy {DEMO_POLICY!r} (the rulebook's windows in seconds):")
    await asyncio.gather(*(script(run) for script in DEMO_SCRIPTS))
    ctx.say("")
    for done in asyncio.as_completed([_finish(run, c, timeout) for c in run.cases]):
        case, view = await done
        mark = "ok" if case.outcome == case.expect else f"UNEXPECTED (expected {case.expect})"
        ctx.say(f"── {case.story}")
        for line in describe_case(view_from_json(view)):
            ctx.say(line)
        ctx.say(f"  → outcome {case.outcome} after {case.seconds:.1f}s: {mark}")
        ctx.say("")
    ctx.say(
        f"Demo batch {run.run_id}: {sum(c.outcome == c.expect for c in run.cases)}/{len(run.cases)} cases reached "
        f"their expected outcome in {time.monotonic() - began:.1f}s"
    )
    summary = ctx.settings.data_dir / "demo-runs" / f"{run.run_id}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(json.dumps([asdict(c) for c in run.cases], ensure_ascii=False, indent=2), encoding="utf-8")
    return run.cases


# -- processes-b (issue 3): invoice, price, sign-off, not signed, missing item, damaged goods, wrong item --
async def _approval(run: DemoRun, case_id: str, approval_id: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await run.pending(case_id)
        if any(r.approval_id == approval_id for r in found):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{case_id}: approval {approval_id!r} never asked for in {timeout:.0f}s")


async def after_sales_script(run: DemoRun) -> list[str]:
    """§4.2–§4.8: one case of each kind, answered the way a customer and the staff would."""
    from domain.manual_refund import Payee
    from domain.missing_item import Remedy
    from people import after_sales as people

    customer = run.customer_of

    invoice = await run.open(
        "invoice",
        "SO-20261118-0002",
        reason="发票抬头开错",
        expect="delivered",
        story="wrong invoice: mailed back, 5 yuan postage refunded, new invoice delivered",
        fields={
            "problem": "wrong",
            "title": "刘洋",
            "content": "food",
            "amount_fen": 13670,
            "wrong_invoice_no": "INV-2026-1118-77",
        },
    )
    price = await run.open(
        "price_dispute",
        "SO-20261118-0002",
        reason="花生油没按活动价",
        expect="difference_refunded",
        story="promo price missed by a system error: platform agrees, the 20 yuan difference refunded",
        fields={"sku": "OIL-ARAWANA-5L", "promo_unit_price_fen": 8990, "promo_limit": 1},
    )
    sign_off = await run.open(
        "abnormal_sign_off",
        "SO-20261119-0004",
        reason="显示已签收但没收到",
        expect="refunded",
        story="abnormal sign-off: the courier has no signer proof, so the open trade is refunded by return",
    )
    not_signed = await run.open(
        "shipped_not_signed",
        "SO-20261120-0005",
        reason="发货四天未签收",
        expect="reshipped",
        story="not signed at 96 h: treated as lost, customer refuses the refund, second line agrees a reship",
    )
    missing = await run.open(
        "missing_item",
        "SO-20261119-0004",
        reason="湿巾少了一包",
        expect="reshipped",
        story="missing item, neither split nor short: the customer is believed, reship plus the 10 yuan coupon",
        fields={"missing": [{"sku": "WIPES-80x3", "quantity": 1}]},
    )
    damaged = await run.open(
        "damaged_goods",
        "SO-20261120-0005",
        reason="整箱水漏了",
        expect="refunded",
        story="damaged goods: photos sent, leaked liquid is scrapped on site, refunded without pickup",
        fields={"damaged": [{"sku": "WATER-NONGFU-24", "quantity": 2, "condition": "leaked_liquid"}]},
    )
    wrong = await run.open(
        "wrong_item",
        "SO-20261120-0005",
        reason="收到的纸巾不是下单的款",
        expect="refunded",
        story="wrong item over 20 yuan: barcode shows a warehouse error, pickup, refund and a second-line coupon",
        fields={"sku": "TISSUE-VINDA-10", "quantity": 1},
    )

    # The same scripted people as the bench's (people/after_sales.py), saying what this story needs.
    payee = Payee.model_validate(DEMO_PAYEES[0])
    await asyncio.gather(
        people.invoice_people(run, invoice, customer("SO-20261118-0002"), returned_by=run.actor("sun.invoices")),
        people.price_approvers(run, price, agreed=True, unpaid=False, note="活动价未生效，系统问题"),
        people.not_signed_customer(run, not_signed, customer("SO-20261120-0005"), "reship"),
        people.missing_item_customer(run, missing, customer("SO-20261119-0004"), payee, (Remedy.RESHIP, True)),
        people.damaged_goods_people(
            run, damaged, customer("SO-20261120-0005"), payee, photo="mail://scww/water-leak.jpg", coupon=False
        ),
        people.wrong_item_people(
            run,
            wrong,
            customer("SO-20261120-0005"),
            payee,
            photo="mail://scww/tissue-barcode.jpg",
            barcode="6922266446719",
        ),
    )
    return [invoice, price, sign_off, not_signed, missing, damaged, wrong]


DEMO_SCRIPTS += [after_sales_script]


# -- processes-a (issue 3): held order, oversold, shipment tracking, manual refund, reship, refusal --
async def fulfilment_script(run: DemoRun) -> list[str]:
    """§4.1, §4.9, §4.11, §4.13, §4.14: one case of each kind, answered as the customer and staff would."""
    from domain.approvals import ApprovalDecision
    from domain.held_order import CustomerChoice
    from people import fulfilment as people

    customer = run.customer_of

    async def approve(case_id: str, approval_id: str, actor_id: str) -> None:
        await _approval(run, case_id, approval_id)
        await run.answer(
            case_id,
            "decide",
            ApprovalDecision(approval_id=approval_id, approver=run.actor(actor_id), approve=True, note="checked"),
        )

    held = await run.open(
        "held_order",
        "SO-20261119-0004",
        reason="湿巾缺货，扣单",
        opened_by="li.first",
        expect="refunded",
        story="held order: no stock within the backfill window, apology and 10% coupon, the customer asks for a refund",
        fields={"cause": "no_stock"},
    )
    oversold = await run.open(
        "oversold",
        "SO-20261120-0005",
        reason="17:00 超卖核对",
        opened_by="li.first",
        expect="refunded",
        story="oversold: the platform does not answer in time, second line approves 10% cash, the order is refunded",
    )
    tracking = await run.open(
        "shipment_tracking",
        "SO-20261120-0005",
        reason="09:00 导出：商家处理中",
        opened_by="li.first",
        expect="platform_compensated",
        story="shipment tracking: still unshipped past 72 h, the platform rule's 30% coupon approved by second line",
    )
    manual = await run.open(
        "manual_refund",
        "SO-20261118-0002",
        reason="运费退款（交易已完成）",
        opened_by="qian.refunds",
        expect="paid",
        story="manual refund of a 10 yuan shipping fee: supervisor review, second check by another person (neither of them the opener), paid once",
        fields={"reason_kind": "shipping_fee", "amount_fen": 1000, "payee": DEMO_PAYEES[0]},
    )
    reship = await run.open(
        "reship",
        "SO-20261119-0004",
        reason="快递丢件，客户坚持要货",
        opened_by="wang.second",
        expect="reshipped",
        story="reship: lost in transit, original closed as abnormal return, platform pays, delivery by the 20:00 rule",
        fields={"cause": "lost_in_transit"},
    )
    refusal = await run.open(
        "refusal",
        "SO-20261120-0005",
        reason="快递员自行退回",
        opened_by="courier",
        expect="reshipped",
        story="refusal: the courier returned the parcel on its own, the customer still wants it, reshipped",
        fields={"how": "courier_returned"},
    )

    # The same scripted people as the bench's (people/fulfilment.py). The manual refund's two
    # checks go to wu.ops, then zheng.ops: qian.refunds, who opened it, is refused the second.
    await asyncio.gather(
        people.held_order_people(
            run, held, customer("SO-20261119-0004"), cash_offer=False, choice=CustomerChoice.REFUND
        ),
        people.refusal_customer(run, refusal, customer("SO-20261120-0005"), wants_goods=True),
        people.manual_refund_people(run, manual, assessor=None, review_note="checked", second_note="checked"),
        approve(oversold, "compensation", "wang.second"),
        approve(tracking, "platform-72h", "wang.second"),
    )
    return [held, oversold, tracking, manual, reship, refusal]


DEMO_SCRIPTS += [fulfilment_script]

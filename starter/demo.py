"""The demo batch: realistic cases opened and driven to their outcomes under the demo
policy (policies/demo.toml: the rulebook's windows in seconds) and the demo simulator
scenarios (demo_data/simulators.json).

DEMO_SCRIPTS is a registry: each script is an async callable taking a DemoRun, opening
and driving the cases of one kind through `run.open(...)` and `run.answer(...)`, and
returning their case ids. A new case kind appends its script."""
from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowFailureError, WorkflowHandle

from domain.actors import ActorRef
from domain.kinds import spec_for
from domain.models import CaseStatus, TimelineEntry
from starter.cases import build_input, describe_case, case_view, read_orders, start_case
from starter.context import Context

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_ORDERS = DEMO_DATA / "orders.json"
DEMO_SIMULATORS = DEMO_DATA / "simulators.json"
DEMO_POLICY = "demo"


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
    ctx: Context
    run_id: str = field(default_factory=lambda: f"{datetime.now(timezone.utc):%m%d%H%M%S}{secrets.token_hex(1)}")
    cases: list[DemoCase] = field(default_factory=list)
    handles: dict[str, WorkflowHandle] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)

    async def open(self, kind: str, order_id: str, *, story: str, expect: str, reason: str = "",
                   lines: list[dict[str, Any]] | None = None, opened_by: str | None = None,
                   fields: dict[str, Any] | None = None) -> str:
        spec = spec_for(kind)
        case_id = f"{spec.id_prefix}-demo-{self.run_id}-{len(self.cases) + 1:02d}"
        inp = build_input(self.ctx, spec, order_id=order_id, reason=reason, lines=lines, case_id=case_id,
                          opened_by=opened_by, policy=DEMO_POLICY, fields=fields)
        self.cases.append(DemoCase(case_id, kind, story, expect))
        self.started[case_id] = time.monotonic()
        self.handles[case_id] = await start_case(self.ctx, spec, inp)
        self.ctx.say(f"  opened {case_id:<26} {story}")
        return case_id

    def actor(self, actor_id: str) -> ActorRef:
        return self.ctx.actors().find(actor_id)

    async def reached(self, case_id: str, entry: str, timeout: float = 30.0) -> None:
        """Wait until the case's timeline shows `entry`, as a person would before answering."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            timeline = await self.handles[case_id].query("timeline", result_type=list[TimelineEntry])
            if any(e.kind == entry for e in timeline):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{case_id} did not reach {entry} in {timeout:.0f}s")

    async def answer(self, case_id: str, name: str, payload: BaseModel | None = None) -> CaseStatus | None:
        """An answer through the kind's Update or Signal, as the CLI's `answer` sends it."""
        spec_answer = spec_for(next(c.kind for c in self.cases if c.case_id == case_id)).answers[name]
        handle = self.handles[case_id]
        args = [] if payload is None else [payload]
        if spec_answer.update:
            return await handle.execute_update(spec_answer.handler, *args, result_type=CaseStatus)
        await handle.signal(spec_answer.handler, *args)
        return None


DemoScript = Callable[[DemoRun], Awaitable[list[str]]]


async def return_refund_script(run: DemoRun) -> list[str]:
    """Issue 2: returns approved with and without pickup, rejected, pickup late, parcel refused."""
    from domain.returns import ReturnOutcome, ReviewDecision

    reviewer = run.actor("zhao.returns")
    with_pickup = await run.open(
        "return_refund", "SO-20261118-0001", reason="牛奶临期，整单退货", expect=ReturnOutcome.REFUNDED,
        story="approved with pickup: goods back at the warehouse, then refunded (first payment call fails once)")
    no_pickup = await run.open(
        "return_refund", "SO-20261118-0002", reason="生抽瓶盖漏液", lines=[{"sku": "SOY-HAITIAN-1L", "quantity": 1}],
        expect=ReturnOutcome.ADVANCE_COMPENSATED, story="approved without pickup: one leaking bottle, refunded at once")
    rejected = await run.open(
        "return_refund", "SO-20261119-0004", reason="不想要了", lines=[{"sku": "DIAPER-L-52", "quantity": 1}],
        expect=ReturnOutcome.REJECTED, story="rejected: opened hygiene product")
    late = await run.open(
        "return_refund", "SO-20261119-0003", reason="苹果有磕碰", expect=ReturnOutcome.ADVANCE_COMPENSATED,
        story="pickup late: courier slow, refund paid as advance compensation before day 5")
    refused = await run.open(
        "return_refund", "SO-20261120-0005", reason="收件人拒收", opened_by="courier",
        fields={"origin": "parcel_refused"}, expect=ReturnOutcome.ADVANCE_COMPENSATED,
        story="parcel refused on delivery (§4.14): no review, refunded without waiting")
    # The specialist answers once the review is asked for.
    await asyncio.gather(*(run.reached(c, "review_requested") for c in (with_pickup, no_pickup, rejected, late)))
    await asyncio.gather(
        run.answer(with_pickup, "review", ReviewDecision(reviewer=reviewer, approve=True, pickup=True)),
        run.answer(no_pickup, "review", ReviewDecision(reviewer=reviewer, approve=True, pickup=False,
                                                       reason="低值商品，免退回")),
        run.answer(rejected, "review", ReviewDecision(reviewer=reviewer, approve=False,
                                                      reason="已拆封的个人护理用品不支持无理由退货")),
        run.answer(late, "review", ReviewDecision(reviewer=reviewer, approve=True, pickup=True)),
    )
    return [with_pickup, no_pickup, rejected, late, refused]


DEMO_SCRIPTS: list[DemoScript] = [return_refund_script]


def load_demo_orders(ctx: Context) -> int:
    orders = read_orders(str(DEMO_ORDERS))
    for order in orders:
        ctx.cases().save_order(order)
    return len(orders)


async def _finish(run: DemoRun, case: DemoCase, timeout: float) -> DemoCase:
    try:
        await asyncio.wait_for(run.handles[case.case_id].result(), timeout)
    except (WorkflowFailureError, asyncio.TimeoutError):
        pass
    case.seconds = time.monotonic() - run.started[case.case_id]
    row = run.ctx.cases().get_case(case.case_id)
    case.outcome = row["outcome"] if row else None
    return case


async def run_demo(ctx: Context, *, timeout: float = 120.0) -> list[DemoCase]:
    """Open and drive every script's cases; print each case as it finishes. Returns the cases."""
    began = time.monotonic()
    load_demo_orders(ctx)
    run = DemoRun(ctx)
    ctx.say(f"Demo batch {run.run_id} under policy {DEMO_POLICY!r} (the rulebook's windows in seconds):")
    await asyncio.gather(*(script(run) for script in DEMO_SCRIPTS))
    ctx.say("")
    for done in asyncio.as_completed([_finish(run, c, timeout) for c in run.cases]):
        case = await done
        view = await case_view(ctx, case.case_id)
        mark = "ok" if case.outcome == case.expect else f"UNEXPECTED (expected {case.expect})"
        ctx.say(f"── {case.story}")
        for line in describe_case(view):
            ctx.say(line)
        ctx.say(f"  → outcome {case.outcome} after {case.seconds:.1f}s: {mark}")
        ctx.say("")
    ctx.say(f"Demo batch {run.run_id}: {sum(c.outcome == c.expect for c in run.cases)}/{len(run.cases)} cases reached "
            f"their expected outcome in {time.monotonic() - began:.1f}s")
    summary = ctx.settings.data_dir / "demo-runs" / f"{run.run_id}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(json.dumps([asdict(c) for c in run.cases], ensure_ascii=False, indent=2), encoding="utf-8")
    return run.cases

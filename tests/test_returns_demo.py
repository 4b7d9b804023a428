"""The demo's return script answers through the same scripted people as the bench
(people/returns.py) and its cases reach their expected outcomes under the demo policy."""

from __future__ import annotations

import io

from adapters.simulators import SimulatorConfig
from domain.timeline import Entry
from runtime.settings import Settings
from service.context import Context
from starter.demo import DEMO_SIMULATORS, DemoRun, load_demo_orders, return_refund_script
from tests.front_door import front_door, with_issuer
from tests.support import running_worker


async def test_demo_returns_are_reviewed_by_the_scripted_specialist_and_end_as_expected(
    env, store, sqlite_url, tmp_path
):
    async with running_worker(env, store, SimulatorConfig.from_file(str(DEMO_SIMULATORS))) as (tq, _):
        settings = with_issuer(Settings(task_queue=tq, database_url=sqlite_url, policy="demo"), tmp_path)
        async with front_door(settings, env.client, store) as door:
            ctx = Context(settings=settings, store=store, out=io.StringIO(), api=door.http)
            load_demo_orders(ctx)
            run = DemoRun(ctx)
            cases = await return_refund_script(run)
            for case in run.cases:
                await env.client.get_workflow_handle(f"case-{case.case_id}").result()
                assert store.get_case(case.case_id)["outcome"] == case.expect, case
            # four reviewed by the specialist; the refused parcel needs no review (the case records it as system's)
            reviewers = [e.actor for c in cases for e in store.timeline(c) if e.kind == Entry.REVIEWED]
            assert sorted(reviewers) == ["system"] + ["zhao.returns"] * 4

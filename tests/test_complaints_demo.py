"""The demo's complaint scripts (issue 4) reach their expected outcomes under the demo policy."""

from __future__ import annotations

import io

from domain.timeline import Entry
from runtime.settings import Settings
from service.context import Context
from starter.demo import DemoRun, agent_complaint_script, complaint_script, load_demo_orders
from tests.front_door import front_door, with_issuer
from tests.support import running_worker


async def test_demo_complaint_climbs_to_the_platform_and_the_agent_complaint_is_appealed(
    env, store, sqlite_url, tmp_path
):
    async with running_worker(env, store) as (tq, _):
        settings = with_issuer(Settings(task_queue=tq, database_url=sqlite_url, policy="demo"), tmp_path)
        async with front_door(settings, env.client, store) as door:
            await _script(env, store, Context(settings=settings, store=store, out=io.StringIO(), api=door.http))


async def _script(env, store, ctx):
    """Through the API only: the demo has no Temporal client of its own."""
    load_demo_orders(ctx)
    run = DemoRun(ctx)
    [complaint] = await complaint_script(run)
    [agent_case] = await agent_complaint_script(run)
    for case in run.cases:
        await env.client.get_workflow_handle(f"case-{case.case_id}").result()
        assert store.get_case(case.case_id)["outcome"] == case.expect, case
    got = [e.kind for e in store.timeline(complaint)]
    assert Entry.ESCALATED in got and Entry.RESUBMITTED in got
    assert [e.detail.get("level") for e in store.timeline(complaint) if e.kind == Entry.ANSWER_GIVEN][-1] == "platform"
    assert Entry.APPEALED in [e.kind for e in store.timeline(agent_case)]

    # Run again on the same store: now a repeat complaint, and the agent's record has grown.
    again = DemoRun(ctx)
    [repeat] = await complaint_script(again)
    [second_agent_case] = await agent_complaint_script(again)
    for case in again.cases:
        await env.client.get_workflow_handle(f"case-{case.case_id}").result()
        assert store.get_case(case.case_id)["outcome"] == case.expect, case
    assert Entry.REPEAT_DETECTED in [e.kind for e in store.timeline(repeat)]
    penalty = next(e.detail for e in store.timeline(second_agent_case) if e.kind == Entry.PENALTY_DECIDED)
    assert penalty["earlier_records"] >= 1

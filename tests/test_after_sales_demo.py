"""The demo's after-sales script (issue 3: §4.2–§4.8) reaches every expected outcome
under the demo policy."""

from __future__ import annotations

import io

from runtime.settings import Settings
from service.context import Context
from starter.demo import DemoRun, after_sales_script, load_demo_orders
from tests.front_door import front_door, with_issuer
from tests.support import running_worker


async def test_demo_opens_one_case_of_each_after_sales_kind_and_each_ends_as_expected(env, store, sqlite_url, tmp_path):
    async with running_worker(env, store) as (tq, _):
        settings = with_issuer(Settings(task_queue=tq, database_url=sqlite_url, policy="demo"), tmp_path)
        async with front_door(settings, env.client, store) as door:
            await _script(env, store, Context(settings=settings, store=store, out=io.StringIO(), api=door.http))


async def _script(env, store, ctx):
    """Through the API only: the demo has no Temporal client of its own."""
    load_demo_orders(ctx)
    run = DemoRun(ctx)
    cases = await after_sales_script(run)
    assert {c.kind for c in run.cases} == {
        "invoice",
        "price_dispute",
        "abnormal_sign_off",
        "shipped_not_signed",
        "missing_item",
        "damaged_goods",
        "wrong_item",
    }
    for case in run.cases:
        await env.client.get_workflow_handle(f"case-{case.case_id}").result()
        assert store.get_case(case.case_id)["outcome"] == case.expect, case
    assert len(cases) == 7

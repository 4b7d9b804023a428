"""The demo's fulfilment script (issue 3: §4.1, §4.9, §4.11, §4.13, §4.14) reaches every
expected outcome under the demo policy."""
from __future__ import annotations

import io

from runtime.settings import Settings
from service.context import Context
from starter.demo import DemoRun, fulfilment_script, load_demo_orders
from tests.conftest import running_worker


async def test_demo_opens_one_case_of_each_fulfilment_kind_and_each_ends_as_expected(env, store, sqlite_url):
    async with running_worker(env, store) as (tq, _):
        ctx = Context(settings=Settings(task_queue=tq, database_url=sqlite_url, policy="demo"), client=env.client,
                      store=store, out=io.StringIO())
        load_demo_orders(ctx)
        run = DemoRun(ctx)
        cases = await fulfilment_script(run)
        assert {c.kind for c in run.cases} == {"held_order", "oversold", "shipment_tracking", "manual_refund", "reship",
                                               "refusal"}
        for case in run.cases:
            await run.handles[case.case_id].result()
            assert store.get_case(case.case_id)["outcome"] == case.expect, case
        assert len(cases) == 6

"""The worker's sandbox (runtime/sandbox.py) is cheaper than the SDK's default but still a
sandbox: workflow code that is not deterministic is stopped, and every run gets its own
copy of its workflow module."""

from __future__ import annotations

import uuid

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from runtime.sandbox import sandbox_runner
from tests.sandbox_workflows import CountsRuns, ReadsTheWallClock
from tests.support import until


def worker(env: WorkflowEnvironment, task_queue: str) -> Worker:
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ReadsTheWallClock, CountsRuns],
        workflow_runner=sandbox_runner("fast"),
    )


async def test_a_workflow_reading_the_wall_clock_is_stopped_by_the_sandbox(env: WorkflowEnvironment):
    tq = f"sandbox-{uuid.uuid4()}"
    async with worker(env, tq):
        h = await env.client.start_workflow(ReadsTheWallClock.run, id=f"wall-clock-{uuid.uuid4()}", task_queue=tq)

        async def task_failure() -> str:
            return next(
                (
                    e.workflow_task_failed_event_attributes.failure.message
                    for e in (await h.fetch_history()).events
                    if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
                ),
                "",
            )

        failure = await until(task_failure, "the workflow task to fail", within=10)
        await h.terminate("test over")
    assert "Cannot access datetime.datetime.now" in failure and "from inside a workflow" in failure, failure


async def test_every_run_starts_from_a_fresh_copy_of_its_workflow_module(env: WorkflowEnvironment):
    tq = f"sandbox-{uuid.uuid4()}"
    async with worker(env, tq):
        counts = [
            await env.client.execute_workflow(CountsRuns.run, id=f"count-{uuid.uuid4()}", task_queue=tq)
            for _ in range(3)
        ]
    assert counts == [1, 1, 1]


def test_the_sdk_still_has_every_private_member_the_fast_sandbox_overrides():
    """runtime/sandbox.py subclasses the SDK's private `_Instance`: the pin in pyproject.toml
    names the minor version this test proves it on."""
    import inspect
    import re
    from importlib.metadata import version

    from temporalio.worker.workflow_sandbox import _runner as sdk_runner

    from runtime.sandbox import OVERRIDDEN
    from runtime.settings import ROOT

    init = inspect.getsource(sdk_runner._Instance.__init__)
    missing = [m for m in OVERRIDDEN if not hasattr(sdk_runner._Instance, m) and f"self.{m} =" not in init]
    assert missing == []
    pin = re.search(r'"temporalio>=(\d+)\.(\d+),<(\d+)\.(\d+)"', (ROOT / "pyproject.toml").read_text())
    assert pin, "temporalio is pinned to a minor version"
    major, minor = (int(x) for x in version("temporalio").split(".")[:2])
    assert (major, minor) == (int(pin[1]), int(pin[2])) and (int(pin[3]), int(pin[4])) == (major, minor + 1)


async def test_the_stock_sandbox_runs_the_same_workflows(env: WorkflowEnvironment):
    """WORKFLOW_SANDBOX=stock: the SDK's own runner with the same passthrough list."""
    tq = f"sandbox-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=tq, workflows=[CountsRuns], workflow_runner=sandbox_runner("stock")):
        counts = [
            await env.client.execute_workflow(CountsRuns.run, id=f"count-{uuid.uuid4()}", task_queue=tq)
            for _ in range(2)
        ]
    assert counts == [1, 1]


def test_an_unknown_sandbox_choice_is_refused():
    import pytest

    with pytest.raises(ValueError, match="WORKFLOW_SANDBOX"):
        sandbox_runner("quick")


def test_a_process_module_is_executed_afresh_from_code_read_once():
    """Each run gets a fresh module (its own classes and globals), but the source is
    read and compiled once per process: the code objects are shared."""
    import importlib.util

    import workflows
    from runtime.sandbox import CodeOnceFinder

    finder = CodeOnceFinder()
    assert finder.find_spec("domain.policy", None) is None  # only the re-imported package
    modules = []
    for _ in range(2):
        spec = finder.find_spec("workflows.return_refund", workflows.__path__)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    first, second = modules
    assert first is not second and first.ReturnRefund is not second.ReturnRefund
    assert first.ReturnRefund.run.__code__ is second.ReturnRefund.run.__code__

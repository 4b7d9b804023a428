"""Workflows that misbehave on purpose, for tests/test_sandbox.py: kept apart from the
tests so the sandbox re-imports only this small module for each run."""

from __future__ import annotations

import datetime

from temporalio import workflow

RUNS = 0  # module state: every run must start from a fresh copy of this module


@workflow.defn
class ReadsTheWallClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.datetime.now().isoformat()  # forbidden in a workflow: not replayable


@workflow.defn
class CountsRuns:
    @workflow.run
    async def run(self) -> int:
        global RUNS
        RUNS += 1
        return RUNS

"""Replay speed: histories through one Replayer, with the worker's own sandbox runner
(passthrough modules included), so what is measured is what a worker pays to rebuild
a case from its history after an eviction or a restart."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from bench.floor import Floor
from runtime.temporal import data_converter
from worker import sandbox_runner
from workflows.registry import WORKFLOWS


def replayer(converter: DataConverter | None = None) -> Replayer:
    return Replayer(
        workflows=[*WORKFLOWS, Floor], data_converter=converter or data_converter(), workflow_runner=sandbox_runner()
    )


async def replay_speed(r: Replayer, histories: list[WorkflowHistory]) -> dict[str, Any]:
    events = sum(len(h.events) for h in histories)
    began = time.perf_counter()

    async def each() -> AsyncIterator[WorkflowHistory]:
        for h in histories:
            yield h

    results = await r.replay_workflows(each(), raise_on_replay_failure=False)
    took = time.perf_counter() - began
    failures = {run_id: str(err) for run_id, err in results.replay_failures.items()}
    return dict(
        histories=len(histories),
        events=events,
        seconds=round(took, 3),
        histories_per_s=round(len(histories) / took, 1) if took else 0.0,
        events_per_s=round(events / took) if took else 0,
        failures=len(failures),
        first_failures=list(failures.values())[:3],
    )


async def replay_all(ours: list[WorkflowHistory], floor: list[WorkflowHistory]) -> dict[str, Any]:
    r = replayer()
    return dict(ours=await replay_speed(r, ours), floor=await replay_speed(r, floor))

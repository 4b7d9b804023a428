"""Every recorded history replays against the current workflow code without
non-determinism. Re-record: RECORD_HISTORIES=1 ./dev test (only for new files; see
tests/replay_support.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from runtime.temporal import data_converter
from tests.replay_support import CURRENT, HISTORIES
from worker import sandbox_runner
from workflows.registry import WORKFLOWS

FILES = sorted(HISTORIES.rglob("*.json"))


def workflow_type(path: Path) -> str:
    events = json.loads(path.read_text())["events"]
    return events[0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]


def test_every_workflow_type_has_a_recorded_history():
    recorded = {workflow_type(p) for p in FILES}
    defined = {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]
    assert defined - recorded == set(), f"no recorded history for {sorted(defined - recorded)}"


def test_every_workflow_type_has_a_history_of_the_current_code():
    recorded = {workflow_type(p) for p in CURRENT.glob("*.json")}
    defined = {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]
    assert defined - recorded == set(), f"no history recorded by the current code for {sorted(defined - recorded)}"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(HISTORIES).with_suffix("")) for p in FILES])
async def test_history_replays(path: Path):
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter(), workflow_runner=sandbox_runner())
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"

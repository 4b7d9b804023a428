"""Recorded histories for the replay suite.

keep_history() writes a finished workflow's history to tests/histories/<patch>/<name>.json the
first time (or every time with RECORD_HISTORIES=1), so the tests that drive real runs
are also what records them. test_replay.py replays every file there against the
current code. A history recorded before a workflow change stays in the suite: change
the workflow with workflow.patched() instead of re-recording old files."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.client import WorkflowHandle

HISTORIES = Path(__file__).resolve().parent / "histories"
# Histories are recorded into a folder named after the newest workflow patch, so the
# runs of the current code are kept beside (never over) those recorded before it.
CURRENT = HISTORIES / "timeline-batches"


async def keep_history(handle: WorkflowHandle, name: str, patch: str | None = None) -> Path:
    """patch: the folder of a newer patch that only some workflow types take (e.g.
    "poll-by-retry"), so their new runs are kept beside the CURRENT ones."""
    path = (HISTORIES / patch if patch else CURRENT) / f"{name}.json"
    if path.exists() and not os.environ.get("RECORD_HISTORIES"):
        return path
    history = await handle.fetch_history()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(history.to_json(), encoding="utf-8")
    return path

"""Waiting for the customer's evidence (photos, a barcode photo): one reminder on the
way, a timeout at the end, both from the policy table."""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.timeline import Entry
    from workflows.casefile import CaseFile


async def await_evidence(f: CaseFile, received: Callable[[], bool], kinds: tuple[str, ...]) -> bool:
    """True when the evidence came within the evidence window."""
    windows = f.policy.windows
    asked = workflow.now()
    due = f.deadline_after("evidence", asked, windows.evidence)
    remind_at = f.deadline_after("evidence_reminder", asked, windows.evidence_reminder)
    await f.record(Entry.EVIDENCE_REQUESTED, "first_line", kinds=list(kinds), due_at=due.isoformat())
    if not await f.wait_until(received, remind_at):
        await f.record(Entry.EVIDENCE_REMINDER_SENT, "system", window="evidence_reminder")
    f.clear_deadline("evidence_reminder")
    came = await f.wait_until(received, due)
    f.clear_deadline("evidence")
    return came

"""One marker for every patch (issue 14, events per case). Each `workflow.patched(id)` a
run takes writes two events (the marker and the TemporalChangeVersion search-attribute
upsert), so a case taking four patches paid eight events for changes made before it
began. A run begun now takes one marker, BASELINE, which implies every patch in
IMPLIED; runs begun before it have no BASELINE marker (the first ask replays as False
and stays False for the run), so they ask each patch by its own id as they always did
and their histories replay unchanged.

A patch added after BASELINE is asked by its own id (not in IMPLIED) until a newer
baseline takes it in; IMPLIED never loses an id."""

from __future__ import annotations

from temporalio import workflow

BASELINE = "baseline-2026-12"

IMPLIED = frozenset(
    {
        "store-writes-local-activities",
        "timeline-batches",
        "sweep-case-orders",
        "compensation-alongside",
        "review-escalation",
        "report-reset-before-check",
        "invoice-postage-two-person-check",
        "poll-by-retry",
        "poll-without-deadline-timer",
        "continue-as-new",
    }
)


def patched(patch_id: str) -> bool:
    """workflow.patched(patch_id), answered by the run's BASELINE marker when it has one."""
    if patch_id in IMPLIED and workflow.patched(BASELINE):
        return True
    return workflow.patched(patch_id)

"""One marker for every patch (issue 14, events per case). Each `workflow.patched(id)` a
run takes writes two events (the marker and the TemporalChangeVersion search-attribute
upsert), so a case taking four patches paid eight events for changes made before it
began. A run begun now takes one marker, BASELINE, which implies every patch in
IMPLIED; runs begun before it have no BASELINE marker (the first ask replays as False
and stays False for the run), so they ask each patch by its own id as they always did
and their histories replay unchanged.

A patch added after BASELINE is asked by its own id (not in IMPLIED) until a newer
baseline takes it in; IMPLIED never loses an id.

A child case started by a run on BASELINE is on it too, without a marker of its own: the
parent says so in the child's memo (INHERITED, part of the child's first event, so its
replay reads the same), which saves each child its two events. A child started by a run
not on BASELINE gets no memo and asks BASELINE itself, as every child did before."""

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


INHERITED = "aftersales-baseline"  # memo key of a child started by a run on BASELINE


def on_baseline() -> bool:
    """Whether this run takes every patch in IMPLIED: its parent started it on BASELINE,
    or it recorded the BASELINE marker itself (asked first at the run's start)."""
    return bool(workflow.memo_value(INHERITED, False, type_hint=bool)) or workflow.patched(BASELINE)


def patched(patch_id: str) -> bool:
    """workflow.patched(patch_id), answered by the run's baseline when it has one."""
    if patch_id in IMPLIED and on_baseline():
        return True
    return workflow.patched(patch_id)


def child_memo() -> dict[str, bool] | None:
    """The memo of a child case this run starts: on BASELINE, the child is too."""
    return {INHERITED: True} if on_baseline() else None

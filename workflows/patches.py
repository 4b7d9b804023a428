"""One marker for every patch (issue 14, events per case). Each `workflow.patched(id)` a
run takes writes two events (the marker and the TemporalChangeVersion search-attribute
upsert), so a case taking four patches paid eight events for changes made before it
began. A run begun now takes one marker, its BASELINE, which implies every patch in
IMPLIED[BASELINE]; runs begun before a baseline have no marker of it (the first ask
replays as False and stays False for the run), so they ask the older baselines, or each
patch by its own id as they always did, and their histories replay unchanged.

A patch added after the newest baseline is asked by its own id until a newer baseline
takes it in. A baseline implies every patch of the one before it, and never loses an id.
A patch that comes with a new baseline (poll-to-deadline, with baseline-2026-12b) is taken
by runs on it only, told by CaseFile.takes without asking: runs on older baselines keep
the old path and their histories replay.

A child case started by a run on a baseline is on it too, without a marker of its own: the
parent names its baseline in the child's memo (INHERITED, part of the child's first event,
so its replay reads the same; children of the first baseline carry True), which saves each
child its two events. A child started by a run on no baseline gets no memo and asks the
baselines itself, as every child did before."""

from __future__ import annotations

from temporalio import workflow

FIRST_BASELINE = "baseline-2026-12"
BASELINE = "baseline-2026-12b"  # what a run begun now records

_FIRST_IMPLIED = frozenset(
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
IMPLIED: dict[str, frozenset[str]] = {
    FIRST_BASELINE: _FIRST_IMPLIED,
    BASELINE: _FIRST_IMPLIED | {"poll-to-deadline"},
}
NEWEST_FIRST = (BASELINE, FIRST_BASELINE)

INHERITED = "aftersales-baseline"  # memo key of a child started by a run on a baseline


def run_baseline() -> str | None:
    """The baseline this run is on: its parent's (memo), else the newest whose marker it
    recorded (asked first at the run's start, so a run begun before a baseline replays
    its ask as False); None for a run begun before every baseline."""
    inherited = workflow.memo_value(INHERITED, None)
    if inherited is True:
        return FIRST_BASELINE
    if isinstance(inherited, str) and inherited in IMPLIED:
        return inherited
    return next((b for b in NEWEST_FIRST if workflow.patched(b)), None)


def patched(patch_id: str) -> bool:
    """workflow.patched(patch_id), answered by the run's baseline when it implies it."""
    baseline = run_baseline()
    if baseline is not None and patch_id in IMPLIED[baseline]:
        return True
    return workflow.patched(patch_id)


def child_memo() -> dict[str, bool | str] | None:
    """The memo of a child case this run starts: on a baseline, the child is too."""
    baseline = run_baseline()
    if baseline is None:
        return None
    return {INHERITED: True if baseline == FIRST_BASELINE else baseline}

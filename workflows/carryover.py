"""Long waits stay small (issue 14): a case whose wait on an outside system keeps being
woken (a chatty or repeated push, a customer answering again and again) adds a few
events per wake-up, so over a long window its history could grow past what a run
should carry. Such a run continues as new once the server suggests it or its history
nears the policy's `polling.history_limit`: the next run gets the case's input with
the carried wait (domain/carryover.py) and resumes that wait; it opens nothing again,
records nothing twice and pays nothing twice (payment keys are the case's and the
step's, never the run's), and the workflow id stays `case-<id>`, so clients holding a
handle without a run id, signals and queries follow the chain.

Patch CONTINUE_AS_NEW is asked only when a run is about to continue, so runs that never
get long carry no marker; runs begun before it that never reached the limit replay as
they were."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

from workflows import patches
from workflows.casefile import CaseFile

CONTINUE_AS_NEW = "continue-as-new"


# room for what the run still writes before it hands over: the wake-up that found it
# long, pushes arriving meanwhile, the last timeline batch and the continue-as-new itself
def headroom(limit: int) -> int:
    return max(40, limit // 5)


def too_long(file: CaseFile) -> bool:
    if file.continue_with is None:
        return False
    info = workflow.info()
    limit = file.policy.polling.history_limit
    if not info.is_continue_as_new_suggested() and info.get_current_history_length() < limit - headroom(limit):
        return False
    return patches.patched(CONTINUE_AS_NEW)


async def continue_if_long(file: CaseFile, waiting_for: str, since: datetime | None = None) -> None:
    """Between two looks at an outside system, where nothing is in flight: continue as
    new when the run is long; otherwise return at once."""
    if not too_long(file):
        return
    assert file.continue_with is not None
    # an Update or signal still running would be cut off with the run
    await workflow.wait_condition(workflow.all_handlers_finished)
    workflow.continue_as_new(file.continue_with(await file.carry(waiting_for, since)))

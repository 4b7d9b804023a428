"""How an Update validator refuses: an ApplicationError typed by the problem's code
(domain/problems.py), so the service and the console match on the code, not the words."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.problems import Problem


def refuse(problem: Problem | None) -> None:
    """Raise when there is a problem; the Update is rejected before anything enters the history."""
    if problem is not None:
        raise ApplicationError(problem.message, type=problem.code.value, non_retryable=True)

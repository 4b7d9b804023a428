"""How every activity talks to the outside: a logger bound to the case, and adapter
failures translated into what Temporal's retry policy understands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from adapters.errors import BusinessError, TransientError
from domain.models import OutsideQuery
from runtime.logs import case_logger

Q = TypeVar("Q", bound=OutsideQuery)
A = TypeVar("A")


def step_logger(case_id: str) -> structlog.stdlib.BoundLogger:
    info = activity.info()
    return case_logger(case_id, workflow_id=info.workflow_id, activity=info.activity_type, attempt=info.attempt)


@contextmanager
def outside_call(case_id: str, what: str) -> Iterator[structlog.stdlib.BoundLogger]:
    log = step_logger(case_id)
    try:
        yield log
    except BusinessError as e:
        log.warning("refused", call=what, error_type=e.type, error=str(e))
        raise ApplicationError(str(e), type=e.type, non_retryable=True) from e
    except TransientError as e:
        log.info("transient failure, will retry", call=what, error=str(e))
        raise ApplicationError(str(e), type="Transient") from e


# A poll is one activity retried at the poll interval (workflows/waits.py): each attempt
# asks as of the server's start time of that attempt (the last, as of the deadline), so
# the answer follows the workflow's clock (also a skipped test clock), never the worker's.
# Not current_attempt_scheduled_time: the time-skipping server sets it when the retry is
# decided, one interval early (tests/test_waits.py).
NOT_YET = "NotYet"


async def poll_attempt(query: Q, check: Callable[[Q], Awaitable[A]], holds: Callable[[A], bool], what: str) -> A:
    """One attempt of a wait's poll: `check` as of this attempt's start, or as of the wait's
    deadline for the attempt at or after it (its last look: the retry interval puts one
    there), which is answered whatever the answer. Otherwise "not yet" until `holds`."""
    started = activity.info().started_time
    last_look = query.last_look is not None and started >= query.last_look
    answer = await check(query.model_copy(update={"as_of": query.last_look if last_look else started}))
    if not (last_look or holds(answer)):
        raise not_yet(what)
    return answer


def not_yet(what: str) -> ApplicationError:
    """Retryable and benign: the condition does not hold yet, ask again at the next attempt."""
    return ApplicationError(f"not yet: {what}", type=NOT_YET, category=ApplicationErrorCategory.BENIGN)

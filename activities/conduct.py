"""How every activity talks to the outside: a logger bound to the case, and adapter
failures translated into what Temporal's retry policy understands."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.errors import BusinessError, TransientError
from runtime.logs import case_logger


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

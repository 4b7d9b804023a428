"""How errors become Temporal failures: the SDK's converter, without a stack trace for a
benign failure (a poll's "not yet", activities/conduct.py). That is an expected answer,
not a fault: nobody reads its trace, and formatting one on every poll attempt was a tenth
of a week worker's CPU (issue 14 profile: traceback.format_tb reading source lines)."""

from __future__ import annotations

from temporalio.api.failure.v1 import Failure
from temporalio.converter import DefaultFailureConverter, PayloadConverter
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory


class FailureConverter(DefaultFailureConverter):
    def to_failure(self, exception: BaseException, payload_converter: PayloadConverter, failure: Failure) -> None:
        if (
            isinstance(exception, ApplicationError)
            and exception.category == ApplicationErrorCategory.BENIGN
            and exception.failure is None
        ):
            exception.__traceback__ = None  # the SDK formats a trace only when there is one
        super().to_failure(exception, payload_converter, failure)

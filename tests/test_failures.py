"""A poll's "not yet" carries no stack trace into Temporal; a real fault keeps its trace."""

from __future__ import annotations

from temporalio.api.failure.v1 import Failure
from temporalio.exceptions import ApplicationError

from activities.conduct import not_yet
from runtime.temporal import data_converter


def _failure(error: Exception) -> Failure:
    converter = data_converter()
    try:
        raise error
    except Exception as raised:
        failure = Failure()
        converter.failure_converter.to_failure(raised, converter.payload_converter, failure)
        return failure


def test_a_benign_not_yet_is_sent_without_a_stack_trace():
    failure = _failure(not_yet("the returned goods"))
    assert failure.stack_trace == "" and failure.application_failure_info.type == "NotYet"
    assert failure.message == "not yet: the returned goods"


def test_a_real_failure_keeps_its_stack_trace():
    failure = _failure(ApplicationError("payment refused", type="Refused"))
    assert "raise error" in failure.stack_trace

"""Timeouts and retries per outside system an activity calls: technical settings, not rulebook
windows, and set per activity rather than left at Temporal's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class StepSettings:
    start_to_close: timedelta
    initial_interval: timedelta
    maximum_interval: timedelta
    backoff: float = 2.0
    maximum_attempts: int = 0  # 0: until the step's schedule-to-close
    schedule_to_close: timedelta | None = None
    heartbeat: timedelta | None = None


STEPS: dict[str, StepSettings] = {
    # our own database: short, retried quickly and for as long as it takes
    "store": StepSettings(timedelta(seconds=30), timedelta(milliseconds=200), timedelta(seconds=10)),
    # One HTTP call each (HTTP_TIMEOUT_SECONDS, 10 s by default), so start-to-close is that
    # plus a margin: a worker that dies mid-call is noticed within seconds, not minutes.
    # money: never given up on silently; idempotency keys make retries safe
    "payment": StepSettings(timedelta(seconds=15), timedelta(seconds=1), timedelta(seconds=30)),
    # a booking is idempotent per case; a courier outage is waited out with growing pauses
    "courier": StepSettings(timedelta(seconds=15), timedelta(seconds=1), timedelta(seconds=30)),
    # short questions the workflow asks again at every poll anyway: retry soon, cap low
    "warehouse": StepSettings(timedelta(seconds=15), timedelta(milliseconds=500), timedelta(seconds=10)),
    "finance": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
    "catalogue": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
    "platform": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
}

"""Timeouts and retries per kind of activity: technical settings, not rulebook
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
    # money: never given up on silently; idempotency keys make retries safe
    "payment": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
    "courier": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
    "warehouse": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
    "finance": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
    "catalogue": StepSettings(timedelta(seconds=30), timedelta(seconds=1), timedelta(minutes=1)),
}

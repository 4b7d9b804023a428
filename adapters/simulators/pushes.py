"""The in-process simulators' pushes: when a simulated event will happen (stock backfilled,
goods back, order dispatched, the platform's answer), the simulator tells a Pusher once,
with the time it happens. The worker's pusher (runtime/pushes.py) signals the waiting
case then, as a real system's webhook would; without one nothing is pushed and the
cases find out by polling."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Pusher(Protocol):
    def push(self, system: str, event: str, case_id: str, at: datetime) -> None: ...


class NoPushes:
    def push(self, system: str, event: str, case_id: str, at: datetime) -> None:
        return None


class Announced:
    """Each (event, case) is pushed once, however often the simulator is asked."""

    def __init__(self) -> None:
        self.pusher: Pusher = NoPushes()
        self._sent: set[tuple[str, str]] = set()

    def once(self, system: str, event: str, case_id: str, at: datetime) -> None:
        if (event, case_id) in self._sent:
            return
        self._sent.add((event, case_id))
        self.pusher.push(system, event, case_id, at)

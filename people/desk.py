"""The Desk a scripted person works at: what a case has asked for (its timeline) and how to
answer it. The demo's desk goes through the case API (starter/demo.py's DemoRun), the
bench's through Temporal and the store (bench/people.py's BenchDesk)."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel

from domain.actors import ActorRef, Role
from domain.timeline import Entry


class Refused(Exception):
    """The case refused the answer (its validator said no): another person may try."""


class Desk(Protocol):
    async def wait(self, case_id: str, entry: Entry) -> dict[str, Any]:
        """The detail of the case's first timeline entry of kind `entry`, once it is there."""
        ...

    async def wait_nth(self, case_id: str, entry: Entry, nth: int) -> dict[str, Any]:
        """The detail of the case's nth (from 1) timeline entry of kind `entry`."""
        ...

    async def wait_any(self, case_id: str, *entries: Entry) -> tuple[Entry, dict[str, Any]]:
        """(entry, detail) of the first of `entries` (in the order given) the case shows."""
        ...

    async def answer(self, case_id: str, name: str, payload: BaseModel) -> Any:
        """Give the case the answer `name` of the catalogue; raises Refused when it says no."""
        ...

    def person(self, role: Role, nth: int) -> ActorRef:
        """Someone of `role`, a different person for each nth (second checks need two)."""
        ...

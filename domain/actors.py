"""Who may do what (rulebook §1)."""
from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError

from domain.models import Contract


class Role(StrEnum):
    CUSTOMER = "customer"
    FIRST_LINE = "first_line"
    SECOND_LINE = "second_line"
    RETURN_SPECIALIST = "return_specialist"
    REFUND_SPECIALIST = "refund_specialist"
    INVOICE_SPECIALIST = "invoice_specialist"
    COMPLAINT_SPECIALIST = "complaint_specialist"
    OPERATIONS_SUPERVISOR = "operations_supervisor"
    PLATFORM = "platform"
    AGENT = "agent"
    WAREHOUSE = "warehouse"
    COURIER = "courier"
    SYSTEM = "system"


class ActorRef(Contract):
    """An actor as a request names them: carried in Updates and recorded in timelines."""
    actor_id: str = Field(min_length=1, max_length=64)
    role: Role


SYSTEM = ActorRef(actor_id="system", role=Role.SYSTEM)


class ActorDirectory(Contract):
    actors: tuple[ActorRef, ...]

    def find(self, actor_id: str) -> ActorRef:
        for a in self.actors:
            if a.actor_id == actor_id:
                return a
        raise KeyError(f"unknown actor {actor_id!r}")

    def require(self, actor_id: str, *roles: Role) -> ActorRef:
        actor = self.find(actor_id)
        if roles and actor.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise PermissionError(f"actor {actor_id!r} is {actor.role.value}; this needs {allowed}")
        return actor


def load_actors(path: str | Path) -> ActorDirectory:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return ActorDirectory.model_validate({"actors": data.get("actor", [])})
    except FileNotFoundError:
        raise ValueError(f"actor file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, ValidationError) as e:
        raise ValueError(f"actor file {path} is invalid: {e}") from None

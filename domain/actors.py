"""Who may do what (rulebook §1)."""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

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
    FINANCE = "finance"
    SYSTEM = "system"


class ActorRef(Contract):
    """An actor as a request names them: carried in Updates and recorded in timelines."""

    actor_id: str = Field(min_length=1, max_length=64)
    role: Role


SYSTEM = ActorRef(actor_id="system", role=Role.SYSTEM)

# What each role does and may decide (rulebook §1); `aftersales actors` prints it.
ROLE_DUTIES: dict[Role, str] = {
    Role.CUSTOMER: "opens cases, answers offers, sends evidence; accepts or rejects a complaint's answer",
    Role.FIRST_LINE: "intake, classification, offers within authority (coupon 10 %, cap 200 yuan); answers first complaints",
    Role.SECOND_LINE: "escalations and repeat complaints; cash 10–20 %, cap 200 yuan (30 %, cap 500 for the 72 h rule)",
    Role.RETURN_SPECIALIST: "reviews returns, decides pickups",
    Role.REFUND_SPECIALIST: "manual refunds: the summary before the supervisor's review",
    Role.INVOICE_SPECIALIST: "invoices: re-issue, exchange, VAT",
    Role.COMPLAINT_SPECIALIST: "complaint queue; gives verdicts on agents (§5), reviews appeals of others' verdicts",
    Role.OPERATIONS_SUPERVISOR: "reviews manual refunds and payouts (two-person check); reviews agents' appeals",
    Role.PLATFORM: "decides beyond second-line authority (1 working day); pays reships; answers oversold checks",
    Role.AGENT: "a cloud-service agent: contacts the handler within 48 h, appeals within 2 working days",
    Role.WAREHOUSE: "stock, picking, backfill, shipment and barcode checks",
    Role.COURIER: "delivery status, signer proof, pickups, loss and damage reports",
    Role.FINANCE: "pays manual refunds and payouts (§4.9); the only role that reads a payee's account in the clear",
    Role.SYSTEM: "the engine itself: timers and defaults",
}


class ActorDirectory(Contract):
    actors: tuple[ActorRef, ...]

    @model_validator(mode="after")
    def _one_entry_per_actor(self) -> ActorDirectory:
        ids = [a.actor_id for a in self.actors]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"actor listed more than once: {', '.join(twice)}")
        if any(a.role in (Role.SYSTEM, Role.CUSTOMER) for a in self.actors):
            raise ValueError("the directory lists staff and partners; customers and the system are not configured here")
        return self

    def with_role(self, *roles: Role) -> list[ActorRef]:
        return [a for a in self.actors if a.role in roles]

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

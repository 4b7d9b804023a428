"""The front door's audit record (issue 11): every state-changing request, allowed or
refused, says who (actor and role from the credential), what, on which case or order,
when, how it ended and, when refused, which rule refused it and why."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from domain.models import Contract


class Outcome(StrEnum):
    DONE = "done"  # the request was carried out
    REFUSED = "refused"  # a rule, a bad credential or bad input stopped it; nothing started
    FAILED = "failed"  # allowed, but the engine did not take it (no worker, Temporal down)


class AuditEntry(Contract):
    at: datetime
    actor_id: str = Field(max_length=80, description="from the credential; '' when there was none")
    role: str = Field(max_length=40, description="from the actor registry; '' when unauthenticated")
    action: str = Field(max_length=60, description="e.g. open, answer:review, decide, change_contact")
    case_id: str = Field(default="", max_length=80)
    order_id: str = Field(default="", max_length=64)
    outcome: Outcome
    status: int = Field(description="the HTTP status answered")
    rule: str = Field(default="", max_length=60, description="the rule that refused it")
    reason: str = Field(default="", max_length=500)

    @field_validator("reason", mode="before")
    @classmethod
    def _cut(cls, v: object) -> object:
        # a validator's reason can quote a long body; the record keeps its start
        return v[:500] if isinstance(v, str) else v

"""The case API's request and response bodies: the contracts of /v1 (docs/openapi/api.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.models import CaseStatus, TimelineEntry

Id = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")


class LineRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=10_000)


class OpenCase(BaseModel):
    """A case's fields, as `aftersales open` takes them from flags or a file; the kind's own
    input fields (`aftersales kinds`) go beside them. Who opens it is the credential."""

    model_config = ConfigDict(extra="allow")
    kind: str = Field(default="return_refund", max_length=40)
    order_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=500)
    lines: list[LineRef] | None = None
    case_id: str | None = Field(default=None, min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")
    policy: str | None = Field(
        default=None,
        max_length=40,
        pattern=r"^[a-z0-9_-]+$",
        description="a named policy (staff only); default: the server's",
    )


class Opened(BaseModel):
    case_id: str
    workflow_id: str
    kind: str
    workflow: str
    opened_by: str
    policy: str


class CaseView(BaseModel):
    case: dict[str, Any] | None = Field(description="the store's row: order, customer, opener, state, outcome")
    kind: str
    workflow: str
    workflow_id: str
    running: bool
    worker: str = Field(description="why the live state is missing ('' when the worker answered)")
    status: CaseStatus | None = Field(description="state and next deadline, from the running case")
    timeline: list[TimelineEntry]
    payments: list[dict[str, Any]]
    children: list[str] = Field(description="cases this one started: refunds, manual refunds, reships")


class Answered(BaseModel):
    case_id: str
    answer: str
    status: CaseStatus | None = Field(description="the case after an Update; null after a Signal")


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=1000, description="required when rejecting")
    amount_fen: int | None = Field(default=None, gt=0, le=10**10, description="grant less than asked (fen)")


class ContactRead(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str = Field(min_length=1, max_length=100, description="the account you paid with (§6)")


class ContactChange(ContactRead):
    address: str | None = Field(default=None, min_length=1, max_length=300)
    phone: str | None = Field(default=None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _one(self) -> ContactChange:
        if (self.address is None) == (self.phone is None):
            raise ValueError("give either address or phone")
        return self


class Contact(BaseModel):
    order_id: str
    phone: str | None
    address: str | None


class Whoami(BaseModel):
    subject: str
    actor_id: str
    role: str
    customer_id: str | None
    actions: list[str]


class PendingApproval(BaseModel):
    case_id: str
    case_kind: str
    approval_id: str
    summary: str
    subject: str | None
    roles: list[str]
    amount_fen: int | None
    requested_at: datetime
    due_at: datetime | None
    sla_window: str | None
    age_s: float
    overdue: bool


class SweepRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime | None = Field(default=None, description="the export's time (with a zone); default: now")
    policy: str | None = Field(default=None, max_length=40, pattern=r"^[a-z0-9_-]+$")


class SweepStarted(BaseModel):
    workflow_id: str


class PrivacyRefusal(BaseModel):
    order_id: str
    action: str
    account_digest: str = Field(description="sha256 of the asking account; the account is never kept")
    reason: str
    at: datetime

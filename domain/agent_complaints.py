"""Complaints against agents (rulebook §5, S0): the process's contracts and the rules
its Updates are validated by. The penalty table itself is domain/penalties.py."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from domain.actors import ActorRef, Role
from domain.models import CaseInput, Contract
from domain.penalties import PastRecord, Penalty
from domain.problems import Code, Problem


class AgentComplaintInput(CaseInput):
    agent_id: str = Field(min_length=1, max_length=64)
    handler: ActorRef = Field(description="the complaint specialist who gives the verdict")
    upheld: bool = True
    violation: int | None = Field(default=None, ge=1, le=15, description="the violation upheld (1–15)")
    finding: str = Field(min_length=1, max_length=1000, description="the point found, as the notice states it")

    @model_validator(mode="after")
    def _verdict_complete(self) -> AgentComplaintInput:
        if self.upheld and self.violation is None:
            raise ValueError("an upheld complaint names the violation (1–15)")
        if not self.upheld and self.violation is not None:
            raise ValueError("a complaint not upheld names no violation; it ends in a reminder")
        if self.handler.role not in HANDLER_ROLES:
            raise ValueError(f"the verdict is given by a complaint specialist, not {self.handler.role.value}")
        if self.handler.actor_id == self.agent_id:
            raise ValueError("an agent cannot handle a complaint against themself")
        return self


HANDLER_ROLES = (Role.COMPLAINT_SPECIALIST,)
APPEAL_REVIEW_ROLES = (Role.OPERATIONS_SUPERVISOR, Role.COMPLAINT_SPECIALIST)


class AgentState(StrEnum):
    AWAITING_CONTACT = "awaiting_contact"
    AWAITING_APPEAL = "awaiting_appeal"
    APPEAL_REVIEW = "appeal_review"
    PENALISING = "penalising"
    CLOSED = "closed"


class AgentOutcome(StrEnum):
    PENALISED = "penalised"  # the verdict stood; the penalty is on the record
    OVERTURNED = "overturned"  # the appeal was granted: nothing on the record
    REMINDED = "reminded"  # not upheld, a fault seen


class AgentContact(Contract):
    """The agent contacts the handler about the notice (S0: within 48 h)."""

    agent: ActorRef
    note: str = Field(default="", max_length=1000)


class Appeal(Contract):
    agent: ActorRef
    grounds: str = Field(min_length=1, max_length=2000)


def _is_the_agent(who: ActorRef, agent_id: str) -> Problem | None:
    if who.role != Role.AGENT or who.actor_id != agent_id:
        return Problem(
            Code.NOT_THE_AGENT,
            f"only the agent complained about ({agent_id}) may do this; {who.actor_id} is {who.role.value}",
        )
    return None


def contact_problem(contact: AgentContact, state: str, agent_id: str) -> Problem | None:
    if state != AgentState.AWAITING_CONTACT:
        return Problem(Code.WRONG_STATE, f"the contact window is over: the complaint is {state}")
    return _is_the_agent(contact.agent, agent_id)


def appeal_problem(appeal: Appeal, state: str, agent_id: str) -> Problem | None:
    # An appeal inside the contact window is itself the contact.
    if state not in (AgentState.AWAITING_CONTACT, AgentState.AWAITING_APPEAL):
        return Problem(Code.WRONG_STATE, f"no appeal is possible now: the complaint is {state}")
    return _is_the_agent(appeal.agent, agent_id)


class RecordQuery(Contract):
    agent_id: str
    case_id: str = Field(description="this complaint, left out of the record it is judged against")


class AgentRecord(Contract):
    agent_id: str
    records: tuple[PastRecord, ...] = ()


class PenaltyEntry(Contract):
    """A penalty as the store keeps it (the agent's record, the effects to apply)."""

    case_id: str
    agent_id: str
    penalty: Penalty
    effects: tuple[str, ...]
    decided_at: datetime


class AgentComplaintResult(Contract):
    case_id: str
    agent_id: str
    outcome: AgentOutcome
    penalty: Penalty | None = None
    contacted: bool = False
    appealed: bool = False
    appeal_granted: bool | None = None

"""One approval mechanism for the whole system (issue 4): second-line compensation,
the manual refund's review and second check, appeal reviews, platform decisions.

A workflow asks for an approval with an ApprovalRequest; an approver answers with an
ApprovalDecision through the `decide` Update, whose validator is approval_problem()."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from domain.actors import ActorRef, Role
from domain.compensation import authority_limit
from domain.models import Contract
from domain.policy import CompensationKind, Policy, Situation, Tier
from domain.problems import Code, Problem


class Subject(StrEnum):
    COMPENSATION = "compensation"  # above first-line authority
    MANUAL_REFUND_REVIEW = "manual_refund_review"  # operations supervisor
    MANUAL_REFUND_SECOND_CHECK = "manual_refund_second_check"  # a different person
    APPEAL_REVIEW = "appeal_review"
    PLATFORM_DECISION = "platform_decision"
    COMPLAINT_RESOLUTION = "complaint_resolution"


TIER_ROLES: dict[Tier, tuple[Role, ...]] = {
    Tier.FIRST_LINE: (Role.FIRST_LINE, Role.SECOND_LINE),
    Tier.SECOND_LINE: (Role.SECOND_LINE,),
    Tier.PLATFORM: (Role.PLATFORM,),
}


class MoneyAtStake(Contract):
    """What an approval would pay, so the validator can check the approver's authority."""

    situation: Situation
    kind: CompensationKind
    amount_fen: int = Field(gt=0)
    paid_fen: int = Field(ge=0)
    tier: Tier


class ApprovalRequest(Contract):
    approval_id: str = Field(min_length=1, description="unique within the case, e.g. 'compensation-1'")
    case_id: str
    subject: Subject
    roles: tuple[Role, ...] = Field(min_length=1, description="who may decide")
    summary: str = ""
    money: MoneyAtStake | None = None
    not_by: tuple[str, ...] = Field(default=(), description="actors who may not decide: a second check's first checker")
    not_by_reason: str = Field(default="", description="why they may not, as the refusal says it")
    requested_at: datetime
    sla_window: str = Field(description="the policy window the answer is due within")
    due_at: datetime


class ApprovalDecision(Contract):
    approval_id: str = Field(min_length=1)
    approver: ActorRef
    approve: bool
    note: str = Field(default="", max_length=1000)
    amount_fen: int | None = Field(default=None, gt=0, description="an approver may grant less than asked")

    @model_validator(mode="after")
    def _reason_for_no(self) -> ApprovalDecision:
        if not self.approve and not self.note.strip():
            raise ValueError("a refusal needs a note saying why")
        return self


# The compensation authority each deciding role carries (§1); roles absent here
# (operations supervisor, platform) are not capped by the compensation table.
ROLE_TIER: dict[Role, Tier] = {
    Role.FIRST_LINE: Tier.FIRST_LINE,
    Role.COMPLAINT_SPECIALIST: Tier.FIRST_LINE,
    Role.SECOND_LINE: Tier.SECOND_LINE,
}


def pending_problem(
    pending: dict[str, ApprovalRequest], decision: ApprovalDecision, decided: dict[str, ApprovalDecision] | None = None
) -> Problem | None:
    """Whether the approval is there to decide: decided already, or never asked."""
    earlier = (decided or {}).get(decision.approval_id)
    if earlier is not None:
        return Problem(
            Code.ALREADY_DONE, f"approval {decision.approval_id!r} was already decided by {earlier.approver.actor_id}"
        )
    if decision.approval_id not in pending:
        open_ids = ", ".join(sorted(pending)) or "none"
        return Problem(Code.NO_SUCH_APPROVAL, f"no pending approval {decision.approval_id!r} (pending: {open_ids})")
    return None


def approval_problem(
    pending: dict[str, ApprovalRequest],
    decision: ApprovalDecision,
    policy: Policy,
    decided: dict[str, ApprovalDecision] | None = None,
) -> Problem | None:
    """Why this decision cannot be taken, or None. Pure: the `decide` Update's validator."""
    problem = pending_problem(pending, decision, decided)
    if problem:
        return problem
    request = pending[decision.approval_id]
    who = decision.approver
    if who.role not in request.roles:
        allowed = ", ".join(r.value for r in request.roles)
        return Problem(Code.WRONG_ROLE, f"{who.actor_id} is {who.role.value}; {request.subject.value} needs {allowed}")
    if who.actor_id in request.not_by:
        if request.not_by_reason:
            return Problem(Code.SAME_PERSON, f"{who.actor_id} may not decide this: {request.not_by_reason}")
        return Problem(
            Code.SAME_PERSON, f"{who.actor_id} already checked this; the second check must be a different person"
        )
    money = request.money
    if decision.amount_fen is not None and (money is None or not decision.approve):
        return Problem(Code.AMOUNT_NOT_ALLOWED, "an amount can only be given when approving a request that pays money")
    if money and decision.approve:
        amount = decision.amount_fen or money.amount_fen
        if amount > money.amount_fen:
            return Problem(
                Code.AMOUNT_TOO_HIGH, f"cannot grant {amount} fen: more than the {money.amount_fen} fen asked"
            )
        tier = ROLE_TIER.get(who.role)
        if tier is not None:
            cap = authority_limit(policy, money.situation, money.paid_fen, tier, money.kind)
            if cap is None:
                return Problem(
                    Code.BEYOND_AUTHORITY,
                    f"{amount} fen {money.kind} is beyond {who.role.value} authority (none for "
                    f"{money.kind} in {money.situation.value}); escalate to the next tier",
                )
            if amount > cap:
                return Problem(
                    Code.BEYOND_AUTHORITY,
                    f"{amount} fen {money.kind} is beyond {who.role.value} authority (cap {cap} fen); escalate to the next tier",
                )
    return None


# Cases that ended where the engine could not finish the job: a step failed for good, or
# the order had nothing left to refund. They stay on the supervisors' list (issue 10).
NEEDS_PERSON_OUTCOMES = ("failed", "refund_capped")
NEEDS_PERSON_ROLES = (Role.OPERATIONS_SUPERVISOR, Role.SECOND_LINE)


def roles_for_tier(tier: Tier) -> tuple[Role, ...]:
    return TIER_ROLES[tier]

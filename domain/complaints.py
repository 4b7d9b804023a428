"""Customer complaints (rulebook §4.12, S1 intake and QC, S0 what is not accepted, S2 §7
no complaint without an answer). Contracts and the pure decisions the Complaint
workflow follows: acceptance, classification, the level that answers, escalation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from domain.actors import ActorRef, Role
from domain.approvals import Subject
from domain.compensation import tier_for_amount
from domain.models import CaseInput, Contract
from domain.money import Fen
from domain.policy import CompensationKind, Policy, Situation, Tier
from domain.problems import Code, Problem


class Category(StrEnum):  # S1 二.(一).4
    PRODUCT_QUALITY = "product_quality"
    LOGISTICS = "logistics"
    AFTER_SALES = "after_sales"
    ATTITUDE = "attitude"


class Responsibility(StrEnum):  # S1 二.(二).3
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    LOGISTICS = "logistics"
    PLATFORM = "platform"
    THIRD_PARTY = "third_party"


class Target(StrEnum):
    """What the complaint is about. Only ORDER and AGENT are accepted (S0)."""

    ORDER = "order"
    AGENT = "agent"
    CAMPAIGN_OR_SOFTWARE = "campaign_or_software"
    SYSTEM_ACTION = "system_action"
    PLATFORM_RULE = "platform_rule"


class Emotion(StrEnum):
    CALM = "calm"
    UPSET = "upset"
    ANGRY = "angry"


class Intake(Contract):
    """What first line records (S1 二.(一).3). Every element is optional here so a
    complaint lacking one can be refused by name rather than by a parse error."""

    customer_id: str | None = None
    order_id: str | None = None
    occurred_at: datetime | None = None
    reason: str = ""
    demand: str = ""
    emotion: Emotion | None = None
    target: Target = Target.ORDER
    named_agent: str | None = Field(default=None, description="the agent complained about, if any")
    business_problem: bool = Field(default=False, description="the real aim is to get a business problem solved")
    category: Category | None = None
    responsibility: Responsibility | None = None
    demand_fen: Fen = Field(default=0, description="compensation the customer asks for; 0 = apology or explanation")
    demand_kind: CompensationKind = "coupon"
    situation: Situation | None = Field(default=None, description="compensation rule; defaults from the category")


class Refusal(Contract):
    reason: str
    handling: str = Field(description="what the agent says and does instead (S0 回复口径)")


REQUIRED = ("customer_id", "order_id", "occurred_at", "reason", "demand", "emotion")

NOT_ACCEPTED: dict[Target, Refusal] = {
    Target.CAMPAIGN_OR_SOFTWARE: Refusal(
        reason="a complaint against a campaign or a piece of software is not accepted (S0)",
        handling="thank the customer for the suggestion, note it on the service record and pass it to the department concerned",
    ),
    Target.SYSTEM_ACTION: Refusal(
        reason="the result complained about was a system action, not a person's (S0)",
        handling="tell the customer the item will be submitted again for checking and answer once it is checked",
    ),
    Target.PLATFORM_RULE: Refusal(
        reason="a complaint against the platform's rules is not accepted (S0)",
        handling="acknowledge the feeling, record the suggestion and pass it to the department concerned",
    ),
}
NO_NAMED_AGENT = Refusal(
    reason="no agent is named and the real aim is a business problem (S0)",
    handling="ask the customer for the problem and handle it as an after-sales case",
)


def refusal(intake: Intake) -> Refusal | None:
    """Why this complaint is not processed, with the suggested handling; None if accepted."""
    missing = [
        name
        for name in REQUIRED
        if not getattr(intake, name) or (isinstance(getattr(intake, name), str) and not getattr(intake, name).strip())
    ]
    if missing:
        return Refusal(
            reason=f"the complaint lacks required elements: {', '.join(missing)} (S0, S1)",
            handling="ask the customer for the missing elements and record them before submitting",
        )
    if intake.target in NOT_ACCEPTED:
        return NOT_ACCEPTED[intake.target]
    if intake.target == Target.AGENT and not intake.named_agent and intake.business_problem:
        return NO_NAMED_AGENT
    return None


_KEYWORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.ATTITUDE, ("attitude", "rude", "impatient", "态度", "不耐烦")),
    (Category.LOGISTICS, ("deliver", "courier", "shipping", "shipped", "parcel", "物流", "快递", "配送")),
    (
        Category.PRODUCT_QUALITY,
        ("quality", "broken", "damaged", "spoiled", "expired", "rotten", "质量", "破损", "变质"),
    ),
)


def classify(intake: Intake) -> Category:
    """The first line's category, else one read from the reason; after-sales otherwise."""
    if intake.category:
        return intake.category
    text = intake.reason.lower()
    for category, words in _KEYWORDS:
        if any(w in text for w in words):
            return category
    return Category.AFTER_SALES


DEFAULT_RESPONSIBILITY = {
    Category.PRODUCT_QUALITY: Responsibility.MERCHANT,
    Category.LOGISTICS: Responsibility.LOGISTICS,
    Category.AFTER_SALES: Responsibility.MERCHANT,
    Category.ATTITUDE: Responsibility.MERCHANT,
}

# Attitude and after-sales faults have no rule of their own in §3; they are paid
# like a goods fault (second line, coupon 10–20 %, cap 200).
DEFAULT_SITUATION = {
    Category.PRODUCT_QUALITY: Situation.GOODS_FAULT,
    Category.LOGISTICS: Situation.DELIVERY_DELAY,
    Category.AFTER_SALES: Situation.GOODS_FAULT,
    Category.ATTITUDE: Situation.GOODS_FAULT,
}


def responsibility(intake: Intake) -> Responsibility:
    return intake.responsibility or DEFAULT_RESPONSIBILITY[classify(intake)]


def situation(intake: Intake) -> Situation:
    return intake.situation or DEFAULT_SITUATION[classify(intake)]


class ComplaintInput(CaseInput):
    intake: Intake

    @model_validator(mode="after")
    def _intake_matches_case(self) -> ComplaintInput:
        if self.intake.order_id and self.intake.order_id != self.case.order.order_id:
            raise ValueError("the intake names another order than the case")
        if self.intake.customer_id and self.intake.customer_id != self.case.customer_id:
            raise ValueError("the intake names another customer than the case")
        return self


class ComplaintState(StrEnum):
    AWAITING_ANSWER = "awaiting_answer"
    AWAITING_CUSTOMER = "awaiting_customer"
    PAYING = "paying"
    AWAITING_FOLLOW_UP = "awaiting_follow_up"
    CLOSED = "closed"


class ComplaintOutcome(StrEnum):
    NOT_ACCEPTED = "not_accepted"
    RESOLVED = "resolved"  # the customer accepted an answer
    PLATFORM_FINAL = "platform_final"  # rejected the platform's answer: the platform has the last word


class Level(StrEnum):
    FIRST_LINE = "first_line"
    SECOND_LINE = "second_line"
    PLATFORM = "platform"


LEVEL_ROLES: dict[Level, tuple[Role, ...]] = {
    Level.FIRST_LINE: (Role.FIRST_LINE, Role.COMPLAINT_SPECIALIST),
    Level.SECOND_LINE: (Role.SECOND_LINE,),
    Level.PLATFORM: (Role.PLATFORM,),
}
LEVEL_WINDOW = {  # the answer each level owes (policy window names)
    Level.FIRST_LINE: "after_sales_node",  # S2 rule 11: 24 h
    Level.SECOND_LINE: "second_line_callback",  # S4 §12: 1–2 working days
    Level.PLATFORM: "platform_answer",  # S4 §12: 1 working day
}
LEVEL_SUBJECT = {
    Level.FIRST_LINE: Subject.COMPLAINT_RESOLUTION,
    Level.SECOND_LINE: Subject.COMPLAINT_RESOLUTION,
    Level.PLATFORM: Subject.PLATFORM_DECISION,
}
_ORDER = [Level.FIRST_LINE, Level.SECOND_LINE, Level.PLATFORM]
_TIER_LEVEL = {Tier.FIRST_LINE: Level.FIRST_LINE, Tier.SECOND_LINE: Level.SECOND_LINE, Tier.PLATFORM: Level.PLATFORM}


def above(level: Level) -> Level | None:
    i = _ORDER.index(level)
    return _ORDER[i + 1] if i + 1 < len(_ORDER) else None


def authority_level(policy: Policy, intake: Intake, paid_fen: int) -> Level:
    """The lowest level whose authority covers what the customer asks."""
    if intake.demand_fen <= 0:
        return Level.FIRST_LINE
    return _TIER_LEVEL[tier_for_amount(policy, situation(intake), paid_fen, intake.demand_fen, intake.demand_kind)]


def answering_level(policy: Policy, intake: Intake, paid_fen: int, *, repeat: bool, rejected: Level | None) -> Level:
    """S4 §12: a first complaint is answered by first line. A repeat complaint (an
    earlier one in the record, or this one submitted again after a rejection) goes to
    the level whose authority covers the demand, and never below the level whose
    answer the customer just rejected."""
    if not repeat and rejected is None:
        return Level.FIRST_LINE
    level = authority_level(policy, intake, paid_fen)
    if rejected is not None:
        higher = above(rejected) or Level.PLATFORM
        level = max(level, higher, key=_ORDER.index)
    return level


class CustomerReply(Contract):
    """The customer accepts the answer, or rejects it, which submits the complaint again."""

    customer: ActorRef
    accept: bool
    note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _why_not(self) -> CustomerReply:
        if not self.accept and not self.note.strip():
            raise ValueError("a rejection needs a note saying what the customer still wants")
        return self


class FollowUp(Contract):
    """The return visit (S1 二.(五)): was it solved, and the satisfaction score."""

    by: ActorRef
    solved: bool
    satisfaction: int = Field(ge=1, le=5)
    note: str = Field(default="", max_length=1000)


FOLLOW_UP_ROLES = (Role.FIRST_LINE, Role.SECOND_LINE, Role.COMPLAINT_SPECIALIST)


def reply_problem(reply: CustomerReply, state: str, customer_id: str) -> Problem | None:
    if state != ComplaintState.AWAITING_CUSTOMER:
        return Problem(Code.WRONG_STATE, f"the complaint is {state}, not waiting for the customer's reply")
    if reply.customer.role != Role.CUSTOMER or reply.customer.actor_id != customer_id:
        return Problem(
            Code.NOT_THE_CUSTOMER, f"only the complaining customer ({customer_id}) may accept or reject the answer"
        )
    return None


def follow_up_problem(follow: FollowUp, state: str) -> Problem | None:
    if state != ComplaintState.AWAITING_FOLLOW_UP:
        return Problem(Code.WRONG_STATE, f"the complaint is {state}, not awaiting follow-up")
    if follow.by.role not in FOLLOW_UP_ROLES:
        allowed = ", ".join(r.value for r in FOLLOW_UP_ROLES)
        return Problem(
            Code.WRONG_ROLE, f"{follow.by.actor_id} is {follow.by.role.value}; follow-up is done by {allowed}"
        )
    return None


class Answer(Contract):
    level: Level
    approver: str
    approve: bool
    amount_fen: int = 0
    note: str = ""


class ComplaintResult(Contract):
    case_id: str
    outcome: ComplaintOutcome
    category: Category | None = None
    responsibility: Responsibility | None = None
    repeat: bool = False
    submissions: int = 0
    level: Level | None = None
    compensation_fen: int = 0
    satisfaction: int | None = None
    refusal: Refusal | None = None
    answers: tuple[Answer, ...] = ()


class ComplaintRecord(Contract):
    """One closed complaint, kept for the §7 metrics."""

    case_id: str
    customer_id: str
    order_id: str
    category: str
    responsibility: str
    outcome: str
    repeat: bool
    submissions: int
    level: str
    first_contact_resolved: bool
    escalated: bool
    satisfaction: int | None
    compensation_fen: int
    opened_at: datetime
    closed_at: datetime


class PriorQuery(Contract):
    case_id: str
    customer_id: str
    order_id: str

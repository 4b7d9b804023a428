"""Drivers for customer complaints (§4.12) and complaints against agents (§5): every
level answers within its window (a silent level would be a breach), the customer
accepts or rejects, first line follows up; the agent contacts, appeals, is reviewed."""

from __future__ import annotations

from datetime import datetime, timezone

from temporalio.client import Client, WorkflowHandle

from bench.inbox import Inbox
from bench.people import BenchDesk, Case, bench_header, case_for, customer
from domain.actors import ActorRef, Role
from domain.agent_complaints import AgentComplaintInput
from domain.complaints import Category, ComplaintInput, CustomerReply, Emotion, FollowUp, Intake, Target
from domain.models import CaseKind
from domain.policy import Policy
from domain.timeline import Entry
from people.approvers import answer_approval
from people.complaints import agent_people
from workflows.complaint import Complaint

FIRST_LINE = ActorRef(actor_id="bench.first_line", role=Role.FIRST_LINE)

# Per n % 20: (category, what the customer asks, per cent of the paid amount as a coupon
# (0: an apology), how the customer takes a "no" ("reject", "accept"), the platform
# declines, the customer is silent after the answer, satisfaction at follow-up).
COMPLAINT_PLAN: list[tuple[Category, int, str, bool, bool, int]] = [
    (Category.ATTITUDE, 0, "reject", False, False, 5),
    (Category.ATTITUDE, 0, "reject", False, False, 4),
    (Category.AFTER_SALES, 0, "reject", False, False, 4),
    (Category.ATTITUDE, 0, "reject", False, False, 3),
    (Category.LOGISTICS, 10, "reject", False, False, 5),
    (Category.LOGISTICS, 10, "reject", False, False, 4),
    (Category.LOGISTICS, 5, "reject", False, False, 4),
    (Category.LOGISTICS, 10, "reject", False, True, 4),
    (Category.PRODUCT_QUALITY, 15, "reject", False, False, 4),
    (Category.PRODUCT_QUALITY, 15, "reject", False, False, 3),
    (Category.PRODUCT_QUALITY, 20, "reject", False, False, 4),
    (Category.PRODUCT_QUALITY, 10, "reject", False, False, 5),
    (Category.AFTER_SALES, 15, "reject", False, False, 3),
    (Category.PRODUCT_QUALITY, 15, "accept", False, False, 3),
    (Category.PRODUCT_QUALITY, 30, "reject", False, False, 4),
    (Category.PRODUCT_QUALITY, 30, "reject", True, False, 2),
    (Category.ATTITUDE, 20, "reject", False, False, 3),
    (Category.LOGISTICS, 10, "reject", False, False, 2),
    (Category.PRODUCT_QUALITY, 15, "reject", False, True, 3),
    (Category.AFTER_SALES, 0, "reject", False, False, 4),  # about a campaign: not accepted (see below)
]
NOT_ACCEPTED_SLOT = 19
OCCURRED = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)


class ComplaintDriver:
    """45% ask for an apology or a delivery coupon first line grants; 50% for a quality or
    service coupon beyond first line, which says no: the customer rejects it and second
    line (above its cap, the platform) answers. 1 in 20 accepts first line's "no", 1 in
    20 is told no by the platform too, 1 in 10 is silent after an answer (taken as
    accepted), 1 in 20 complains about a campaign (not accepted). Every accepted
    complaint is followed up."""

    kind = CaseKind.COMPLAINT

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        slot = n % 20
        category, percent, on_no, platform_says_no, silent, satisfaction = COMPLAINT_PLAN[slot]
        header = bench_header(self.kind, n)
        demand_fen = header.order.paid_fen * percent // 100
        intake = Intake(
            customer_id=header.customer_id,
            order_id=header.order.order_id,
            occurred_at=OCCURRED,
            reason=f"bench: {category.value}",
            demand=f"{percent}% coupon" if percent else "an apology",
            emotion=tuple(Emotion)[n % 3],
            category=category,
            demand_fen=demand_fen,
            demand_kind="coupon",
            target=Target.CAMPAIGN_OR_SOFTWARE if slot == NOT_ACCEPTED_SLOT else Target.ORDER,
        )
        inp = ComplaintInput(case=header, policy=policy, intake=intake)
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            if slot == NOT_ACCEPTED_SLOT:
                return
            submission = 0
            while True:
                submission += 1
                request = await inbox.wait_nth(header.case_id, Entry.APPROVAL_REQUESTED, submission)
                at_platform = Role.PLATFORM.value in request.get("roles", [])
                await answer_approval(
                    BenchDesk(inbox, client),
                    header.case_id,
                    request,
                    submission,
                    approve=not (at_platform and platform_says_no),
                    note="the photos do not show a quality fault",
                )
                given = await inbox.wait_nth(header.case_id, Entry.ANSWER_GIVEN, submission)
                if silent:
                    break
                accept = bool(given.get("approve")) or on_no == "accept"
                await handle.execute_update(
                    Complaint.reply_to_answer,
                    CustomerReply(customer=who, accept=accept, note="" if accept else "not enough: I want the coupon"),
                )
                if accept or at_platform:
                    break
            await inbox.wait(header.case_id, Entry.FOLLOW_UP_DUE)
            await handle.execute_update(
                Complaint.follow_up,
                FollowUp(by=FIRST_LINE, solved=satisfaction >= 3, satisfaction=satisfaction, note="return visit"),
            )

        return case_for(self.kind, inp, answer, answered)


HANDLER = ActorRef(actor_id="bench.complaints", role=Role.COMPLAINT_SPECIALIST)
NORMAL_VIOLATIONS = (1, 2, 3, 4, 6, 7)
# Per n % 20: (upheld, the agent contacts the handler, appeals, the review grants the appeal).
AGENT_PLAN: list[tuple[bool, bool, bool, bool]] = [
    (False, False, False, False),
    (False, False, False, False),
    *[(True, True, True, False)] * 5,
    *[(True, True, True, True)] * 3,
    *[(True, True, False, False)] * 5,
    (True, False, True, False),
    (True, False, True, True),  # the appeal inside the contact window is the contact
    (True, False, False, False),
    (True, False, False, False),  # never contacts: the verdict is final
    (True, True, True, False),
]


class AgentComplaintDriver:
    """10% not upheld (a reminder, nobody asked). Upheld: 45% contact and appeal, 10%
    appeal at once (a third of the appeals granted), 25% contact without appealing, 10%
    never contact. Agents come from a pool of 30, so penalties grow with their record;
    1 in 20 is a red-line violation."""

    kind = CaseKind.AGENT_COMPLAINT

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        slot = n % 20
        upheld, contacts, appeals, granted = AGENT_PLAN[slot]
        violation = (9 if slot == 19 else NORMAL_VIOLATIONS[n % len(NORMAL_VIOLATIONS)]) if upheld else None
        agent = ActorRef(actor_id=f"bench.agent.{n % 30:02d}", role=Role.AGENT)
        header = bench_header(self.kind, n)
        inp = AgentComplaintInput(
            case=header,
            policy=policy,
            agent_id=agent.actor_id,
            handler=HANDLER,
            upheld=upheld,
            violation=violation,
            finding=f"bench: the chat record shows violation {violation}"
            if upheld
            else "bench: a slow first reply, no violation",
        )

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            if not upheld:
                return
            await agent_people(
                BenchDesk(inbox, client),
                header.case_id,
                agent,
                contact="I would like to explain" if contacts else None,
                appeal="the customer misread my reply" if appeals else None,
                granted=granted,
                review_note="the chat record bears the verdict out",
            )

        return case_for(self.kind, inp, answer, answered)


DRIVERS = [ComplaintDriver(), AgentComplaintDriver()]

"""Actors (§1) and the approval validator's refusals added for issue 4, without Temporal."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.actors import ROLE_DUTIES, ActorDirectory, ActorRef, Role, load_actors
from domain.agent_complaints import AgentComplaintInput, AgentContact, Appeal, appeal_problem, contact_problem
from domain.approvals import ApprovalDecision, ApprovalRequest, MoneyAtStake, Subject, approval_problem
from domain.complaints import (
    Category,
    Emotion,
    Intake,
    Level,
    Situation,
    Target,
    answering_level,
    authority_level,
    classify,
    refusal,
    responsibility,
)
from domain.models import CaseKind
from domain.policy import Tier
from domain.privacy import ContactAction, ContactRequest
from domain.privacy import contact_problem as privacy_problem
from tests.factories import DEFAULT_POLICY as P
from tests.factories import header, order

NOW = datetime(2026, 11, 23, 2, tzinfo=timezone.utc)
LI = ActorRef(actor_id="li.first", role=Role.FIRST_LINE)
ZHOU = ActorRef(actor_id="zhou.complaints", role=Role.COMPLAINT_SPECIALIST)
WANG = ActorRef(actor_id="wang.second", role=Role.SECOND_LINE)
WU = ActorRef(actor_id="wu.ops", role=Role.OPERATIONS_SUPERVISOR)


# -- actors ---------------------------------------------------------------------------
def test_the_shipped_directory_has_every_deciding_role_and_each_role_is_described():
    d = load_actors(Path("policies/actors.toml"))
    roles = {a.role for a in d.actors}
    assert {
        Role.FIRST_LINE,
        Role.SECOND_LINE,
        Role.COMPLAINT_SPECIALIST,
        Role.OPERATIONS_SUPERVISOR,
        Role.PLATFORM,
        Role.AGENT,
        Role.RETURN_SPECIALIST,
        Role.REFUND_SPECIALIST,
    } <= roles
    assert len(d.with_role(Role.OPERATIONS_SUPERVISOR)) >= 2  # a two-person check needs two
    assert set(ROLE_DUTIES) == set(Role)


def test_unknown_actor_and_wrong_role_are_refused_clearly():
    d = load_actors(Path("policies/actors.toml"))
    with pytest.raises(KeyError, match="unknown actor 'ghost'"):
        d.find("ghost")
    with pytest.raises(PermissionError, match=r"actor 'li\.first' is first_line; this needs platform"):
        d.require("li.first", Role.PLATFORM)
    assert d.require("wu.ops", Role.OPERATIONS_SUPERVISOR).role == Role.OPERATIONS_SUPERVISOR


@pytest.mark.parametrize(
    "actors,message",
    [
        ([LI, LI], "listed more than once: li.first"),
        ([ActorRef(actor_id="c1", role=Role.CUSTOMER)], "customers and the system"),
    ],
)
def test_a_directory_with_duplicates_or_customers_is_refused(actors, message):
    with pytest.raises(ValidationError, match=message):
        ActorDirectory(actors=tuple(actors))


def test_a_broken_actor_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "actors.toml"
    bad.write_text('[[actor]]\nactor_id = "x"\nrole = "wizard"\n')
    with pytest.raises(ValueError, match="is invalid"):
        load_actors(bad)
    with pytest.raises(ValueError, match="does not exist"):
        load_actors(tmp_path / "missing.toml")


# -- the approval validator's refusals ----------------------------------------------------
def request(roles=(Role.FIRST_LINE, Role.COMPLAINT_SPECIALIST), money=True, not_by=()) -> dict[str, ApprovalRequest]:
    r = ApprovalRequest(
        approval_id="a-1",
        case_id="CP-1",
        subject=Subject.COMPLAINT_RESOLUTION,
        roles=roles,
        requested_at=NOW,
        sla_window="after_sales_node",
        due_at=NOW,
        not_by=not_by,
        money=MoneyAtStake(
            situation=Situation.DELIVERY_DELAY, kind="coupon", amount_fen=3000, paid_fen=13350, tier=Tier.FIRST_LINE
        )
        if money
        else None,
    )
    return {"a-1": r}


def d(who=LI, approve=True, amount=None, note="ok") -> ApprovalDecision:
    return ApprovalDecision(approval_id="a-1", approver=who, approve=approve, amount_fen=amount, note=note)


@pytest.mark.parametrize(
    "pending,decision,decided,problem",
    [
        (request(), d(), {"a-1": d(ZHOU)}, "already decided by zhou.complaints"),
        ({}, d(), None, "no pending approval 'a-1' (pending: none)"),
        (
            request(),
            d(WU),
            None,
            "wu.ops is operations_supervisor; complaint_resolution needs first_line, complaint_specialist",
        ),
        (
            request(roles=(Role.OPERATIONS_SUPERVISOR,), money=False, not_by=("wu.ops",)),
            d(WU),
            None,
            "second check must be a different person",
        ),
        (request(), d(approve=False, amount=100, note="no"), None, "an amount can only be given when approving"),
        (request(money=False), d(amount=100), None, "an amount can only be given when approving"),
        (request(), d(amount=3001), None, "more than the 3000 fen asked"),
        (request(), d(), None, "3000 fen coupon is beyond first_line authority (cap 1335 fen)"),
        (request(), d(ZHOU, amount=1336), None, "beyond complaint_specialist authority (cap 1335 fen)"),
    ],
)
def test_every_refusal_of_the_approval_validator(pending, decision, decided, problem):
    found = approval_problem(pending, decision, P, decided)
    assert found is not None and problem in found.message


def test_within_the_cap_and_a_plain_refusal_pass():
    assert approval_problem(request(), d(amount=1335), P) is None
    assert approval_problem(request(), d(ZHOU, amount=1000), P) is None
    assert approval_problem(request(), d(approve=False, note="explained, no money"), P) is None
    with pytest.raises(ValidationError, match="a refusal needs a note"):
        d(approve=False, note="  ")


# -- complaint intake and levels -----------------------------------------------------------
def intake(**kw) -> Intake:
    base = dict(
        customer_id="cust-1",
        order_id="O-1",
        occurred_at=NOW,
        reason="parcel late",
        demand="coupon",
        emotion=Emotion.CALM,
    )
    return Intake(**{**base, **kw})


def test_refusals_name_the_rulebook_reason_and_the_handling():
    assert refusal(intake()) is None
    assert refusal(intake(target=Target.AGENT, named_agent="chen.agent", business_problem=True)) is None
    assert refusal(intake(target=Target.AGENT, business_problem=False)) is None
    missing = refusal(Intake())
    assert "customer_id, order_id, occurred_at, reason, demand, emotion" in missing.reason
    assert "ask the customer for the missing elements" in missing.handling
    assert refusal(intake(reason="   ")).reason.endswith("lacks required elements: reason (S0, S1)")


@pytest.mark.parametrize(
    "reason,category",
    [
        ("the courier never came", Category.LOGISTICS),
        ("牛奶变质", Category.PRODUCT_QUALITY),
        ("the agent was rude", Category.ATTITUDE),
        ("refund not received", Category.AFTER_SALES),
    ],
)
def test_classification_from_the_reason_and_default_responsibility(reason, category):
    assert classify(intake(reason=reason)) == category
    assert responsibility(intake(reason=reason, responsibility=None)).value in ("merchant", "logistics")
    assert classify(intake(reason=reason, category=Category.ATTITUDE)) == Category.ATTITUDE


@pytest.mark.parametrize(
    "kw,level",
    [
        (dict(), Level.FIRST_LINE),
        (dict(category=Category.LOGISTICS, demand_fen=1335), Level.FIRST_LINE),  # 10 % coupon
        (dict(category=Category.LOGISTICS, demand_fen=1336), Level.PLATFORM),  # coupon beyond 10 %; 2nd line pays cash
        (dict(category=Category.LOGISTICS, demand_fen=1335, demand_kind="cash"), Level.SECOND_LINE),
        (dict(category=Category.PRODUCT_QUALITY, demand_fen=2670), Level.SECOND_LINE),  # 20 % coupon
        (dict(category=Category.PRODUCT_QUALITY, demand_fen=2671), Level.PLATFORM),
    ],
)
def test_the_authority_level_of_a_demand(kw, level):
    assert authority_level(P, intake(**kw), 13350) == level


def test_answering_level_first_complaint_repeat_and_rejection():
    goods = intake(category=Category.PRODUCT_QUALITY, demand_fen=2000)
    assert answering_level(P, goods, 13350, repeat=False, rejected=None) == Level.FIRST_LINE
    assert answering_level(P, goods, 13350, repeat=True, rejected=None) == Level.SECOND_LINE
    small = intake(category=Category.LOGISTICS, demand_fen=500)
    assert answering_level(P, small, 13350, repeat=True, rejected=None) == Level.FIRST_LINE
    assert answering_level(P, small, 13350, repeat=True, rejected=Level.FIRST_LINE) == Level.SECOND_LINE
    assert answering_level(P, small, 13350, repeat=True, rejected=Level.SECOND_LINE) == Level.PLATFORM


# -- agent complaint rules and privacy -------------------------------------------------------
def test_agent_complaint_input_and_update_rules():
    case = header(CaseKind.AGENT_COMPLAINT)
    with pytest.raises(ValidationError, match="names the violation"):
        AgentComplaintInput(case=case, policy=P, agent_id="chen.agent", handler=ZHOU, finding="x")
    with pytest.raises(ValidationError, match="complaint specialist"):
        AgentComplaintInput(case=case, policy=P, agent_id="chen.agent", handler=LI, violation=1, finding="x")
    chen = ActorRef(actor_id="chen.agent", role=Role.AGENT)
    assert contact_problem(AgentContact(agent=chen), "awaiting_contact", "chen.agent") is None
    assert "only the agent" in contact_problem(AgentContact(agent=LI), "awaiting_contact", "chen.agent").message
    assert (
        "contact window is over" in contact_problem(AgentContact(agent=chen), "awaiting_appeal", "chen.agent").message
    )
    assert appeal_problem(Appeal(agent=chen, grounds="g"), "awaiting_contact", "chen.agent") is None
    assert (
        "no appeal is possible" in appeal_problem(Appeal(agent=chen, grounds="g"), "penalising", "chen.agent").message
    )


def test_privacy_only_the_paying_account():
    o = order()
    ok = ContactRequest(order_id=o.order_id, account=o.paying_account, action=ContactAction.READ)
    assert privacy_problem(o, ok) is None
    other = ok.model_copy(update={"account": "wechat:other"})
    assert "only the account that paid" in privacy_problem(o, other).message
    assert "not " + o.order_id in privacy_problem(o, ok.model_copy(update={"order_id": "O-else"})).message

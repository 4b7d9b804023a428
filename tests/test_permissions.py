"""The permission table (domain/permissions.py) as a table: every role × every action,
every answer of `aftersales kinds` has its answerers, opening is domain/opening.py's
rules, deciding is domain/approvals.py's, and a payee is masked for all but finance."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision, ApprovalRequest, MoneyAtStake, Subject, pending_problem
from domain.models import CaseKind
from domain.opening import Origin, opening_problem
from domain.permissions import (
    ANSWERERS,
    PERMISSIONS,
    Action,
    action_refusal,
    answer_refusal,
    decide_refusal,
    open_refusal,
    visible,
)
from domain.policy import Situation, Tier, named_policy
from domain.problems import Code
from service.catalogue import KINDS

A = Action
R = Role
# The whole table, written out: a change to who may do what changes this test on purpose.
EXPECTED: dict[Role, set[Action]] = {
    R.CUSTOMER: {A.OPEN, A.READ_CASES, A.ANSWER, A.READ_CONTACT, A.CHANGE_CONTACT},
    R.FIRST_LINE: {
        A.OPEN,
        A.CHOOSE_POLICY,
        A.RUN_SWEEP,
        A.READ_CASES,
        A.ANSWER,
        A.DECIDE,
        A.READ_APPROVALS,
        A.READ_METRICS,
        A.READ_REPORTS,
    },
    R.SECOND_LINE: {
        A.OPEN,
        A.CHOOSE_POLICY,
        A.RUN_SWEEP,
        A.READ_CASES,
        A.ANSWER,
        A.DECIDE,
        A.READ_APPROVALS,
        A.READ_METRICS,
        A.READ_REPORTS,
    },
    R.RETURN_SPECIALIST: {
        A.OPEN,
        A.CHOOSE_POLICY,
        A.READ_CASES,
        A.ANSWER,
        A.READ_APPROVALS,
        A.READ_METRICS,
        A.READ_REPORTS,
    },
    R.REFUND_SPECIALIST: {
        A.OPEN,
        A.CHOOSE_POLICY,
        A.READ_CASES,
        A.DECIDE,
        A.READ_APPROVALS,
        A.READ_METRICS,
        A.READ_REPORTS,
    },
    R.INVOICE_SPECIALIST: {
        A.OPEN,
        A.CHOOSE_POLICY,
        A.READ_CASES,
        A.ANSWER,
        A.READ_APPROVALS,
        A.READ_METRICS,
        A.READ_REPORTS,
    },
    R.COMPLAINT_SPECIALIST: {
        A.OPEN,
        A.CHOOSE_POLICY,
        A.READ_CASES,
        A.ANSWER,
        A.DECIDE,
        A.READ_APPROVALS,
        A.READ_METRICS,
        A.READ_REPORTS,
    },
    R.OPERATIONS_SUPERVISOR: {
        A.OPEN,
        A.CHOOSE_POLICY,
        A.RUN_SWEEP,
        A.READ_CASES,
        A.DECIDE,
        A.READ_APPROVALS,
        A.READ_METRICS,
        A.READ_REPORTS,
        A.READ_AUDIT,
        A.READ_PAYLOADS,
    },
    R.FINANCE: {A.READ_CASES, A.READ_APPROVALS, A.READ_METRICS, A.READ_REPORTS, A.READ_PAYEE},
    R.PLATFORM: {A.OPEN, A.CHOOSE_POLICY, A.READ_CASES, A.DECIDE, A.READ_APPROVALS},
    R.AGENT: {A.READ_CASES, A.ANSWER},
    R.WAREHOUSE: {A.OPEN, A.CHOOSE_POLICY, A.READ_CASES, A.ANSWER},
    R.COURIER: {A.OPEN, A.CHOOSE_POLICY, A.READ_CASES, A.ANSWER},
    R.SYSTEM: set(),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_every_role_and_action(role, action):
    assert (action in PERMISSIONS[role]) == (action in EXPECTED[role])
    refusal = action_refusal(role, action)
    assert (refusal is None) == (action in EXPECTED[role])
    if refusal:
        assert refusal.rule == f"{action.value}.role" and role.value in refusal.reason


def test_every_answer_of_every_kind_has_its_answerers():
    names = {name for spec in KINDS.values() for name in spec.answers} - {"decide"}
    assert names == set(ANSWERERS)


@pytest.mark.parametrize("answer", sorted(ANSWERERS))
@pytest.mark.parametrize("role", list(Role))
def test_every_role_and_answer(role, answer):
    refusal = answer_refusal(role, answer)
    assert (refusal is None) == (role in ANSWERERS[answer])
    if refusal:
        assert refusal.rule == "answer.role"


def test_only_deciders_give_the_decide_answer():
    assert answer_refusal(R.CUSTOMER, "decide").rule == "decide.role"
    assert answer_refusal(R.SECOND_LINE, "decide") is None
    assert answer_refusal(R.FIRST_LINE, "no_such").rule == "answer.unknown"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("kind", list(CaseKind))
@pytest.mark.parametrize("origin", list(Origin))
def test_opening_is_the_opening_table(role, kind, origin):
    """Not a second copy of the rules: whatever domain/opening.py says, with a rule id."""
    for own in (True, False):
        expected = opening_problem(role, kind, origin, own_order=own)
        refusal = open_refusal(role, kind, origin, own_order=own)
        assert (refusal.reason if refusal else None) == (expected.message if expected else None)
        if refusal:
            assert refusal.rule in ("open.kind", "open.origin", "open.own_order")


def test_a_customer_cannot_open_a_refused_parcel_return():
    refusal = open_refusal(R.CUSTOMER, CaseKind.RETURN_REFUND, Origin.PARCEL_REFUSED)
    assert refusal and refusal.rule == "open.origin"
    assert open_refusal(R.COURIER, CaseKind.RETURN_REFUND, Origin.PARCEL_REFUSED) is None


POLICY = named_policy("default")
NOW = datetime(2026, 11, 22, 8, tzinfo=timezone.utc)


def _request(
    approval_id: str,
    subject: Subject,
    roles: tuple[Role, ...],
    money: MoneyAtStake | None = None,
    not_by: tuple[str, ...] = (),
) -> ApprovalRequest:
    return ApprovalRequest(
        approval_id=approval_id,
        case_id="C-1",
        subject=subject,
        roles=roles,
        money=money,
        not_by=not_by,
        requested_at=NOW,
        sla_window="after_sales_node",
        due_at=NOW,
    )


def _decision(approval_id: str, actor: str, role: Role, amount_fen: int | None = None) -> ApprovalDecision:
    return ApprovalDecision(
        approval_id=approval_id, approver=ActorRef(actor_id=actor, role=role), approve=True, amount_fen=amount_fen
    )


def test_first_line_cannot_approve_a_15_percent_cash_compensation():
    """§1, §3: first line offers a 10 % coupon; 15 % cash is second line's."""
    money = MoneyAtStake(
        situation=Situation.STOCK_DELAY, kind="cash", amount_fen=1500, paid_fen=10000, tier=Tier.SECOND_LINE
    )
    pending = {"compensation-1": _request("compensation-1", Subject.COMPENSATION, (R.FIRST_LINE, R.SECOND_LINE), money)}
    refusal = decide_refusal(pending, _decision("compensation-1", "li.first", R.FIRST_LINE), POLICY)
    assert refusal and refusal.rule == "decide.authority", refusal
    assert decide_refusal(pending, _decision("compensation-1", "wang.second", R.SECOND_LINE), POLICY) is None


def test_the_second_check_is_a_different_person():
    pending = {
        "second-check": _request(
            "second-check",
            Subject.MANUAL_REFUND_SECOND_CHECK,
            (R.OPERATIONS_SUPERVISOR, R.REFUND_SPECIALIST),
            not_by=("wu.ops",),
        )
    }
    refusal = decide_refusal(pending, _decision("second-check", "wu.ops", R.OPERATIONS_SUPERVISOR), POLICY)
    assert refusal and refusal.rule == "decide.two_person"
    assert decide_refusal(pending, _decision("second-check", "zheng.ops", R.OPERATIONS_SUPERVISOR), POLICY) is None


def test_wrong_role_for_the_request_and_state_conflicts():
    pending = {"review": _request("review", Subject.MANUAL_REFUND_REVIEW, (R.OPERATIONS_SUPERVISOR,))}
    assert (
        decide_refusal(pending, _decision("review", "qian.refunds", R.REFUND_SPECIALIST), POLICY).rule == "decide.role"
    )
    assert decide_refusal(pending, _decision("review", "x", R.CUSTOMER), POLICY).rule == "decide.role"
    assert pending_problem(pending, _decision("nope", "wu.ops", R.OPERATIONS_SUPERVISOR))
    done = {"review": _decision("review", "wu.ops", R.OPERATIONS_SUPERVISOR)}
    assert (
        pending_problem({}, _decision("review", "zheng.ops", R.OPERATIONS_SUPERVISOR), done).code == Code.ALREADY_DONE
    )
    assert decide_refusal({}, _decision("review", "zheng.ops", R.OPERATIONS_SUPERVISOR), POLICY, done) is None


@pytest.mark.parametrize("role", list(Role))
def test_payee_is_masked_for_all_but_finance(role):
    doc = {
        "timeline": [
            {
                "detail": {
                    "payee": {"payment_account": "alipay", "account_id": "13812345678", "real_name": "刘洋"},
                    "amount_fen": 100,
                }
            }
        ]
    }
    seen = visible(role, doc)
    payee = seen["timeline"][0]["detail"]["payee"]
    if role == R.FINANCE:
        assert payee["account_id"] == "13812345678"
    else:
        assert payee["account_id"].endswith("5678") and "1381234" not in payee["account_id"]
        assert "刘洋" != payee["real_name"] and seen["timeline"][0]["detail"]["amount_fen"] == 100

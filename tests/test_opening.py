"""Who may open which case (domain/opening.py): the whole table, roles × kinds × origins."""

from __future__ import annotations

import pytest

from domain.actors import SYSTEM, Role
from domain.models import CaseKind
from domain.opening import ORIGIN_PRODUCERS, REQUEST_OPENERS, Origin, opening_problem, origin_of
from domain.refusal import RefusalHow, RefusalInput
from domain.returns import ReturnOrigin, ReturnRefundInput, ReviewDecision
from tests.factories import DEFAULT_POLICY, header

CUSTOMER_OPENS = {
    CaseKind.RETURN_REFUND,
    CaseKind.INVOICE,
    CaseKind.PRICE_DISPUTE,
    CaseKind.ABNORMAL_SIGN_OFF,
    CaseKind.SHIPPED_NOT_SIGNED,
    CaseKind.MISSING_ITEM,
    CaseKind.DAMAGED_GOODS,
    CaseKind.WRONG_ITEM,
    CaseKind.COMPLAINT,
}


def test_every_kind_has_openers_and_every_origin_its_producers():
    assert set(REQUEST_OPENERS) == set(CaseKind)
    assert set(ORIGIN_PRODUCERS) == set(Origin) - {Origin.REQUEST}


@pytest.mark.parametrize("kind", list(CaseKind))
@pytest.mark.parametrize("role", [r for r in Role if r != Role.SYSTEM])
@pytest.mark.parametrize("origin", list(Origin))
def test_the_table(role: Role, kind: CaseKind, origin: Origin):
    problem = opening_problem(role, kind, origin)
    if origin == Origin.REQUEST:
        assert (problem is None) == (role in REQUEST_OPENERS[kind])
    else:  # only the role that produces the origin; a parent case (the engine) for process outcomes
        assert (problem is None) == (role in ORIGIN_PRODUCERS[origin]), problem
    if role == Role.CUSTOMER:
        assert (problem is None) == (kind in CUSTOMER_OPENS and origin == Origin.REQUEST)


def test_the_rules_the_issue_names():
    assert "courier" in opening_problem(Role.CUSTOMER, CaseKind.RETURN_REFUND, Origin.PARCEL_REFUSED).message
    assert opening_problem(Role.COURIER, CaseKind.RETURN_REFUND, Origin.PARCEL_REFUSED) is None
    assert "own orders" in opening_problem(Role.CUSTOMER, CaseKind.RETURN_REFUND, own_order=False).message
    assert opening_problem(Role.COMPLAINT_SPECIALIST, CaseKind.AGENT_COMPLAINT) is None
    assert opening_problem(Role.FIRST_LINE, CaseKind.AGENT_COMPLAINT) is not None
    assert opening_problem(Role.CUSTOMER, CaseKind.RESHIP) is not None
    assert opening_problem(Role.SECOND_LINE, CaseKind.RESHIP) is None
    assert opening_problem(Role.SYSTEM, CaseKind.RETURN_REFUND, Origin.PROCESS_OUTCOME) is None  # a parent case


def test_origin_of_reads_each_kinds_own_field():
    case = header(CaseKind.RETURN_REFUND)
    assert origin_of(ReturnRefundInput(case=case, policy=DEFAULT_POLICY)) == Origin.REQUEST
    assert (
        origin_of(ReturnRefundInput(case=case, policy=DEFAULT_POLICY, origin=ReturnOrigin.PARCEL_REFUSED))
        == Origin.PARCEL_REFUSED
    )
    decided = ReviewDecision(reviewer=SYSTEM, approve=True, pickup=False)
    assert (
        origin_of(
            ReturnRefundInput(case=case, policy=DEFAULT_POLICY, origin=ReturnOrigin.PROCESS_OUTCOME, decided=decided)
        )
        == Origin.PRE_DECIDED
    )
    refusal = header(CaseKind.REFUSAL)
    assert (
        origin_of(RefusalInput(case=refusal, policy=DEFAULT_POLICY, how=RefusalHow.COURIER_RETURNED))
        == Origin.COURIER_RETURNED
    )

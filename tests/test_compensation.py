"""The compensation calculator, row by row against rulebook §3, and the approval
validator of domain/approvals.py. Money in fen: 1 yuan = 100 fen."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from domain.actors import ActorRef, Role
from domain.approvals import (
    ApprovalDecision,
    ApprovalRequest,
    MoneyAtStake,
    Subject,
    approval_problem,
    roles_for_tier,
)
from domain.compensation import (
    CompensationError,
    authority_limit,
    offer_for_percent,
    standard_offer,
    tier_for_amount,
)
from domain.money import yuan
from domain.policy import Situation, Tier, named_policy
from domain.problems import Code, Problem

P = named_policy("default")
S = Situation
FIRST, SECOND, PLATFORM = Tier.FIRST_LINE, Tier.SECOND_LINE, Tier.PLATFORM

PAID_500 = yuan(500)  # 10 % = 50 yuan, 20 % = 100 yuan: under every cap
PAID_3000 = yuan(3000)  # 10 % = 300 yuan: over the 200 yuan cap


# -- the table, row by row --------------------------------------------------------
# (situation, first line (kinds, min %, max %, cap yuan | fixed yuan), second line (...))
ROWS = [
    (S.STOCK_DELAY, (("coupon",), 10, 10, 200), (("cash",), 10, 20, 200)),
    (S.PLATFORM_72H, None, (("coupon", "cash"), 30, 30, 500)),
    (S.STOCK_OUT, (("coupon",), 10, 10, 200), (("coupon", "cash"), 10, 20, 200)),
    (S.OVERSOLD_PAID, None, (("cash",), 10, 10, 200)),
    (S.OVERSOLD_UNPAID, None, (("coupon",), 10, 20, 200)),
    (S.DELIVERY_DELAY, (("coupon",), 10, 10, 200), (("cash",), 10, 10, 200)),
    (S.MISSING_ITEM, (("coupon",), "fixed", 10), (("coupon",), 10, 20, 200)),
    (S.GOODS_FAULT, None, (("coupon",), 10, 20, 200)),
    (S.PROMO_PAID, (("refund_difference",),), None),
    (S.PROMO_UNPAID, None, (("coupon",), 10, 20, 200)),
]


@pytest.mark.parametrize(("situation", "first", "second"), ROWS, ids=[r[0].value for r in ROWS])
def test_policy_row_matches_the_rulebook(situation, first, second):
    rule = P.rule(situation)
    for offer, expected in ((rule.first_line, first), (rule.second_line, second)):
        if expected is None:
            assert offer is None
            continue
        assert offer is not None
        assert offer.kinds == expected[0]
        if len(expected) == 1:
            continue
        if expected[1] == "fixed":
            assert offer.fixed_fen == yuan(expected[2])
            continue
        assert (offer.min_percent, offer.max_percent, offer.cap_fen) == (expected[1], expected[2], yuan(expected[3]))


@pytest.mark.parametrize(
    ("situation", "paid", "kind", "amount", "percent", "tier"),
    [
        # stock delay: first line 10 % coupon, cap 200
        (S.STOCK_DELAY, PAID_500, "coupon", yuan(50), 10, FIRST),
        (S.STOCK_DELAY, PAID_3000, "coupon", yuan(200), 10, FIRST),  # 300 capped at 200
        # 72 h rule: second line, 30 %, cap 500, coupon preferred
        (S.PLATFORM_72H, PAID_500, "coupon", yuan(150), 30, SECOND),
        (S.PLATFORM_72H, PAID_3000, "coupon", yuan(500), 30, SECOND),  # 900 capped at 500
        # stock-out: first line 10 % coupon
        (S.STOCK_OUT, PAID_500, "coupon", yuan(50), 10, FIRST),
        # oversold, paid: 10 % cash cap 200
        (S.OVERSOLD_PAID, PAID_3000, "cash", yuan(200), 10, SECOND),
        # oversold, unpaid: 10-20 % coupon, cap 200
        (S.OVERSOLD_UNPAID, PAID_500, "coupon", yuan(50), 10, SECOND),
        # delivery delayed: first line 10 % coupon cap 200
        (S.DELIVERY_DELAY, PAID_3000, "coupon", yuan(200), 10, FIRST),
        # missing item: the 10 yuan coupon whatever the order
        (S.MISSING_ITEM, PAID_3000, "coupon", yuan(10), None, FIRST),
        (S.MISSING_ITEM, PAID_500, "coupon", yuan(10), None, FIRST),
        # goods fault: second line 10-20 % coupon cap 200
        (S.GOODS_FAULT, PAID_500, "coupon", yuan(50), 10, SECOND),
        (S.PROMO_UNPAID, PAID_3000, "coupon", yuan(200), 10, SECOND),
    ],
)
def test_standard_offer(situation, paid, kind, amount, percent, tier):
    offer = standard_offer(P, situation, paid)
    assert (offer.kind, offer.amount_fen, offer.percent, offer.tier) == (kind, amount, percent, tier)
    assert offer.needs_approval is (tier != FIRST)


def test_promo_paid_refunds_the_price_difference():
    offer = standard_offer(P, S.PROMO_PAID, PAID_500, difference_fen=1250)
    assert (offer.kind, offer.amount_fen, offer.tier) == ("refund_difference", 1250, FIRST)
    for bad in (None, 0, -5):
        with pytest.raises(CompensationError, match="positive difference"):
            standard_offer(P, S.PROMO_PAID, PAID_500, difference_fen=bad)


def test_percent_rounds_down_to_whole_fen():
    assert standard_offer(P, S.STOCK_DELAY, 999).amount_fen == 99


@pytest.mark.parametrize(
    ("situation", "paid", "percent", "kind", "expect_kind", "amount", "tier"),
    [
        (S.STOCK_DELAY, PAID_500, 10, None, "coupon", yuan(50), FIRST),
        (S.STOCK_DELAY, PAID_500, 15, None, "cash", yuan(75), SECOND),  # second line: cash 10-20 %
        (S.STOCK_DELAY, PAID_500, 10, "cash", "cash", yuan(50), SECOND),  # first line has no cash
        (S.STOCK_DELAY, PAID_3000, 20, None, "cash", yuan(200), SECOND),  # 600 capped at 200
        (S.STOCK_OUT, PAID_500, 20, None, "coupon", yuan(100), SECOND),  # coupon preferred
        (S.STOCK_OUT, PAID_500, 20, "cash", "cash", yuan(100), SECOND),
        (S.PLATFORM_72H, PAID_500, 30, "cash", "cash", yuan(150), SECOND),
        (S.DELIVERY_DELAY, PAID_500, 15, None, "cash", yuan(75), PLATFORM),  # beyond 10 % cash
        (S.MISSING_ITEM, PAID_500, 10, None, "coupon", yuan(50), SECOND),  # fixed coupon is not a percent
        (S.GOODS_FAULT, PAID_3000, 20, None, "coupon", yuan(200), SECOND),
        (S.GOODS_FAULT, PAID_3000, 30, None, "coupon", yuan(900), PLATFORM),  # beyond second line, uncapped
        (S.PLATFORM_72H, PAID_3000, 40, None, "coupon", yuan(1200), PLATFORM),
    ],
)
def test_offer_for_percent(situation, paid, percent, kind, expect_kind, amount, tier):
    offer = offer_for_percent(P, situation, paid, percent, kind)
    assert (offer.kind, offer.amount_fen, offer.percent, offer.tier) == (expect_kind, amount, percent, tier)


@pytest.mark.parametrize("percent", [0, -1, 101])
def test_offer_for_percent_refuses_impossible_percents(percent):
    with pytest.raises(CompensationError):
        offer_for_percent(P, S.GOODS_FAULT, PAID_500, percent)


@pytest.mark.parametrize(
    ("situation", "paid", "amount", "kind", "tier"),
    [
        (S.STOCK_DELAY, PAID_500, yuan(50), "coupon", FIRST),
        (S.STOCK_DELAY, PAID_500, yuan(50) + 1, "coupon", PLATFORM),  # second line gives cash, not coupons
        (S.STOCK_DELAY, PAID_500, yuan(50), "cash", SECOND),
        (S.STOCK_DELAY, PAID_500, yuan(100), "cash", SECOND),  # 20 %
        (S.STOCK_DELAY, PAID_500, yuan(100) + 1, "cash", PLATFORM),
        (S.STOCK_DELAY, PAID_3000, yuan(200), "coupon", FIRST),  # at the cap
        (S.STOCK_DELAY, PAID_3000, yuan(200) + 1, "coupon", PLATFORM),
        (S.PLATFORM_72H, PAID_3000, yuan(500), "coupon", SECOND),
        (S.PLATFORM_72H, PAID_3000, yuan(500) + 1, "coupon", PLATFORM),
        (S.MISSING_ITEM, PAID_500, yuan(10), "coupon", FIRST),
        (S.MISSING_ITEM, PAID_500, yuan(11), "coupon", SECOND),
        (S.MISSING_ITEM, PAID_500, yuan(101), "coupon", PLATFORM),
        (S.GOODS_FAULT, PAID_3000, yuan(200), "coupon", SECOND),
        (S.GOODS_FAULT, PAID_3000, yuan(200) + 1, "coupon", PLATFORM),
        (S.GOODS_FAULT, PAID_500, yuan(10), "cash", PLATFORM),  # no cash in this row
        (S.PROMO_PAID, PAID_500, 1234, "refund_difference", FIRST),
    ],
)
def test_tier_for_amount(situation, paid, amount, kind, tier):
    assert tier_for_amount(P, situation, paid, amount, kind) == tier


def test_tier_for_amount_needs_a_positive_amount():
    with pytest.raises(CompensationError):
        tier_for_amount(P, S.GOODS_FAULT, PAID_500, 0, "coupon")


@pytest.mark.parametrize(
    ("situation", "paid", "tier", "kind", "limit"),
    [
        (S.STOCK_DELAY, PAID_500, FIRST, "coupon", yuan(50)),
        (S.STOCK_DELAY, PAID_3000, FIRST, "coupon", yuan(200)),  # paid 3000 → 10 % = 300, capped at 200
        (S.STOCK_DELAY, PAID_500, FIRST, "cash", None),  # first line may not pay cash
        (S.STOCK_DELAY, PAID_500, SECOND, "cash", yuan(100)),
        (S.STOCK_DELAY, PAID_3000, SECOND, "cash", yuan(200)),
        (S.PLATFORM_72H, PAID_3000, SECOND, "coupon", yuan(500)),
        (S.PLATFORM_72H, PAID_3000, FIRST, "coupon", None),
        (S.MISSING_ITEM, PAID_3000, FIRST, "coupon", yuan(10)),
        (S.GOODS_FAULT, PAID_500, SECOND, "coupon", yuan(100)),
        (S.GOODS_FAULT, PAID_500, PLATFORM, "coupon", None),  # unbounded
    ],
)
def test_authority_limit(situation, paid, tier, kind, limit):
    assert authority_limit(P, situation, paid, tier, kind) == limit


def test_coupons_come_before_cash_wherever_both_are_allowed():
    both = 0
    for rule in P.compensation:
        for offer in (rule.first_line, rule.second_line):
            if offer and "coupon" in offer.kinds and "cash" in offer.kinds:
                both += 1
                assert offer.kinds[0] == "coupon", rule.situation
    assert both >= 2  # the 72 h rule and stock-out
    assert standard_offer(P, S.PLATFORM_72H, PAID_500).kind == "coupon"
    assert offer_for_percent(P, S.STOCK_OUT, PAID_500, 15).kind == "coupon"


def test_every_capped_offer_stays_under_its_cap_for_a_big_order():
    big = yuan(1_000_000)
    for rule in P.compensation:
        if rule.situation == S.PROMO_PAID:
            continue
        offer = standard_offer(P, rule.situation, big)
        assert offer.tier != PLATFORM
        assert offer.amount_fen <= yuan(500)


def test_roles_for_tier():
    assert roles_for_tier(FIRST) == (Role.FIRST_LINE, Role.SECOND_LINE)
    assert roles_for_tier(SECOND) == (Role.SECOND_LINE,)
    assert roles_for_tier(PLATFORM) == (Role.PLATFORM,)


# -- approval_problem -------------------------------------------------------------

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
WANG = ActorRef(actor_id="wang.second", role=Role.SECOND_LINE)
LI = ActorRef(actor_id="li.first", role=Role.FIRST_LINE)
SUPERVISOR = ActorRef(actor_id="chen.ops", role=Role.OPERATIONS_SUPERVISOR)
PLATFORM_DESK = ActorRef(actor_id="tmall.desk", role=Role.PLATFORM)


def request(
    approval_id: str = "compensation-1",
    *,
    amount: int = yuan(100),
    paid: int = PAID_3000,
    situation: Situation = S.GOODS_FAULT,
    roles=(Role.SECOND_LINE,),
    subject=Subject.COMPENSATION,
    not_by: tuple[str, ...] = (),
    money: bool = True,
) -> ApprovalRequest:
    return ApprovalRequest(
        approval_id=approval_id,
        case_id="C-1",
        subject=subject,
        roles=roles,
        money=MoneyAtStake(situation=situation, kind="coupon", amount_fen=amount, paid_fen=paid, tier=SECOND)
        if money
        else None,
        not_by=not_by,
        requested_at=NOW,
        sla_window="second_line_callback",
        due_at=NOW,
    )


def pending(*requests: ApprovalRequest) -> dict[str, ApprovalRequest]:
    return {r.approval_id: r for r in requests}


def test_a_valid_approval_has_no_problem():
    assert (
        approval_problem(
            pending(request()), ApprovalDecision(approval_id="compensation-1", approver=WANG, approve=True), P
        )
        is None
    )


def test_granting_less_than_asked_is_allowed():
    d = ApprovalDecision(approval_id="compensation-1", approver=WANG, approve=True, amount_fen=yuan(50))
    assert approval_problem(pending(request()), d, P) is None


def test_unknown_approval_id_names_the_pending_ones():
    problem = approval_problem(pending(request()), ApprovalDecision(approval_id="nope", approver=WANG, approve=True), P)
    assert problem == Problem(Code.NO_SUCH_APPROVAL, "no pending approval 'nope' (pending: compensation-1)")
    problem = approval_problem({}, ApprovalDecision(approval_id="nope", approver=WANG, approve=True), P)
    assert problem and "pending: none" in problem.message


def test_wrong_role():
    problem = approval_problem(
        pending(request()), ApprovalDecision(approval_id="compensation-1", approver=LI, approve=True), P
    )
    assert problem == Problem(Code.WRONG_ROLE, "li.first is first_line; compensation needs second_line")


def test_second_check_by_the_first_checker_is_refused():
    r = request(
        "second-check",
        subject=Subject.MANUAL_REFUND_SECOND_CHECK,
        roles=(Role.OPERATIONS_SUPERVISOR,),
        not_by=("chen.ops",),
        money=False,
    )
    problem = approval_problem(
        pending(r), ApprovalDecision(approval_id="second-check", approver=SUPERVISOR, approve=True), P
    )
    assert problem is not None and problem.code == Code.SAME_PERSON and "different person" in problem.message
    other = ActorRef(actor_id="zhou.ops", role=Role.OPERATIONS_SUPERVISOR)
    assert (
        approval_problem(pending(r), ApprovalDecision(approval_id="second-check", approver=other, approve=True), P)
        is None
    )


def test_amount_over_the_roles_cap_is_refused():
    # goods fault on a 3000 yuan order: 20 % = 600 yuan, second-line cap 200 yuan
    r = request(amount=yuan(300))
    problem = approval_problem(
        pending(r), ApprovalDecision(approval_id="compensation-1", approver=WANG, approve=True), P
    )
    assert problem is not None and problem.code == Code.BEYOND_AUTHORITY
    assert "beyond second_line authority (cap 20000 fen)" in problem.message
    # granting within the cap is fine; the platform has no cap
    ok = ApprovalDecision(approval_id="compensation-1", approver=WANG, approve=True, amount_fen=yuan(200))
    assert approval_problem(pending(r), ok, P) is None
    r_platform = request(amount=yuan(300), roles=(Role.PLATFORM,))
    d = ApprovalDecision(approval_id="compensation-1", approver=PLATFORM_DESK, approve=True)
    assert approval_problem(pending(r_platform), d, P) is None


def test_first_line_may_not_approve_where_the_row_gives_it_no_authority():
    r = request(situation=S.GOODS_FAULT, amount=yuan(10), roles=(Role.FIRST_LINE, Role.SECOND_LINE))
    problem = approval_problem(pending(r), ApprovalDecision(approval_id="compensation-1", approver=LI, approve=True), P)
    assert (
        problem is not None
        and problem.code == Code.BEYOND_AUTHORITY
        and "beyond first_line authority" in problem.message
    )


def test_granting_more_than_asked_is_refused():
    d = ApprovalDecision(approval_id="compensation-1", approver=WANG, approve=True, amount_fen=yuan(150))
    problem = approval_problem(pending(request(amount=yuan(100))), d, P)
    assert problem == Problem(Code.AMOUNT_TOO_HIGH, "cannot grant 15000 fen: more than the 10000 fen asked")


def test_a_refusal_needs_a_note():
    for note in ("", "   "):
        with pytest.raises(ValidationError, match="a refusal needs a note"):
            ApprovalDecision(approval_id="compensation-1", approver=WANG, approve=False, note=note)
    no = ApprovalDecision(
        approval_id="compensation-1", approver=WANG, approve=False, note="customer already compensated"
    )
    # a refusal of an amount over the cap is fine: nothing is paid
    assert approval_problem(pending(request(amount=yuan(300))), no, P) is None


def test_decision_contract_rejects_bad_amounts():
    with pytest.raises(ValidationError):
        ApprovalDecision(approval_id="compensation-1", approver=WANG, approve=True, amount_fen=0)
    with pytest.raises(ValidationError):
        ApprovalDecision(approval_id="", approver=WANG, approve=True)

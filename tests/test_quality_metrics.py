"""§7 metrics, pending approvals and the §6 privacy refusal, on a known data set in
SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from domain.complaints import ComplaintRecord
from domain.external import PaymentReceipt, PaymentRequest
from domain.models import CaseEvent, CaseKind, CaseOpening, TimelineEntry
from domain.privacy import ContactAction, ContactRequest, account_digest
from domain.timeline import Entry
from store.complaints import ComplaintRecords, PrivacyRefused
from store.metrics import Metrics
from tests.factories import header, order, secret


class DataSet:
    """Cases in a period of their own, so the figures are exactly these."""

    def __init__(self, store):
        self.store = store
        self.base = datetime(2091, 1, 1, tzinfo=timezone.utc) + timedelta(days=random.randrange(0, 20000))
        self.seq: dict[str, int] = {}

    def at(self, minutes: float) -> datetime:
        return self.base + timedelta(minutes=minutes)

    def case(self, kind: CaseKind, minutes: float, **kw) -> str:
        h = header(kind, order(), **kw)
        self.store.open_case(CaseOpening(case=h, opened_at=self.at(minutes), state="open"))
        self.seq[h.case_id] = 0
        return h.case_id

    def event(self, case_id: str, kind: str, minutes: float, outcome: str | None = None, **detail) -> None:
        self.seq[case_id] += 1
        entry = TimelineEntry(
            seq=self.seq[case_id], at=self.at(minutes), kind=kind, actor="system", state="s", detail=detail
        )
        self.store.record_event(CaseEvent(case_id=case_id, entry=entry, outcome=outcome))

    def pay(self, case_id: str, kind: str, amount: int, minutes: float) -> None:
        req = PaymentRequest(
            idempotency_key=f"{case_id}:{kind}",
            case_id=case_id,
            order_id="O-x",
            kind=kind,
            amount_fen=amount,
            account_ref="acct",
        )
        self.store.record_payment(
            req,
            PaymentReceipt(
                idempotency_key=req.idempotency_key,
                payment_id=f"P-{case_id}",
                kind=kind,
                amount_fen=amount,
                paid_at=self.at(minutes),
            ),
        )

    def complaint(self, case_id: str, opened: float, closed: float, **kw) -> None:
        base = dict(
            customer_id="cust-1",
            order_id="O-x",
            responsibility="merchant",
            outcome="resolved",
            repeat=False,
            submissions=1,
            level="first_line",
            first_contact_resolved=False,
            escalated=False,
            satisfaction=None,
            compensation_fen=0,
        )
        ComplaintRecords(self.store).record_complaint(
            ComplaintRecord(case_id=case_id, opened_at=self.at(opened), closed_at=self.at(closed), **{**base, **kw})
        )


@pytest.fixture
def data(any_store) -> DataSet:
    d = DataSet(any_store)
    c1 = d.case(CaseKind.COMPLAINT, 0)
    d.event(c1, Entry.CLOSED, 60, outcome="resolved")
    d.complaint(c1, 0, 60, category="logistics", first_contact_resolved=True, satisfaction=5, compensation_fen=1335)
    d.pay(c1, "coupon", 1335, 50)

    c2 = d.case(CaseKind.COMPLAINT, 10)
    d.event(c2, Entry.SLA_BREACHED, 30, window="after_sales_node")
    d.event(c2, Entry.SLA_BREACHED, 90, window="second_line_callback")
    d.event(c2, Entry.CLOSED, 180, outcome="resolved")
    d.complaint(
        c2,
        10,
        180,
        category="product_quality",
        repeat=True,
        submissions=2,
        level="second_line",
        escalated=True,
        satisfaction=3,
        compensation_fen=2000,
    )
    d.pay(c2, "coupon", 2000, 170)

    c3 = d.case(CaseKind.COMPLAINT, 20)
    d.event(c3, Entry.CLOSED, 21, outcome="not_accepted")
    d.complaint(c3, 20, 21, category="after_sales", outcome="not_accepted")

    r1 = d.case(CaseKind.RETURN_REFUND, 0)
    d.event(r1, Entry.SLA_BREACHED, 100, window="after_sales_node")
    d.event(r1, Entry.CLOSED, 120, outcome="refunded")
    d.pay(r1, "refund", 13350, 119)

    c4 = d.case(CaseKind.COMPLAINT, 30)  # still open: an approval waits, another was decided
    d.event(
        c4,
        Entry.APPROVAL_REQUESTED,
        31,
        approval_id="answer-1-first_line",
        subject="complaint_resolution",
        roles=["first_line"],
        due_at=d.at(31 + 24 * 60).isoformat(),
        sla_window="after_sales_node",
        amount_fen=None,
    )
    d.event(c4, Entry.APPROVAL_DECIDED, 40, approval_id="answer-1-first_line", approve=False)
    d.event(
        c4,
        Entry.APPROVAL_REQUESTED,
        41,
        approval_id="answer-2-second_line",
        subject="complaint_resolution",
        roles=["second_line"],
        due_at=d.at(41 + 48 * 60).isoformat(),
        sla_window="second_line_callback",
        amount_fen=2000,
    )
    d.cases = dict(c1=c1, c2=c2, c3=c3, c4=c4, r1=r1)
    return d


def test_metrics_on_a_known_data_set(data, any_store):
    m = Metrics(any_store, since=data.base, until=data.at(24 * 60)).report()
    assert m["handling_time"] == {
        "complaint": dict(closed=3, mean_s=4620.0, median_s=3600.0, max_s=10200.0),
        "return_refund": dict(closed=1, mean_s=7200.0, median_s=7200.0, max_s=7200.0),
    }
    c = m["complaints"]
    assert (c["closed"], c["not_accepted"]) == (3, 1)
    assert (c["first_contact_resolution"], c["escalation_rate"], c["repeat_rate"]) == (0.5, 0.5, 0.5)
    assert c["by_category"] == {"logistics": 1, "product_quality": 1}
    assert c["by_level"] == {"first_line": 1, "second_line": 1}
    assert (c["satisfaction_mean"], c["compensation_fen"]) == (4.0, 3335)
    assert m["sla_breaches"] == {"after_sales_node": 2, "second_line_callback": 1}
    assert m["compensation_paid"] == {
        "coupon": dict(payments=2, amount_fen=3335),
        "refund": dict(payments=1, amount_fen=13350),
    }


def test_an_empty_period_has_no_rates(any_store):
    far = datetime(2200, 1, 1, tzinfo=timezone.utc)
    m = Metrics(any_store, since=far, until=far + timedelta(days=1)).report()
    assert m["complaints"]["first_contact_resolution"] is None and m["sla_breaches"] == {} and m["handling_time"] == {}


def test_pending_approvals_lists_only_the_undecided_with_age_and_due(data, any_store):
    now = data.at(41 + 49 * 60)
    mine = [p for p in Metrics(any_store).pending_approvals(now) if p["case_id"] in data.cases.values()]
    assert [(p["case_id"], p["approval_id"]) for p in mine] == [(data.cases["c4"], "answer-2-second_line")]
    p = mine[0]
    assert p["age_s"] == 49 * 3600 and p["overdue"] and p["roles"] == ["second_line"] and p["amount_fen"] == 2000
    assert p["due_at"] == data.at(41 + 48 * 60) and p["sla_window"] == "second_line_callback"


def test_only_the_paying_account_reads_or_changes_the_address_and_a_refusal_is_recorded(any_store):
    o = order()
    any_store.save_order(o)
    records = ComplaintRecords(any_store, secret())
    now = datetime(2026, 11, 22, tzinfo=timezone.utc)
    got = records.order_contact(
        ContactRequest(order_id=o.order_id, account=o.paying_account, action=ContactAction.READ), now
    )
    assert (got.phone, got.address) == (o.phone, o.address)

    intruder = "alipay:13900000000"
    with pytest.raises(PrivacyRefused, match="only the account that paid"):
        records.order_contact(ContactRequest(order_id=o.order_id, account=intruder, action=ContactAction.READ), now)
    with pytest.raises(PrivacyRefused):
        records.change_contact(
            ContactRequest(order_id=o.order_id, account=intruder, action=ContactAction.CHANGE_ADDRESS),
            now,
            address="somewhere else",
        )
    assert any_store.get_order(o.order_id).address == o.address
    refusals = records.privacy_refusals(o.order_id)
    assert [r["action"] for r in refusals] == ["read_contact", "change_address"]
    assert all(
        r["account_digest"] == account_digest(intruder, secret()) and "13900000000" not in str(r) for r in refusals
    )

    records.change_contact(
        ContactRequest(order_id=o.order_id, account=o.paying_account, action=ContactAction.CHANGE_ADDRESS),
        now,
        address="北京市朝阳区建国路1号",
    )
    assert any_store.get_order(o.order_id).address == "北京市朝阳区建国路1号"
    assert len(records.privacy_refusals(o.order_id)) == 2

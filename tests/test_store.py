"""The case store on SQLite and on PostgreSQL: idempotent writes, ordering, time zones."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from domain.external import PaymentReceipt, PaymentRequest
from domain.models import CaseEvent, CaseKind, CaseOpening, OrderLine, TimelineBatch, TimelineEntry
from domain.timeline import Entry
from store import CaseStore, open_store
from tests.factories import header, order

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
CST = timezone(timedelta(hours=8))


def opening(
    case_id: str | None = None, *, at: datetime = T0, state: str = "awaiting_review", kind=CaseKind.RETURN_REFUND
):
    return CaseOpening(case=header(kind, case_id=case_id or f"S-{uuid.uuid4().hex[:12]}"), opened_at=at, state=state)


def event(
    case_id: str,
    seq: int,
    kind: str,
    *,
    state: str = "awaiting_review",
    at: datetime | None = None,
    outcome: str | None = None,
    **detail,
) -> CaseEvent:
    return CaseEvent(
        case_id=case_id,
        outcome=outcome,
        entry=TimelineEntry(
            seq=seq, at=at or T0 + timedelta(minutes=seq), kind=kind, actor="system", state=state, detail=detail
        ),
    )


def payment(case_id: str, order_id: str, *, key: str | None = None, amount: int = 13350, payment_id: str = "PAY-1"):
    key = key or f"{case_id}:refund"
    req = PaymentRequest(
        idempotency_key=key,
        case_id=case_id,
        order_id=order_id,
        kind="refund",
        amount_fen=amount,
        account_ref="alipay:13812345678",
    )
    rec = PaymentReceipt(idempotency_key=key, payment_id=payment_id, kind="refund", amount_fen=amount, paid_at=T0)
    return req, rec


def url_of(store: CaseStore) -> str:
    return store.engine.url.render_as_string(hide_password=False)


# -- cases ----------------------------------------------------------------------------


def test_open_case_is_idempotent(any_store: CaseStore):
    o = opening()
    assert any_store.open_case(o) is True
    assert any_store.open_case(o) is False
    again = o.model_copy(update={"state": "something_else", "opened_at": T0 + timedelta(days=1)})
    assert any_store.open_case(again) is False
    row = any_store.get_case(o.case.case_id)
    assert row is not None
    assert (row["state"], row["opened_at"], row["outcome"]) == ("awaiting_review", T0, None)
    assert (row["kind"], row["workflow_id"], row["order_id"], row["customer_id"], row["opened_by"]) == (
        "return_refund",
        f"case-{o.case.case_id}",
        o.case.order.order_id,
        "cust-1",
        "cust-1",
    )


def test_an_event_delivered_twice_is_stored_once(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    cid = o.case.case_id
    ev = event(cid, 0, Entry.OPENED, reason="broken jar")
    assert any_store.record_event(ev) is True
    assert any_store.record_event(ev) is False
    entries = any_store.timeline(cid)
    assert [(e.seq, e.kind, e.detail) for e in entries] == [(0, Entry.OPENED, {"reason": "broken jar"})]


def test_concurrent_redelivery_stores_one_row(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    ev = event(o.case.case_id, 0, Entry.OPENED)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: any_store.record_event(ev), range(8)))
    assert results.count(True) == 1
    assert len(any_store.timeline(o.case.case_id)) == 1


def test_events_move_the_case_state_and_the_closing_event_sets_the_outcome(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    cid = o.case.case_id
    any_store.record_event(event(cid, 0, Entry.OPENED))
    any_store.record_event(event(cid, 1, Entry.PICKUP_BOOKED, state="awaiting_goods"))
    row = any_store.get_case(cid)
    assert (row["state"], row["outcome"], row["updated_at"]) == ("awaiting_goods", None, T0 + timedelta(minutes=1))
    any_store.record_event(event(cid, 2, Entry.CLOSED, state="closed", outcome="refunded"))
    row = any_store.get_case(cid)
    assert (row["state"], row["outcome"]) == ("closed", "refunded")
    # a late redelivery of an older event neither duplicates nor rolls the state back
    assert any_store.record_event(event(cid, 1, Entry.PICKUP_BOOKED, state="awaiting_goods")) is False
    assert any_store.get_case(cid)["state"] == "closed"


def test_an_older_event_arriving_late_does_not_roll_the_state_back(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    cid = o.case.case_id
    any_store.record_event(event(cid, 3, Entry.CLOSED, state="closed", outcome="rejected"))
    assert any_store.record_event(event(cid, 2, Entry.REVIEWED, state="awaiting_review")) is True
    row = any_store.get_case(cid)
    assert (row["state"], row["outcome"]) == ("closed", "rejected")


def test_timeline_is_in_sequence_order_whatever_the_arrival_order(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    cid = o.case.case_id
    for seq, kind in [(2, Entry.PICKUP_REQUESTED), (0, Entry.OPENED), (3, Entry.PICKUP_BOOKED), (1, Entry.REVIEWED)]:
        any_store.record_event(event(cid, seq, kind))
    assert [(e.seq, e.kind) for e in any_store.timeline(cid)] == [
        (0, Entry.OPENED),
        (1, Entry.REVIEWED),
        (2, Entry.PICKUP_REQUESTED),
        (3, Entry.PICKUP_BOOKED),
    ]
    assert any_store.timeline("S-never-opened") == []


def test_an_event_for_an_unopened_case_raises_and_stores_nothing(any_store: CaseStore):
    cid = f"S-{uuid.uuid4().hex[:12]}"
    with pytest.raises(LookupError, match=f"case {cid} was never opened"):
        any_store.record_event(event(cid, 0, Entry.OPENED))
    assert any_store.timeline(cid) == []
    assert any_store.get_case(cid) is None


def test_get_and_list_cases(any_store: CaseStore):
    state = f"st-{uuid.uuid4().hex[:8]}"  # the store is shared: a state of our own to filter on
    openings = [opening(at=T0 + timedelta(hours=i), state=state) for i in range(3)]
    before = any_store.count_cases()
    for o in openings:
        any_store.open_case(o)
    assert any_store.count_cases() == before + 3
    listed = any_store.list_cases(state=state)
    assert [c["case_id"] for c in listed] == [o.case.case_id for o in reversed(openings)]  # newest first
    assert [c["case_id"] for c in any_store.list_cases(state=state, limit=2)] == [
        o.case.case_id for o in reversed(openings[1:])
    ]
    assert any_store.list_cases(kind="held_order", state=state) == []
    assert len(any_store.list_cases(kind="return_refund", state=state)) == 3
    assert any_store.get_case("S-nope") is None


# -- payments -------------------------------------------------------------------------


def test_payment_idempotency_key_is_unique(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    cid = o.case.case_id
    req, rec = payment(cid, o.case.order.order_id)
    assert any_store.record_payment(req, rec) is True
    assert any_store.record_payment(req, rec) is False
    # a different receipt under the same key changes nothing: the first one stands
    req2, rec2 = payment(cid, o.case.order.order_id, amount=1, payment_id="PAY-2")
    assert any_store.record_payment(req2, rec2) is False
    rows = any_store.payments(cid)
    assert [(p["idempotency_key"], p["amount_fen"], p["payment_id"], p["kind"]) for p in rows] == [
        (f"{cid}:refund", 13350, "PAY-1", "refund")
    ]
    assert rows[0]["paid_at"] == T0
    # another step of the same case is another payment
    req3, rec3 = payment(cid, o.case.order.order_id, key=f"{cid}:compensation", amount=500, payment_id="PAY-3")
    assert any_store.record_payment(req3, rec3) is True
    assert [p["idempotency_key"] for p in any_store.payments(cid)] == [f"{cid}:refund", f"{cid}:compensation"]


def test_payments_never_keep_the_paying_account(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    req, rec = payment(o.case.case_id, o.case.order.order_id)
    any_store.record_payment(req, rec)
    with any_store.engine.connect() as c:
        rows = c.execute(text("SELECT * FROM payments WHERE case_id = :c"), {"c": o.case.case_id}).mappings().all()
    assert len(rows) == 1
    assert "13812345678" not in " ".join(str(v) for v in rows[0].values())


# -- time zones -----------------------------------------------------------------------


def test_timezone_aware_datetimes_round_trip_as_the_same_instant(any_store: CaseStore):
    local_evening = datetime(2026, 11, 20, 23, 30, 15, 123000, tzinfo=CST)
    o = opening(at=local_evening)
    any_store.open_case(o)
    cid = o.case.case_id
    any_store.record_event(event(cid, 0, Entry.OPENED, at=local_evening))
    row = any_store.get_case(cid)
    assert row["opened_at"] == local_evening
    assert row["opened_at"].utcoffset() == timedelta(0)
    (entry,) = any_store.timeline(cid)
    assert entry.at == local_evening and entry.at.tzinfo is not None


def test_naive_datetimes_are_refused(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    ev = event(o.case.case_id, 0, Entry.OPENED)
    naive = ev.model_copy(update={"entry": ev.entry.model_copy(update={"at": datetime(2026, 11, 20, 10)})})
    with pytest.raises(Exception, match="timezone-aware"):
        any_store.record_event(naive)
    assert any_store.timeline(o.case.case_id) == []


# -- orders ---------------------------------------------------------------------------


def test_orders_save_get_and_update(any_store: CaseStore):
    o = order()
    assert any_store.get_order(o.order_id) is None
    any_store.save_order(o)
    assert any_store.get_order(o.order_id) == o
    changed = o.model_copy(
        update={
            "paid_fen": 5000,
            "trade_completed": True,
            "lines": (OrderLine(sku="TEA-1", name="Green tea", unit_price_fen=5000, quantity=1),),
        }
    )
    any_store.save_order(changed)
    got = any_store.get_order(o.order_id)
    assert got == changed and got.paid_at == o.paid_at and got.trade_completed


# -- migrations -----------------------------------------------------------------------


def test_open_store_twice_is_harmless(any_store: CaseStore):
    o = opening()
    any_store.open_case(o)
    again = open_store(url_of(any_store))  # runs the migrations a second time
    assert again.get_case(o.case.case_id) is not None
    tables = set(inspect(again.engine).get_table_names())
    assert {"cases", "case_events", "payments", "orders", "alembic_version"} <= tables
    with again.engine.connect() as c:
        versions = {r[0] for r in c.execute(text("SELECT version_num FROM alembic_version"))}
    assert versions, "the migrations are recorded"
    again.engine.dispose()


def test_a_fresh_sqlite_file_is_created_and_migrated(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'cases.db'}"
    s1 = open_store(url)
    o = opening()
    assert s1.open_case(o) is True
    s1.engine.dispose()
    s2 = open_store(url)
    assert s2.open_case(o) is False
    assert s2.count_cases() == 1
    with s2.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    s2.engine.dispose()


# -- timeline batches (what CaseFile sends: one transaction per wait) ----------------


def test_a_first_batch_opens_the_case_and_stores_its_entries_once(any_store: CaseStore):
    o = opening()
    cid = o.case.case_id
    batch = TimelineBatch(
        case_id=cid, opening=o, events=(event(cid, 0, Entry.OPENED), event(cid, 1, Entry.REVIEW_REQUESTED))
    )
    assert any_store.record_timeline(batch) == 2
    assert any_store.record_timeline(batch) == 0  # a retried batch: nothing new
    later = TimelineBatch(
        case_id=cid,
        events=(event(cid, 1, Entry.REVIEW_REQUESTED), event(cid, 2, Entry.CLOSED, state="closed", outcome="rejected")),
    )
    assert any_store.record_timeline(later) == 1
    assert [(e.seq, e.kind) for e in any_store.timeline(cid)] == [
        (0, Entry.OPENED),
        (1, Entry.REVIEW_REQUESTED),
        (2, Entry.CLOSED),
    ]
    row = any_store.get_case(cid)
    assert (row["state"], row["outcome"], row["updated_at"]) == ("closed", "rejected", T0 + timedelta(minutes=2))


def test_a_batch_for_an_unopened_case_raises_and_stores_nothing(any_store: CaseStore):
    cid = f"S-{uuid.uuid4().hex[:12]}"
    with pytest.raises(LookupError, match=f"case {cid} was never opened"):
        any_store.record_timeline(TimelineBatch(case_id=cid, events=(event(cid, 0, Entry.OPENED), event(cid, 1, "x"))))
    assert any_store.timeline(cid) == []

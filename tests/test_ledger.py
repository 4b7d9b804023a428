"""The order's money ledger (issue 10): what leaves for an order never exceeds what came
in, by amount and by line, on SQLite and PostgreSQL, under retries and concurrency."""

from __future__ import annotations

import threading
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.external import PaymentRequest
from domain.ledger import EntryStatus, Grant, LedgerEntry, Refusal, balance, refundable_problem, reserve
from domain.models import LineQuantity, OrderLine
from domain.timeline import Entry
from store import CaseStore
from tests.factories import order

LINES = (
    OrderLine(sku="SOY-1L", name="酱油 1L", unit_price_fen=1590, quantity=3),
    OrderLine(sku="RICE-5KG", name="大米 5kg", unit_price_fen=6990, quantity=1),
    OrderLine(sku="GIFT", name="赠品", unit_price_fen=0, quantity=1, gift=True),
)


def an_order(paid_fen: int | None = None):
    return order(lines=LINES, paid_fen=paid_fen)


def request(
    o, case: str, step: str = "refund", amount: int = 100, kind: str = "refund", lines: tuple[LineQuantity, ...] = ()
) -> PaymentRequest:
    return PaymentRequest(
        idempotency_key=f"{case}:{step}",
        case_id=case,
        order_id=o.order_id,
        kind=kind,
        amount_fen=amount,
        account_ref="payer:x",
        lines=lines,
    )


def held(o, *entries: tuple[str, int, tuple[LineQuantity, ...]]) -> list[LedgerEntry]:
    return [
        LedgerEntry(
            idempotency_key=f"{c}:refund",
            case_id=c,
            order_id=o.order_id,
            kind="refund",
            amount_fen=a,
            lines=lines,
            status=EntryStatus.PAID,
        )
        for c, a, lines in entries
    ]


# -- the rules, pure --


def test_a_refund_within_what_was_paid_is_granted_whole():
    o = an_order()
    g = reserve(o, [], request(o, "C1", amount=1590, lines=(LineQuantity(sku="SOY-1L", quantity=1),)))
    assert isinstance(g, Grant) and g.entry.amount_fen == 1590 and not g.capped


def test_a_refund_above_what_is_left_pays_what_is_left_and_says_so():
    o = an_order()
    first = held(o, ("C1", o.paid_fen - 500, ()))
    g = reserve(o, first, request(o, "C2", amount=3000, kind="price_difference"))
    assert isinstance(g, Grant) and g.entry.amount_fen == 500 and g.capped and g.already_fen == o.paid_fen - 500


def test_nothing_left_is_refused_with_what_was_paid_and_what_is_left():
    o = an_order()
    r = reserve(o, held(o, ("C1", o.paid_fen, ())), request(o, "C2", amount=100))
    assert isinstance(r, Refusal) and r.already_fen == o.paid_fen and r.left_fen == 0
    assert "nothing is left" in r.reason


def test_a_line_refunded_already_cannot_be_refunded_again():
    o = an_order()
    soy = (LineQuantity(sku="SOY-1L", quantity=3),)
    r = reserve(
        o, held(o, ("C1", 4770, soy)), request(o, "C2", amount=1590, lines=(LineQuantity(sku="SOY-1L", quantity=1),))
    )
    assert isinstance(r, Refusal)
    # fewer units left than asked: the units left, at the request's own rate
    g = reserve(
        o, held(o, ("C1", 3180, (LineQuantity(sku="SOY-1L", quantity=2),))), request(o, "C2", amount=4770, lines=soy)
    )
    assert (
        isinstance(g, Grant)
        and g.entry.amount_fen == 1590
        and g.entry.lines == (LineQuantity(sku="SOY-1L", quantity=1),)
    )


def test_a_whole_order_refund_takes_the_lines_still_unrefunded():
    o = an_order()
    g = reserve(
        o, held(o, ("C1", 1590, (LineQuantity(sku="SOY-1L", quantity=1),))), request(o, "C2", amount=o.paid_fen)
    )
    assert isinstance(g, Grant) and g.entry.amount_fen == o.paid_fen - 1590
    assert {lq.sku: lq.quantity for lq in g.entry.lines} == {"SOY-1L": 2, "RICE-5KG": 1, "GIFT": 1}


def test_a_retry_finds_its_own_reservation_and_a_reused_key_is_a_conflict():
    o = an_order()
    mine = held(o, ("C1", 700, ()))
    g = reserve(o, mine, request(o, "C1", amount=700))
    assert isinstance(g, Grant) and g.entry == mine[0]
    r = reserve(o, mine, request(o, "C1", amount=600))
    assert isinstance(r, Refusal) and r.conflict


def test_compensation_and_reimbursement_do_not_touch_the_orders_ceiling():
    o = an_order()
    everything = held(o, ("C1", o.paid_fen, ()))
    assert isinstance(reserve(o, everything, request(o, "C2", "compensation", 2000, "coupon")), Grant)
    assert isinstance(reserve(o, everything, request(o, "C3", "postage", 500, "postage_reimbursement")), Grant)
    assert isinstance(reserve(o, everything, request(o, "C3", "postage-2", 600, "postage_reimbursement")), Refusal)


def test_refundable_at_opening():
    o = an_order()
    assert refundable_problem(o, [], ()) is None
    assert "nothing is left" in refundable_problem(o, held(o, ("C1", o.paid_fen, ())), ()).message
    assert (
        "1 left"
        in refundable_problem(
            o,
            held(o, ("C1", 3180, (LineQuantity(sku="SOY-1L", quantity=2),))),
            (LineQuantity(sku="SOY-1L", quantity=2),),
        ).message
    )
    assert "only" in refundable_problem(o, held(o, ("C1", 100, ())), (), amount_fen=o.paid_fen).message


# -- the store, both backends --


def stored_order(store: CaseStore, paid_fen: int | None = None):
    o = order(order_id=f"O-{uuid.uuid4().hex[:10]}", lines=LINES, paid_fen=paid_fen)
    store.save_order(o)
    return o


def test_store_reserves_settles_and_releases(any_store: CaseStore):
    o = stored_order(any_store)
    ledger = any_store.ledger
    g = ledger.reserve(request(o, "C1", amount=o.paid_fen - 100))
    assert isinstance(g, Grant)
    again = ledger.reserve(request(o, "C1", amount=o.paid_fen - 100))
    assert isinstance(again, Grant) and again.entry.amount_fen == g.entry.amount_fen
    capped = ledger.reserve(request(o, "C2", amount=1000))
    assert isinstance(capped, Grant) and capped.entry.amount_fen == 100 and capped.capped
    ledger.release("C2:refund")  # the payment failed: the 100 fen are free again
    assert ledger.balance(o.order_id).left_fen == 100
    ledger.settle("C1:refund", "P-1")
    assert isinstance(ledger.reserve(request(o, "C3", amount=100)), Grant)
    assert isinstance(ledger.reserve(request(o, "C4", amount=1)), Refusal)
    b = ledger.balance(o.order_id)
    assert b.refunded_fen == o.paid_fen and b.left_fen == 0
    statuses = {e.idempotency_key: e.status for e in ledger.entries(o.order_id)}
    assert statuses == {
        "C1:refund": EntryStatus.PAID,
        "C2:refund": EntryStatus.RELEASED,
        "C3:refund": EntryStatus.RESERVED,
    }


def test_a_released_step_may_reserve_again(any_store: CaseStore):
    o = stored_order(any_store)
    any_store.ledger.reserve(request(o, "C1", amount=500))
    any_store.ledger.release("C1:refund")
    g = any_store.ledger.reserve(request(o, "C1", amount=500))
    assert isinstance(g, Grant) and [e.status for e in any_store.ledger.entries(o.order_id)] == [EntryStatus.RESERVED]


def test_concurrent_reservations_on_one_order_never_exceed_it(any_store: CaseStore):
    o = stored_order(any_store)
    results: list[Grant | Refusal] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        r = any_store.ledger.reserve(request(o, f"C{i}", amount=2000))
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    granted = sum(r.entry.amount_fen for r in results if isinstance(r, Grant))
    assert granted == o.paid_fen
    assert any(isinstance(r, Refusal) for r in results)


# -- the property: any sequence of payments, retries and failures on one order --

step = st.tuples(
    st.sampled_from(["refund", "price_difference", "postage_refund", "coupon", "postage_reimbursement"]),
    st.integers(min_value=1, max_value=15000),
    st.lists(
        st.tuples(st.sampled_from(["SOY-1L", "RICE-5KG"]), st.integers(min_value=1, max_value=3)),
        max_size=2,
        unique_by=lambda t: t[0],
    ),
    st.integers(min_value=0, max_value=5),  # which case (retries reuse a case's key)
    st.sampled_from(["pay", "pay", "retry", "fail"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_property_no_sequence_pays_more_than_the_order(store: CaseStore, steps):
    o = stored_order(store)
    bought = {line.sku: line.quantity for line in o.lines}
    paid: dict[str, int] = {}
    for kind, amount, lines, case, what in steps:
        goods = tuple(LineQuantity(sku=s, quantity=min(q, bought[s])) for s, q in lines) if kind == "refund" else ()
        req = request(o, f"C{case}", step=kind, amount=amount, kind=kind, lines=goods)
        decision = store.ledger.reserve(req)
        if isinstance(decision, Refusal):
            assert not decision.conflict or req.idempotency_key in {
                e.idempotency_key for e in store.ledger.entries(o.order_id)
            }
            continue
        assert decision.entry.amount_fen <= amount
        if what == "fail":
            store.ledger.release(req.idempotency_key)
            paid.pop(req.idempotency_key, None)
            continue
        store.ledger.settle(req.idempotency_key, f"P-{req.idempotency_key}")
        paid[req.idempotency_key] = decision.entry.amount_fen
        if what == "retry":  # a redelivered activity: finds its own reservation, pays nothing new
            again = store.ledger.reserve(req)
            assert isinstance(again, Grant) and again.entry.amount_fen == decision.entry.amount_fen
    entries = store.ledger.entries(o.order_id)
    b = balance(o, entries)
    assert b.refunded_fen <= o.paid_fen
    assert all(left >= 0 for left in b.lines_left.values()), b.lines_left
    assert all(e.amount_fen > 0 for e in entries)


def test_child_ids_fit_every_column_that_stores_them(any_store: CaseStore):
    """A child case's id (up to 80 characters) is who opened the grandchild and an actor in timelines."""
    from datetime import datetime, timezone

    from domain.child_cases import child_case_id
    from domain.models import CaseEvent, CaseKind, CaseOpening, TimelineBatch, TimelineEntry
    from tests.factories import header

    parent = "WI-" + "p" * 77
    child = child_case_id(parent, "missing-gift")
    grandchild = child_case_id(child, "refund")
    case = header(CaseKind.RETURN_REFUND, case_id=grandchild, opened_by=child)
    now = datetime.now(timezone.utc)
    entry = TimelineEntry(seq=0, at=now, kind=Entry.OPENED, actor=child, state="awaiting_review")
    assert (
        any_store.record_timeline(
            TimelineBatch(
                case_id=grandchild,
                opening=CaseOpening(case=case, opened_at=now, state="awaiting_review"),
                events=(CaseEvent(case_id=grandchild, entry=entry),),
            )
        )
        == 1
    )
    assert any_store.get_case(grandchild)["opened_by"] == child
    assert any_store.timeline(grandchild)[0].actor == child


def test_the_ledger_reads_an_order_whose_private_fields_are_sealed(sqlite_url):
    """§6: orders keep phone, address and paying account sealed at rest; the ledger needs
    only the money and never opens them."""
    import os

    from runtime.codec import Sealer
    from runtime.keys import Keyring
    from store import open_store

    sealed = open_store(sqlite_url)
    sealed.sealer = Sealer(Keyring(active="k1", keys={"k1": os.urandom(32)}, pseudonym_secret=os.urandom(32)))
    o = stored_order(sealed)
    assert "sealed" in str(
        sealed.ledger.engine.connect()
        .exec_driver_sql("select body from orders where order_id = ?", (o.order_id,))
        .scalar()
    )
    g = sealed.ledger.reserve(request(o, "C1", amount=o.paid_fen))
    assert isinstance(g, Grant) and g.entry.amount_fen == o.paid_fen
    assert sealed.ledger.balance(o.order_id).left_fen == 0

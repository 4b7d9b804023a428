"""The console's cases list at 100,000 cases on PostgreSQL: keyset paging (store.page_cases)
costs the same on the first page and deep in the list, and search by case or order id is
quick. The figures are printed (run with -s) and recorded in docs/architecture.md."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from store import CaseStore, open_store
from tests.support import PG_ADMIN_URL

CASES = 100_000
BUDGET_S = 0.05  # one page, well inside a page view's budget even on a shared 2-core machine


@pytest.fixture(scope="module")
def big_store() -> Iterator[CaseStore]:
    """A database of its own (other tests count cases), 100k cases in one INSERT … SELECT."""
    name = f"aftersales_paging_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        store = open_store(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        kinds = "ARRAY['return_refund','held_order','manual_refund','complaint','damaged_goods']"
        with store.engine.begin() as c:
            c.execute(
                text(f"""
                INSERT INTO cases (case_id, kind, workflow_id, order_id, customer_id, opened_by, opened_at,
                                   updated_at, state, outcome, reason)
                SELECT 'C-' || lpad(n::text, 6, '0'), ({kinds})[1 + n % 5], 'case-C-' || lpad(n::text, 6, '0'),
                       'SO-' || lpad((n / 3)::text, 6, '0'), 'cust-' || (n % 5000), 'li.first',
                       timestamptz '2026-01-01' + n * interval '37 seconds',
                       timestamptz '2026-01-01' + n * interval '37 seconds', 'closed',
                       CASE WHEN n % 7 = 0 THEN NULL ELSE 'refunded' END, ''
                FROM generate_series(1, {CASES}) AS n""")
            )
            c.execute(text("ANALYZE cases"))
        yield store
        store.engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def test_keyset_pages_stay_fast_at_100k_cases(big_store: CaseStore):
    assert big_store.count_cases() == CASES
    first_s, first = _timed(lambda: big_store.page_cases(limit=50))
    assert [r["case_id"] for r in first][:2] == ["C-100000", "C-099999"]
    # walk 1,000 pages in (50,000 rows deep) by the key, as "Next page" does, then time the next page
    after = None
    for _ in range(1000):
        page = big_store.page_cases(after=after, limit=50)
        after = (page[-1]["opened_at"], page[-1]["case_id"])
    deep_s, deep = _timed(lambda: big_store.page_cases(after=after, limit=50))
    assert deep[0]["case_id"] == "C-050000" and len(deep) == 50
    near_end = big_store.get_case("C-000051")
    assert near_end is not None
    last_s, last = _timed(lambda: big_store.page_cases(after=(near_end["opened_at"], "C-000051"), limit=50))
    assert [r["case_id"] for r in last][-1] == "C-000001"
    search_s, found = _timed(lambda: big_store.page_cases(search="C-04242", limit=50))
    assert sorted(r["case_id"] for r in found) == [f"C-04242{d}" for d in range(10)]
    kind_s, by_kind = _timed(lambda: big_store.page_cases(after=after, kind="held_order", limit=50))
    assert len(by_kind) == 50 and {r["kind"] for r in by_kind} == {"held_order"}
    customer_s, mine = _timed(lambda: big_store.page_cases(customer_id="cust-42", limit=50))
    assert len(mine) == 20 and {r["customer_id"] for r in mine} == {"cust-42"}
    print(
        f"\n100k cases, PostgreSQL, median of 5: first page {first_s * 1000:.1f} ms, page 1,001 {deep_s * 1000:.1f} ms, "
        f"last page {last_s * 1000:.1f} ms, id search {search_s * 1000:.1f} ms, kind filter deep {kind_s * 1000:.1f} ms, "
        f"a customer's cases {customer_s * 1000:.1f} ms"
    )
    for took in (first_s, deep_s, last_s, kind_s, customer_s):
        assert took < BUDGET_S
    assert search_s < 0.5  # a prefix search scans the id indexes, not the table

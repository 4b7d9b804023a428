"""Issue 10's reproduction through the public CLI, on SQLite and on PostgreSQL: the
customer of the demo order (paid ¥136.70) opens a return "refused at the door" with a
line listed three times. It is refused; the legitimate refunds of that order together
pay exactly what it paid, and a further one is refused before it starts."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from domain.models import Order
from domain.timeline import Entry
from runtime.settings import Settings
from store import CaseStore
from tests.front_door import front_door, shell_for, with_issuer
from tests.support import running_worker, wait_closed

DEMO_ORDERS = Path(__file__).resolve().parent.parent / "starter" / "demo_data" / "orders.json"


def demo_order(store: CaseStore) -> Order:
    """SO-20261118-0002 as the demo has it, under an id of its own for this test."""
    data = json.loads(DEMO_ORDERS.read_text(encoding="utf-8"))
    body = next(o for o in (data["orders"] if isinstance(data, dict) else data) if o["order_id"] == "SO-20261118-0002")
    o = Order.model_validate({**body, "order_id": f"SO-20261118-0002-{uuid.uuid4().hex[:6]}"})
    store.save_order(o)
    return o


@pytest.fixture
async def shell(env, any_store: CaseStore, tmp_path):
    """`aftersales ARGV` through the front door; `--as WHO` logs in as WHO (default: the order's customer)."""
    async with running_worker(env, any_store) as (tq, outside):
        settings = with_issuer(Settings(task_queue=tq, policy="default"), tmp_path)
        async with front_door(settings, env.client, any_store) as door:
            run = shell_for(settings, any_store, door, outside, env.client)

            async def aftersales(*argv: str) -> tuple[int, str, str]:
                r = await run(*argv)
                return r.code, r.out, r.err

            aftersales.outside = outside  # type: ignore[attr-defined]
            aftersales.tmp = tmp_path  # type: ignore[attr-defined]
            yield aftersales


def write(tmp: Path, doc: dict) -> str:
    path = tmp / f"{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def refused(result: tuple[int, str, str], *words: str) -> None:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and err.startswith("aftersales: "), err
    for w in words:
        assert w in err, err


async def test_the_reproduction_is_refused_and_the_order_pays_back_at_most_what_it_paid(env, any_store, shell):
    o = demo_order(any_store)
    soy = "SOY-HAITIAN-1L"
    three_times = [{"sku": soy, "quantity": 1}] * 3
    before = {r["case_id"] for r in any_store.list_cases(limit=10_000)}

    # 1. as filed: the same line three times is refused by the contract, whoever sends it
    as_filed = {"kind": "return_refund", "order_id": o.order_id, "origin": "parcel_refused", "lines": three_times}
    refused(await shell("open", "--file", write(shell.tmp, as_filed), "--json"), "listed more than once")
    refused(await shell("open", "--file", write(shell.tmp, as_filed), "--as", "courier"), "listed more than once")
    # 2. the customer claims the courier's origin: refused, nothing starts
    one = [{"sku": soy, "quantity": 1}]
    refused(await shell("open", "--file", write(shell.tmp, {**as_filed, "lines": one})), "parcel_refused", "courier")
    refused(
        await shell("open", "--file", write(shell.tmp, {**as_filed, "lines": one, "origin": "process_outcome"})),
        "process_outcome",
        "parent case",
    )
    refused(await shell("open", "--order", o.order_id, "--lines", f"{soy}:1", f"{soy}:1"), "listed more than once")
    assert {r["case_id"] for r in any_store.list_cases(limit=10_000)} == before
    assert shell.outside.payment.ledger == []

    # 3. the courier's legitimate refused parcel, one bottle: refunded at once
    code, out, err = await shell(
        "open", "--file", write(shell.tmp, {**as_filed, "lines": one}), "--json", "--as", "courier"
    )
    assert code == 0, err
    first = json.loads(out)["case_id"]
    await wait_closed(env, first)
    # 4. a staff return of the whole order, reviewed: pays what is left, not the whole order again
    code, out, err = await shell("open", "--order", o.order_id, "--as", "li.first", "--reason", "整单退货", "--json")
    assert code == 0, err
    second = json.loads(out)["case_id"]
    code, out, err = await shell("review", second, "--as", "zhao.returns", "approve", "--no-pickup")
    assert code == 0, err
    await wait_closed(env, second)
    paid = [p for p in any_store.payments() if p["case_id"] in (first, second)]
    assert sum(p["amount_fen"] for p in paid) == o.paid_fen == 13670
    assert [p["amount_fen"] for p in paid] == [13670 * 1590 // 14170, 13670 - 13670 * 1590 // 14170]
    # 5. opening it again: refused before anything starts
    refused(await shell("open", "--order", o.order_id, "--reason", "再退一次"), "nothing is left to refund")
    refused(
        await shell("open", "--file", write(shell.tmp, {**as_filed, "lines": []}), "--as", "courier"),
        "nothing is left to refund",
    )
    assert sum(r.amount_fen for r in shell.outside.payment.ledger) == 13670
    balance = any_store.ledger.balance(o.order_id)
    assert balance.left_fen == 0 and balance.lines_left == {"OIL-ARAWANA-5L": 0, soy: 0}


async def test_two_cases_racing_on_one_order_pay_it_back_once(env, any_store, shell):
    """Both pass the opening check (nothing paid yet); the ledger caps the second."""
    o = demo_order(any_store)
    ids = []
    for _ in range(2):
        code, out, err = await shell(
            "open",
            "--file",
            write(shell.tmp, {"kind": "return_refund", "order_id": o.order_id, "origin": "parcel_refused"}),
            "--json",
            "--as",
            "courier",
        )
        assert code == 0, err
        ids.append(json.loads(out)["case_id"])
    for cid in ids:
        await wait_closed(env, cid)
    paid = [p for p in any_store.payments() if p["case_id"] in ids]
    assert sum(p["amount_fen"] for p in paid) == o.paid_fen
    outcomes = sorted(any_store.get_case(cid)["outcome"] for cid in ids)
    assert outcomes == ["advance_compensated", "refund_capped"]
    capped = [e for cid in ids for e in any_store.timeline(cid) if e.kind == Entry.REFUND_CAPPED]
    assert capped and capped[0].detail["paid_fen"] == 0 and capped[0].detail["already_fen"] == o.paid_fen

"""`approvals list/decide`, `metrics`, `penalties`, `order contact/change-address`
against a real time-skipping server, a real worker and the real SQLite store."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from domain.complaints import Category, ComplaintInput, ComplaintResult, Emotion, Intake
from domain.models import CaseKind
from runtime.settings import Settings
from tests.factories import DEFAULT_POLICY, header, order
from tests.front_door import Result, front_door, shell_for, with_issuer
from tests.support import in_state, running_worker, until


@pytest.fixture
async def shell(env, store, sqlite_url, tmp_path):
    async with running_worker(env, store) as (tq, outside):
        settings = with_issuer(Settings(task_queue=tq, database_url=sqlite_url, policy="default"), tmp_path)
        async with front_door(settings, env.client, store) as door:
            aftersales = shell_for(settings, store, door, outside, env.client)
            aftersales.tq = tq  # type: ignore[attr-defined]
            yield aftersales


def refused(r: Result, *words: str) -> None:
    assert r.code == 2, (r.code, r.out, r.err)
    assert r.err.startswith("aftersales: ") and len(r.err.splitlines()) == 1, r.err
    for w in words:
        assert w in r.err, r.err


async def listed(shell, case_id: str, who: str) -> list[dict]:
    async def mine() -> list[dict]:
        r = await shell("approvals", "list", "--json", "--as", who)
        assert r.code == 0, r.err
        return [a for a in json.loads(r.out) if a["case_id"] == case_id]

    return await until(mine, f"{case_id} in {who}'s approvals", within=10)


async def test_approvals_list_and_decide_through_the_shared_update(env, store, shell):
    o = order()
    case = header(CaseKind.COMPLAINT, o, opened_by="li.first", case_id=f"CP-cli-{uuid.uuid4().hex[:8]}")
    intake = Intake(
        customer_id=o.customer_id,
        order_id=o.order_id,
        occurred_at=o.paid_at,
        reason="late parcel",
        demand="a coupon",
        emotion=Emotion.UPSET,
        category=Category.LOGISTICS,
        demand_fen=1000,
    )
    h = await env.client.start_workflow(
        "Complaint",
        ComplaintInput(case=case, policy=DEFAULT_POLICY, intake=intake),
        id=case.workflow_id,
        task_queue=shell.tq,
        result_type=ComplaintResult,
    )
    [pending] = await listed(shell, case.case_id, "li.first")
    assert pending["approval_id"] == "answer-1-first_line" and pending["sla_window"] == "after_sales_node"
    assert pending["roles"] == ["first_line", "complaint_specialist"] and pending["amount_fen"] == 1000
    table = await shell("approvals", "list", "--as", "li.first")
    assert case.case_id in table.out and "answer-1-first_line" in table.out and "¥10.00" in table.out

    refused(
        await shell("approvals", "decide", case.case_id, "answer-1-first_line", "approve", "--as", o.customer_id),
        "customer may not decide",
        "rule decide.role",
    )
    refused(
        await shell("approvals", "decide", case.case_id, "answer-1-first_line", "approve", "--as", "wu.ops"),
        "operations_supervisor",
        "needs first_line",
    )
    refused(
        await shell("approvals", "decide", case.case_id, "answer-1-first_line", "reject", "--as", "li.first"),
        "a refusal needs a note",
    )
    refused(
        await shell(
            "approvals",
            "decide",
            case.case_id,
            "answer-1-first_line",
            "approve",
            "--as",
            "li.first",
            "--amount-fen",
            "5000",
        ),
        "more than the 1000 fen asked",
    )
    ok = await shell(
        "approvals",
        "decide",
        case.case_id,
        "answer-1-first_line",
        "approve",
        "--as",
        "li.first",
        "--amount-fen",
        "800",
        "--note",
        "8 yuan coupon",
    )
    assert ok.code == 0 and "approved by li.first (first_line)" in ok.out, ok.err
    await asyncio.sleep(0.5)
    left = json.loads((await shell("approvals", "list", "--json", "--as", "li.first")).out)
    assert [a for a in left if a["case_id"] == case.case_id] == []

    await in_state(h, "awaiting_customer")
    refused(
        await shell("answer", case.case_id, "reply", "--as", "cust-someone-else", "--json", '{"accept": true}'),
        "unknown case",
    )  # another customer's case is not theirs to see
    ok = await shell("answer", case.case_id, "reply", "--as", o.customer_id, "--json", '{"accept": true}')
    assert ok.code == 0, ok.err
    await in_state(h, "awaiting_follow_up")
    refused(
        await shell(
            "answer", case.case_id, "follow_up", "--as", "platform", "--json", '{"solved": true, "satisfaction": 4}'
        ),
        "platform may not give the follow_up answer",
        "rule answer.role",
    )
    ok = await shell(
        "answer", case.case_id, "follow_up", "--as", "li.first", "--json", '{"solved": true, "satisfaction": 4}'
    )
    assert ok.code == 0, ok.err
    assert (await h.result()).compensation_fen == 800

    m = await shell("metrics", "--json")
    assert m.code == 0
    report = json.loads(m.out)
    assert report["complaints"]["closed"] >= 1 and report["compensation_paid"]["coupon"]["amount_fen"] >= 800
    text = await shell("metrics")
    assert "first-contact resolution" in text.out and "SLA breaches per window" in text.out


async def test_order_contact_only_for_the_paying_account(store, shell):
    o = order()
    store.save_order(o)
    r = await shell("order", "contact", o.order_id, "--account", "wechat:someone-else")
    refused(r, "only the account that paid", "recorded")
    assert "13812345678" not in r.err
    refused(
        await shell("order", "change-address", o.order_id, "--account", "wechat:someone-else", "--address", "x"),
        "only the account that paid",
    )
    ok = await shell("order", "contact", o.order_id, "--account", o.paying_account, "--json")
    assert ok.code == 0 and json.loads(ok.out)["address"] == o.address
    ch = await shell(
        "order", "change-address", o.order_id, "--account", o.paying_account, "--address", "杭州市西湖区1号"
    )
    assert ch.code == 0 and store.get_order(o.order_id).address == "杭州市西湖区1号"
    refused(await shell("order", "contact", "O-nope", "--account", "x"), "unknown order")
    from store.complaints import ComplaintRecords

    assert [r["action"] for r in ComplaintRecords(store).privacy_refusals(o.order_id)] == [
        "read_contact",
        "change_address",
    ]


async def test_an_agent_complaint_answered_and_appealed_from_the_cli(env, store, shell, tmp_path):
    o = order()
    store.save_order(o)
    case_id = f"AC-cli-{uuid.uuid4().hex[:8]}"
    doc = tmp_path / "ac.json"
    doc.write_text(
        json.dumps(
            {
                "kind": "agent_complaint",
                "order_id": o.order_id,
                "case_id": case_id,
                "agent_id": "lin.agent",
                "violation": 3,
                "finding": "passed the customer to another group",
                "handler": {"actor_id": "zhou.complaints", "role": "complaint_specialist"},
            }
        )
    )
    opened = await shell("open", "--file", str(doc), "--as", "zhou.complaints")
    assert opened.code == 0, opened.err
    h = env.client.get_workflow_handle(f"case-{case_id}")
    await in_state(h, "awaiting_contact")
    refused(
        await shell("answer", case_id, "contact", "--as", "chen.agent", "--json", "{}"),
        "only the agent complained about",
    )
    assert (await shell("answer", case_id, "contact", "--as", "lin.agent", "--json", '{"note": "call me"}')).code == 0
    assert (
        await shell("answer", case_id, "appeal", "--as", "lin.agent", "--json", '{"grounds": "outside my group"}')
    ).code == 0
    [review] = await listed(shell, case_id, "wu.ops")
    assert review["approval_id"] == "appeal-review" and review["subject"] == "appeal_review"
    refused(
        await shell(
            "approvals", "decide", case_id, "appeal-review", "reject", "--as", "zhou.complaints", "--note", "no"
        ),
        "the verdict's handler and the agent do not review its appeal",
    )
    ok = await shell(
        "approvals", "decide", case_id, "appeal-review", "reject", "--as", "wu.ops", "--note", "transcript"
    )
    assert ok.code == 0, ok.err
    result = await h.result()
    assert result["outcome"] == "penalised" and result["penalty"]["level"] == "level_1"
    pen = await shell("penalties", "--agent", "lin.agent", "--json")
    assert [p["case_id"] for p in json.loads(pen.out)][-1] == case_id

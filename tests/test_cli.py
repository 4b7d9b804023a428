"""The CLI against a real (time-skipping) Temporal server, a real worker and the real
SQLite store: bad input is one line on stderr, exit 2, and leaves nothing behind."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from pathlib import Path

import pytest
from temporalio.service import RPCError, RPCStatusCode

from domain.models import OrderLine
from domain.returns import ReturnOutcome
from domain.timeline import Entry
from runtime.settings import Settings
from service.context import Context
from starter import cli
from tests.factories import order
from tests.front_door import Result, front_door, shell_for, with_issuer
from tests.support import running_worker, wait_closed
from workflows.case_workflow import CaseWorkflow


@pytest.fixture
async def shell(env, store, sqlite_url, tmp_path):
    async with running_worker(env, store) as (tq, outside):
        settings = with_issuer(Settings(task_queue=tq, database_url=sqlite_url, policy="default"), tmp_path)
        async with front_door(settings, env.client, store) as door:
            yield shell_for(settings, store, door, outside, env.client)


@pytest.fixture
def seeded(store):
    o = order(customer_id=f"cust-{uuid.uuid4().hex[:6]}")
    store.save_order(o)
    return o


def case_id() -> str:
    return f"RR-cli-{uuid.uuid4().hex[:10]}"


async def nothing_left(env, store, cid: str) -> None:
    assert store.get_case(cid) is None
    assert store.timeline(cid) == []
    with pytest.raises(RPCError) as e:
        await env.client.get_workflow_handle(f"case-{cid}").describe()
    assert e.value.status == RPCStatusCode.NOT_FOUND


def refused(r: Result, *words: str) -> None:
    assert r.code == 2, (r.code, r.out, r.err)
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aftersales: "), r.err
    for w in words:
        assert w in lines[0], lines[0]


# bad input when opening -------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv, words",
    [
        (["--order", "NO-SUCH-ORDER"], ["unknown order"]),
        (["--order", "{order}", "--lines", "MILK-1L:-2"], ["above zero"]),
        (["--order", "{order}", "--lines", "MILK-1L:two"], ["whole number"]),
        (["--order", "{order}", "--lines", "TOFU-400G:1"], ["no line 'TOFU-400G'"]),
        (["--order", "{order}", "--lines", "MILK-1L:9"], ["9 asked, 4 ordered"]),
        (["--order", "{order}", "--kind", "gift_wrapping"], ["unknown case kind"]),
        (["--order", "{order}", "--as", "cust-someone-else"], ["unknown order"]),
        (["--order", "{order}", "--as", "li.first", "--policy", "no-such-policy"], ["does not exist"]),
        (["--order", "{order}", "--policy", "demo"], ["customer may not choose policy", "rule choose_policy.role"]),
        ([], ["which order"]),
    ],
    ids=[
        "unknown-order",
        "negative-qty",
        "qty-not-number",
        "line-not-in-order",
        "qty-too-large",
        "unknown-kind",
        "another-customers-order",
        "unknown-policy",
        "customer-policy",
        "no-order",
    ],
)
async def test_open_refuses_bad_input_and_leaves_nothing(shell, env, store, seeded, argv, words):
    cid = case_id()
    r = await shell("open", "--case-id", cid, *[a.replace("{order}", seeded.order_id) for a in argv])
    refused(r, *words)
    await nothing_left(env, store, cid)


@pytest.mark.parametrize(
    "body, words",
    [
        ('{"order_id": "{order}", "lines": [', ["malformed JSON"]),
        ('["not", "an", "object"]', ["expected a JSON object"]),
        (
            '{"order_id": "{order}", "lines": [{"sku": "MILK-1L", "quantity": -1}]}',
            ["lines.0.quantity", "greater than 0"],
        ),
        ('{"order_id": "{order}", "refund_everything": true}', ["refund_everything", "Extra inputs"]),
        ('{"order_id": "{order}", "origin": "teleported"}', ["origin"]),
        (
            '{"order_id": "{order}", "decided": {"reviewer": {"actor_id": "x", "role": "system"}, "approve": true, "pickup": false}}',
            ["not pre-decided"],
        ),
    ],
    ids=["malformed", "not-object", "negative-qty", "unknown-field", "bad-origin", "customer-pre-decided"],
)
async def test_open_from_file_validates_before_starting(shell, env, store, seeded, tmp_path: Path, body, words):
    cid = case_id()
    f = tmp_path / "case.json"
    f.write_text(body.replace("{order}", seeded.order_id), encoding="utf-8")
    r = await shell("open", "--case-id", cid, "--file", str(f))
    refused(r, *words)
    await nothing_left(env, store, cid)


async def test_orders_load_refuses_a_negative_amount_and_saves_none(shell, store, tmp_path: Path):
    good = order(order_id=f"O-good-{uuid.uuid4().hex[:6]}").model_dump(mode="json")
    bad = order(order_id=f"O-bad-{uuid.uuid4().hex[:6]}").model_dump(mode="json") | {"paid_fen": -500}
    f = tmp_path / "orders.json"
    f.write_text(json.dumps({"orders": [good, bad]}), encoding="utf-8")
    refused(await shell("orders", "load", str(f)), "order #2", bad["order_id"], "paid_fen")
    assert store.get_order(good["order_id"]) is None and store.get_order(bad["order_id"]) is None


async def test_orders_load_saves_valid_orders(shell, store, tmp_path: Path):
    o = order(
        order_id=f"O-load-{uuid.uuid4().hex[:6]}",
        lines=(OrderLine(sku="TOFU-400G", name="北豆腐 400g", unit_price_fen=450, quantity=2),),
    )
    f = tmp_path / "orders.json"
    f.write_text(json.dumps([o.model_dump(mode="json")]), encoding="utf-8")
    r = await shell("orders", "load", str(f))
    assert r.code == 0 and "loaded 1 orders" in r.out
    assert store.get_order(o.order_id) == o


async def test_unreachable_api_or_temporal_is_one_line(store, seeded, sqlite_url, tmp_path):
    settings = with_issuer(
        Settings(temporal_address="127.0.0.1:1", database_url=sqlite_url, api_url="http://127.0.0.1:1"), tmp_path
    )
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = await cli.run(
            ["open", "--order", seeded.order_id],
            Context(settings=settings, store=store, out=io.StringIO(), token="any"),
        )
    refused(Result(code, "", err.getvalue()), "cannot reach the case API at http://127.0.0.1:1")
    async with front_door(settings, None, store) as door:  # the API is up, Temporal is not: a 503
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = await cli.run(
                ["open", "--order", seeded.order_id],
                Context(
                    settings=settings,
                    store=store,
                    out=io.StringIO(),
                    api=door.http,
                    token=door.token_for(seeded.customer_id),
                ),
            )
        refused(Result(code, "", err.getvalue()), "cannot reach Temporal at 127.0.0.1:1")


async def test_acting_needs_a_credential(store, seeded, sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty-config"))
    settings = with_issuer(Settings(database_url=sqlite_url, token=""), tmp_path)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = await cli.run(
            ["open", "--order", seeded.order_id], Context(settings=settings, store=store, out=io.StringIO())
        )
    refused(Result(code, "", err.getvalue()), "no credential", "AFTERSALES_TOKEN", "aftersales login")
    with pytest.raises(SystemExit):  # who you are is the token, never a flag
        await cli.run(["open", "--order", seeded.order_id, "--as", "wu.ops"])


# happy paths --------------------------------------------------------------------------------
async def test_open_review_show_refunds_without_pickup(shell, env, store, seeded):
    cid = case_id()
    r = await shell(
        "open", "--order", seeded.order_id, "--reason", "牛奶漏了", "--lines", "MILK-1L:2", "--case-id", cid, "--json"
    )
    assert r.code == 0, r.err
    assert r.json == {"case_id": cid, "workflow_id": f"case-{cid}", "kind": "return_refund", "workflow": "ReturnRefund"}
    r = await shell("review", cid, "--as", "zhao.returns", "approve", "--no-pickup", "--reason", "低值商品")
    assert r.code == 0, r.err
    assert "review accepted" in r.out
    await wait_closed(env, cid)

    view = (await shell("show", cid, "--json")).json
    assert view["case"]["outcome"] == ReturnOutcome.ADVANCE_COMPENSATED
    assert view["case"]["opened_by"] == seeded.customer_id
    got = [e["kind"] for e in view["timeline"]]
    assert got[0] == Entry.OPENED and got[-1] == Entry.CLOSED and Entry.REVIEWED in got
    reviewed = next(e for e in view["timeline"] if e["kind"] == Entry.REVIEWED)
    assert reviewed["actor"] == "zhao.returns" and reviewed["detail"]["pickup"] is False
    assert [p["amount_fen"] for p in view["payments"]] == [1590 * 2 * seeded.paid_fen // seeded.lines_total_fen]
    assert [p["amount_fen"] for p in store.payments(cid)] == [view["payments"][0]["amount_fen"]]

    text = (await shell("show", cid)).out
    assert "outcome advance_compensated" in text and Entry.REFUND_PAID in text
    assert "UTC+8" in text  # shown in shop time, the zone named (stored in UTC)


async def test_open_from_file_as_agent_then_pickup_refund(shell, env, store, seeded, tmp_path: Path):
    cid = case_id()
    f = tmp_path / "case.json"
    f.write_text(
        json.dumps({"order_id": seeded.order_id, "reason": "米袋破损", "lines": ["RICE-5KG:1"], "case_id": cid}),
        encoding="utf-8",
    )
    assert (await shell("open", "--file", str(f), "--as", "li.first")).code == 0
    from service.cases import reached

    assert await reached(env.client.get_workflow_handle(f"case-{cid}"), Entry.REVIEW_REQUESTED)
    live = (await shell("show", cid, "--json")).json
    assert live["running"] and live["status"]["state"] == "awaiting_review"
    assert live["status"]["next_deadline_name"] == "review_sla"  # the 24 h node comes before day 5

    assert (await shell("review", cid, "--as", "zhao.returns", "approve", "--pickup")).code == 0
    await wait_closed(env, cid)
    row = store.get_case(cid)
    assert row["opened_by"] == "li.first" and row["outcome"] == ReturnOutcome.REFUNDED
    assert len(store.payments(cid)) == 1


async def test_reject_needs_a_reason_and_closes_the_case(shell, env, store, seeded):
    cid = case_id()
    assert (await shell("open", "--order", seeded.order_id, "--case-id", cid)).code == 0
    refused(await shell("review", cid, "--as", "zhao.returns", "reject"), "--reason")
    refused(
        await shell("review", cid, "--as", "zhao.returns", "reject", "--reason", "   "), "a rejection needs a reason"
    )
    assert (await shell("review", cid, "--as", "zhao.returns", "reject", "--reason", "已拆封")).code == 0
    await wait_closed(env, cid)
    assert store.get_case(cid)["outcome"] == ReturnOutcome.REJECTED
    assert store.payments(cid) == []
    listed = (await shell("list", "--kind", "return_refund", "--json", "--limit", "500", "--as", "li.first")).json
    assert any(c["case_id"] == cid and c["outcome"] == "rejected" for c in listed)


# refused answers leave the case as it was ------------------------------------------------
async def test_review_refusals(shell, env, store, seeded):
    cid = case_id()
    assert (await shell("open", "--order", seeded.order_id, "--case-id", cid)).code == 0
    refused(
        await shell("review", cid, "--as", "li.first", "approve", "--pickup"),
        "first_line",
        "return_specialist",
        "rule answer.role",
    )
    refused(await shell("review", cid, "--as", "cust-nobody", "approve", "--pickup"), "unknown case")
    refused(await shell("review", cid, "--as", seeded.customer_id, "approve", "--pickup"), "customer")
    refused(await shell("review", cid, "--as", "zhao.returns", "approve"), "--pickup")
    refused(await shell("review", "RR-no-such-case", "--as", "zhao.returns", "approve", "--pickup"), "unknown case")
    handle = env.client.get_workflow_handle(f"case-{cid}")
    assert (await handle.query(CaseWorkflow.status)).state == "awaiting_review"
    assert not any(e.kind == Entry.REVIEWED for e in store.timeline(cid))

    assert (await shell("review", cid, "--as", "zhao.returns", "reject", "--reason", "超过7天")).code == 0
    # the validator's reason comes back when the review was already given
    refused(await shell("review", cid, "--as", "zhao.returns", "approve", "--pickup"), "review")
    await wait_closed(env, cid)
    refused(await shell("review", cid, "--as", "zhao.returns", "approve", "--pickup"), "closed (rejected)", "too late")


async def test_answer_is_generic_and_shows_validator_errors(shell, env, store, seeded):
    cid = case_id()
    assert (await shell("open", "--order", seeded.order_id, "--case-id", cid)).code == 0
    refused(await shell("answer", cid, "teleport", "--as", "zhao.returns"), "no answer 'teleport'", "review")
    refused(await shell("answer", cid, "review", "--as", "zhao.returns", "--json", '{"approve": tru'), "malformed JSON")
    refused(
        await shell("answer", cid, "review", "--as", "zhao.returns", "--json", '{"approve": true}'),
        "whether a pickup is needed",
    )
    refused(
        await shell(
            "answer",
            cid,
            "review",
            "--as",
            "zhao.returns",
            "--json",
            '{"approve": true, "pickup": true, "reviewer": {"actor_id": "li.first", "role": "return_specialist"}}',
        ),
        "you act as zhao.returns",
    )
    # the Update validator's own reasons
    # one way to decide an approval: `approvals decide`
    refused(
        await shell(
            "answer", cid, "decide", "--as", "wang.second", "--json", '{"approval_id": "comp-1", "approve": true}'
        ),
        "no answer 'decide'",
        "approvals",
    )
    refused(
        await shell("approvals", "decide", cid, "comp-1", "approve", "--as", "wang.second"),
        "no pending approval 'comp-1'",
    )
    refused(
        await shell("answer", cid, "review", "--as", "li.first", "--json", '{"approve": true, "pickup": false}'),
        "first_line may not give the review answer",
    )
    assert not any(e.kind == Entry.REVIEWED for e in store.timeline(cid))
    r = await shell("answer", cid, "goods_received", "--as", "warehouse")
    assert r.code == 0 and "goods_received sent" in r.out

    from service.cases import reached

    assert await reached(env.client.get_workflow_handle(f"case-{cid}"), Entry.REVIEW_REQUESTED)
    r = await shell("answer", cid, "review", "--as", "zhao.returns", "--json", '{"approve": true, "pickup": false}')
    assert r.code == 0 and "review accepted" in r.out, r.err
    await wait_closed(env, cid)
    assert store.get_case(cid)["outcome"] == ReturnOutcome.ADVANCE_COMPENSATED


async def test_existing_case_id_is_refused(shell, env, store, seeded):
    cid = case_id()
    assert (await shell("open", "--order", seeded.order_id, "--case-id", cid)).code == 0
    refused(await shell("open", "--order", seeded.order_id, "--case-id", cid), f"case {cid} already exists")
    refused(await shell("show", "RR-never-opened"), "unknown case")


async def test_kinds_lists_return_refund(shell):
    r = await shell("kinds", "--json")
    got = {k["kind"]: k for k in r.json}
    rr = got["return_refund"]
    assert (rr["workflow"], rr["section"]) == ("ReturnRefund", "§4.10")
    assert {a["name"] for a in rr["answers"]} >= {"review", "decide", "goods_received"}
    assert "lines" in rr["input_fields"]
    assert "ReturnRefund" in (await shell("kinds")).out


def test_every_subcommand_is_registered():
    parser = cli.build_parser()
    names = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {
        "open",
        "show",
        "list",
        "review",
        "answer",
        "kinds",
        "orders",
        "server",
        "worker",
        "up",
        "demo",
        "replay",
    } <= names


# free text is scrubbed at the edge (§6) ------------------------------------------------------
async def test_personal_data_typed_into_free_text_never_reaches_the_case(shell, env, store, seeded):
    cid = case_id()
    typed = ["138 1234 5678", "liu.yang@example.com", "北京市朝阳区建国路88号", "110101199003074514"]
    r = await shell(
        "open",
        "--order",
        seeded.order_id,
        "--case-id",
        cid,
        "--reason",
        f"瓶子漏了，打我电话 {typed[0]} 或发 {typed[1]}",
    )
    assert r.code == 0, r.err
    from service.cases import reached

    handle = env.client.get_workflow_handle(f"case-{cid}")
    assert await reached(handle, Entry.REVIEW_REQUESTED)
    r = await shell("review", cid, "--as", "zhao.returns", "reject", "--reason", f"已寄回{typed[2]}，身份证{typed[3]}")
    assert r.code == 0, r.err
    await wait_closed(env, cid)
    assert store.get_case(cid)["reason"] == "瓶子漏了，打我电话 [phone] 或发 [email]"
    stored = json.dumps([e.model_dump(mode="json") for e in store.timeline(cid)], ensure_ascii=False)
    assert "已寄回[address]，身份证[id_number]" in stored
    history = (
        json.dumps([e.model_dump(mode="json") for e in await handle.query(CaseWorkflow.timeline)], ensure_ascii=False)
        + (await handle.fetch_history()).to_json()
    )
    for secret in [*typed, "13812345678", "liu.yang", "建国路"]:
        assert secret not in stored and secret not in history


def test_an_answers_free_text_is_scrubbed_before_validation():
    from domain.actors import ActorRef, Role
    from service.cases import answer_model
    from service.catalogue import COMMON_ANSWERS

    who = ActorRef(actor_id="wang.second", role=Role.SECOND_LINE)
    decision = answer_model(
        COMMON_ANSWERS["decide"], who, {"approval_id": "a-1", "approve": False, "note": "客户手机+86 139-0000-1111"}
    )
    assert decision.note == "客户手机[phone]"

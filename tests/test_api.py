"""The front door against a real (time-skipping) Temporal server, a real worker and the
real SQLite store: who you are comes from the token, the permission table refuses with
its rule, another customer's case is a 404, a refused request starts nothing and leaves
only its audit line, and an answer no worker takes is a 503 problem."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from api.identity import Identity, ensure_signing_key, subject_for_customer
from domain.actors import load_actors
from domain.problems import Code
from domain.timeline import Entry
from runtime.settings import ROOT, Settings
from service import cases
from service.context import Context
from store.audit import AuditLog
from tests.factories import order
from tests.support import pending, running_worker, until, wait_closed
from workflows.case_workflow import CaseWorkflow

ACTORS = load_actors(ROOT / "policies" / "actors.toml")
PROBLEM = "application/problem+json"


@dataclasses.dataclass
class Door:
    http: httpx.AsyncClient
    identity: Identity
    settings: Settings
    store: Any
    env: Any
    opened: list[str] = dataclasses.field(default_factory=list)

    def token(self, actor: str | None = None, *, customer: str | None = None, ttl: int = 3600) -> str:
        return self.identity.mint(subject_for_customer(customer) if customer else str(actor), ttl)

    async def call(
        self,
        method: str,
        path: str,
        who: str | None = None,
        *,
        customer: str | None = None,
        token: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        if token is None and (who or customer):
            token = self.token(who, customer=customer)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await self.http.request(method, path, headers=headers, **kw)
        if method == "POST" and path == "/v1/cases" and r.status_code == 201:
            self.opened.append(r.json()["case_id"])
        return r

    async def close(self) -> None:
        """A case left running with its worker gone would stall the skipped clock for later tests."""
        for case_id in self.opened:
            handle = self.env.client.get_workflow_handle(f"case-{case_id}")
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate("test over")


def api_settings(tmp_path: Path, task_queue: str, sqlite_url: str) -> Settings:
    return dataclasses.replace(
        Settings(),
        task_queue=task_queue,
        database_url=sqlite_url,
        policy="default",
        data_dir=tmp_path,
        auth_signing_key_file="",
        auth_jwks_url="",
        auth_issuer="aftersales-embedded",
        auth_audience="aftersales-api",
    )


async def door_on(env: Any, store: Any, settings: Settings) -> AsyncIterator[Door]:
    ctx = Context(settings=settings, client=env.client, store=store)
    identity = Identity(settings, ACTORS)
    app = create_app(ctx, identity)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        door = Door(http, identity, settings, store, env)
        try:
            yield door
        finally:
            await door.close()


@pytest.fixture
async def door(env, store, sqlite_url, tmp_path) -> AsyncIterator[Door]:
    async with running_worker(env, store) as (tq, _outside):
        async for d in door_on(env, store, api_settings(tmp_path, tq, sqlite_url)):
            yield d


@pytest.fixture
def seeded(store):
    o = order(customer_id=f"cust-{uuid.uuid4().hex[:6]}")
    store.save_order(o)
    return o


def cid(prefix: str = "RR") -> str:
    return f"{prefix}-api-{uuid.uuid4().hex[:10]}"


def is_problem(r: httpx.Response, status: int, slug: str, rule: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    body = r.json()
    assert body["type"] == f"urn:aftersales:problem:{slug}" and body["status"] == status and body["detail"], body
    if rule is not None:
        assert body.get("rule") == rule, body
    return body


async def nothing_started(env, store, case_id: str) -> None:
    assert store.get_case(case_id) is None and store.timeline(case_id) == []
    with pytest.raises(RPCError) as e:
        await env.client.get_workflow_handle(f"case-{case_id}").describe()
    assert e.value.status == RPCStatusCode.NOT_FOUND


def last_audit(store, actor: str = "") -> Any:
    entries = AuditLog(store).entries(limit=1, actor_id=actor or None)
    return entries[0]


# the happy path -------------------------------------------------------------------------
async def test_a_customer_opens_a_specialist_reviews_and_the_case_is_refunded(door, env, store, seeded):
    c = cid()
    r = await door.call(
        "POST",
        "/v1/cases",
        customer=seeded.customer_id,
        json={
            "order_id": seeded.order_id,
            "reason": "牛奶漏了",
            "lines": [{"sku": "MILK-1L", "quantity": 2}],
            "case_id": c,
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["opened_by"] == seeded.customer_id and r.json()["workflow"] == "ReturnRefund"
    r = await door.call(
        "POST",
        f"/v1/cases/{c}/answers/review",
        "zhao.returns",
        json={"approve": True, "pickup": False, "reason": "低值商品"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"]["case_id"] == c
    await wait_closed(env, c)
    view = (await door.call("GET", f"/v1/cases/{c}", customer=seeded.customer_id)).json()
    assert view["case"]["outcome"] == "advance_compensated" and view["running"] is False
    reviewed = next(e for e in view["timeline"] if e["kind"] == Entry.REVIEWED)
    assert reviewed["actor"] == "zhao.returns"  # from the token, not from any body
    assert len(view["payments"]) == 1
    listed = (await door.call("GET", "/v1/cases", customer=seeded.customer_id)).json()
    assert [row["case_id"] for row in listed] == [c]
    audit = AuditLog(store).entries(case_id=c)
    assert [(a.action, a.outcome.value, a.role) for a in audit] == [
        ("answer:review", "done", "return_specialist"),
        ("open", "done", "customer"),
    ]


async def test_whoami_and_kinds(door):
    who = (await door.call("GET", "/v1/whoami", "wu.ops")).json()
    assert who["role"] == "operations_supervisor" and "decide" in who["actions"]
    kinds = (await door.call("GET", "/v1/kinds", "li.first")).json()
    assert any(k["kind"] == "return_refund" for k in kinds)


# credentials ----------------------------------------------------------------------------
def _forged(door: Door, tmp_path: Path, **claims: Any) -> str:
    now = int(time.time())
    base = {"iss": "aftersales-embedded", "aud": "aftersales-api", "sub": "wu.ops", "iat": now, "exp": now + 600}
    return jwt.encode({**base, **claims}, ensure_signing_key(door.settings.signing_key_path), algorithm="ES256")


@pytest.mark.parametrize("bad", ["none", "expired", "forged", "audience", "garbage", "basic"])
async def test_a_bad_credential_is_401_and_leaves_only_an_audit_line(door, env, store, seeded, tmp_path, bad):
    other_key = ensure_signing_key(tmp_path / "mallory.pem")
    now = int(time.time())
    token = {
        "none": None,
        "expired": door.identity.mint("wu.ops", 60, now=now - 7200),
        "forged": jwt.encode(
            {"iss": "aftersales-embedded", "aud": "aftersales-api", "sub": "wu.ops", "iat": now, "exp": now + 600},
            other_key,
            algorithm="ES256",
        ),
        "audience": _forged(door, tmp_path, aud="another-api"),
        "garbage": "abc",
        "basic": None,
    }[bad]
    c = cid()
    before = AuditLog(store).count()
    headers = (
        {"Authorization": "Basic d3U6b3Bz"}
        if bad == "basic"
        else ({"Authorization": f"Bearer {token}"} if token else {})
    )
    r = await door.http.post(
        "/v1/cases", headers=headers, json={"order_id": seeded.order_id, "case_id": c, "reason": "x"}
    )
    is_problem(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"].startswith("Bearer")
    await nothing_started(env, store, c)
    assert AuditLog(store).count() == before + 1
    line = last_audit(store)
    assert (line.actor_id, line.outcome.value, line.status, line.action) == ("", "refused", 401, "open")


async def test_reads_need_a_credential_too(door):
    is_problem(await door.call("GET", "/v1/cases"), 401, "unauthenticated")


# the permission table, one refusing rule per test -----------------------------------------
async def test_a_customer_cannot_open_a_refused_parcel_return(door, env, store, seeded):
    c = cid()
    r = await door.call(
        "POST",
        "/v1/cases",
        customer=seeded.customer_id,
        json={"order_id": seeded.order_id, "case_id": c, "origin": "parcel_refused"},
    )
    is_problem(r, 403, "forbidden", "open.origin")
    await nothing_started(env, store, c)
    line = last_audit(store, seeded.customer_id)
    assert (line.outcome.value, line.rule, line.order_id) == ("refused", "open.origin", seeded.order_id)
    r = await door.call(
        "POST",
        "/v1/cases",
        "courier",
        json={"order_id": seeded.order_id, "case_id": c, "origin": "parcel_refused", "opened_by": "x"},
    )
    is_problem(r, 422, "invalid-field")  # the opener is the credential, never a field
    r = await door.call(
        "POST", "/v1/cases", "courier", json={"order_id": seeded.order_id, "case_id": c, "origin": "parcel_refused"}
    )
    assert r.status_code == 201, r.text


async def test_a_customer_cannot_open_on_another_customers_order_or_choose_a_policy(door, env, store, seeded):
    c = cid()
    is_problem(
        await door.call(
            "POST", "/v1/cases", customer="cust-someone-else", json={"order_id": seeded.order_id, "case_id": c}
        ),
        404,
        "not-found",
    )
    is_problem(
        await door.call(
            "POST",
            "/v1/cases",
            customer=seeded.customer_id,
            json={"order_id": seeded.order_id, "case_id": c, "policy": "demo"},
        ),
        403,
        "forbidden",
        "choose_policy.role",
    )
    is_problem(
        await door.call("POST", "/v1/cases", "he.finance", json={"order_id": seeded.order_id, "case_id": c}),
        403,
        "forbidden",
        "open.role",
    )
    is_problem(
        await door.call("POST", "/v1/cases", "warehouse", json={"order_id": seeded.order_id, "case_id": c}),
        403,
        "forbidden",
        "open.kind",
    )
    await nothing_started(env, store, c)


async def test_another_customers_case_is_not_found(door, env, store, seeded):
    c = cid()
    assert (
        await door.call(
            "POST", "/v1/cases", customer=seeded.customer_id, json={"order_id": seeded.order_id, "case_id": c}
        )
    ).status_code == 201
    stranger = "cust-stranger"
    is_problem(await door.call("GET", f"/v1/cases/{c}", customer=stranger), 404, "not-found")
    is_problem(await door.call("POST", f"/v1/cases/{c}/answers/evidence", customer=stranger, json={}), 404, "not-found")
    assert (await door.call("GET", "/v1/cases", customer=stranger)).json() == []
    unknown = await door.call("GET", "/v1/cases/RR-no-such-case", customer=stranger)
    assert is_problem(unknown, 404, "not-found")["title"] == "Not found"  # the same answer: nothing leaks
    assert (await door.call("GET", f"/v1/cases/{c}", customer=seeded.customer_id)).status_code == 200


async def test_answers_are_given_by_their_roles_only(door, seeded):
    c = cid()
    assert (
        await door.call(
            "POST", "/v1/cases", customer=seeded.customer_id, json={"order_id": seeded.order_id, "case_id": c}
        )
    ).status_code == 201
    r = await door.call(
        "POST", f"/v1/cases/{c}/answers/review", customer=seeded.customer_id, json={"approve": True, "pickup": False}
    )
    is_problem(r, 403, "forbidden", "answer.role")
    r = await door.call(
        "POST",
        f"/v1/cases/{c}/answers/review",
        "zhao.returns",
        json={"approve": True, "pickup": False, "reviewer": {"actor_id": "wu.ops", "role": "return_specialist"}},
    )
    is_problem(r, 403, "forbidden")  # a body naming someone else
    is_problem(await door.call("POST", f"/v1/cases/{c}/answers/decide", "wang.second", json={}), 404, "not-found")
    is_problem(
        await door.call("POST", f"/v1/cases/{c}/answers/review", "zhao.returns", json={"approve": "perhaps"}),
        422,
        "invalid-field",
    )
    r = await door.http.post(
        f"/v1/cases/{c}/answers/review",
        content=b"{not json",
        headers={"Authorization": f"Bearer {door.token('zhao.returns')}", "Content-Type": "application/json"},
    )
    is_problem(r, 400, "malformed-request")


async def test_a_customer_cannot_decide_and_the_second_check_needs_a_second_person(door, env, store, seeded):
    c = cid("MR")
    r = await door.call(
        "POST",
        "/v1/cases",
        "qian.refunds",
        json={
            "kind": "manual_refund",
            "order_id": seeded.order_id,
            "case_id": c,
            "reason": "运费退款",
            "reason_kind": "shipping_fee",
            "amount_fen": 800,
            "payee": {"payment_account": "alipay", "account_id": "13812345678", "real_name": "刘洋"},
        },
    )
    assert r.status_code == 201, r.text
    await _until_pending(door, c, "review")
    is_problem(
        await door.call(
            "POST", f"/v1/cases/{c}/approvals/review", customer=seeded.customer_id, json={"decision": "approve"}
        ),
        403,
        "forbidden",
        "decide.role",
    )
    is_problem(
        await door.call("POST", f"/v1/cases/{c}/approvals/review", "qian.refunds", json={"decision": "approve"}),
        403,
        "forbidden",
        "decide.role",
    )
    queue = (await door.call("GET", "/v1/approvals", "wu.ops")).json()
    assert any(q["case_id"] == c and q["approval_id"] == "review" for q in queue)
    assert (
        await door.call("POST", f"/v1/cases/{c}/approvals/review", "wu.ops", json={"decision": "approve"})
    ).status_code == 200
    again = is_problem(
        await door.call("POST", f"/v1/cases/{c}/approvals/review", "zheng.ops", json={"decision": "approve"}),
        409,
        "conflict",
    )
    assert again["code"] in (Code.ALREADY_DONE, Code.NO_SUCH_APPROVAL)  # clients match on the code, not the words
    await _until_pending(door, c, "second-check")
    r = await door.call("POST", f"/v1/cases/{c}/approvals/second-check", "wu.ops", json={"decision": "approve"})
    is_problem(r, 403, "forbidden", "decide.two_person")
    assert (
        await door.call("POST", f"/v1/cases/{c}/approvals/second-check", "zheng.ops", json={"decision": "approve"})
    ).status_code == 200
    assert await until(lambda: store.payments(c))  # paid at once once both have approved
    view = (await door.call("GET", f"/v1/cases/{c}", "wu.ops")).json()
    assert view["payments"][0]["amount_fen"] == 800
    refusals = [a for a in AuditLog(store).entries(case_id=c) if a.outcome.value == "refused"]
    assert {a.rule for a in refusals} >= {"decide.role", "decide.two_person"}


async def _until_pending(door: Door, case_id: str, approval_id: str) -> None:
    await pending(door.env.client.get_workflow_handle(f"case-{case_id}"), approval_id, env=door.env, skip=1)


async def test_contact_details_only_for_the_paying_account(door, store, seeded):
    path = f"/v1/orders/{seeded.order_id}/contact/read"
    is_problem(
        await door.call("POST", path, "li.first", json={"account": seeded.paying_account}),
        403,
        "forbidden",
        "read_contact.role",
    )
    is_problem(
        await door.call("POST", path, customer="cust-other", json={"account": seeded.paying_account}), 404, "not-found"
    )
    is_problem(
        await door.call("POST", path, customer=seeded.customer_id, json={"account": "wechat:other"}),
        403,
        "forbidden",
        "contact.paying_account",
    )
    r = await door.call("POST", path, customer=seeded.customer_id, json={"account": seeded.paying_account})
    assert r.status_code == 200 and r.json()["phone"] == seeded.phone
    r = await door.call(
        "POST",
        f"/v1/orders/{seeded.order_id}/contact",
        customer=seeded.customer_id,
        json={"account": seeded.paying_account, "address": "北京市朝阳区1号"},
    )
    assert r.status_code == 200 and r.json()["address"] == "北京市朝阳区1号"


async def test_staff_run_a_sweep_now_and_list_privacy_refusals(door, seeded):
    at = "2026-11-24T09:00:00+08:00"
    is_problem(
        await door.call("POST", "/v1/sweeps/shipment_tracking", customer=seeded.customer_id, json={"at": at}),
        403,
        "forbidden",
        "run_sweep.role",
    )
    r = await door.call("POST", "/v1/sweeps/shipment_tracking", "li.first", json={"at": at})
    assert r.status_code == 202 and r.json()["workflow_id"].startswith("sweep-shipment_tracking-manual-"), r.text
    is_problem(await door.call("POST", "/v1/sweeps/shipment_tracking", "li.first", json={"at": at}), 409, "conflict")
    is_problem(await door.call("POST", "/v1/sweeps/gift_export", "li.first", json={}), 404, "not-found")
    await door.env.client.get_workflow_handle(r.json()["workflow_id"]).result()
    assert (
        await door.call(
            "POST",
            f"/v1/orders/{seeded.order_id}/contact/read",
            customer=seeded.customer_id,
            json={"account": "wechat:not-the-payer"},
        )
    ).status_code == 403
    is_problem(await door.call("GET", "/v1/privacy-refusals", "li.first"), 403, "forbidden", "read_audit.role")
    rows = (await door.call("GET", f"/v1/privacy-refusals?order_id={seeded.order_id}", "wu.ops")).json()
    assert [row["action"] for row in rows] == ["read_contact"] and "wechat" not in json.dumps(rows)


async def test_staff_reads_metrics_reports_and_the_audit_log(door):
    assert (await door.call("GET", "/v1/metrics", "li.first")).status_code == 200
    assert (await door.call("GET", "/v1/reports/completion", "li.first")).status_code == 200
    is_problem(await door.call("GET", "/v1/metrics", customer="cust-1"), 403, "forbidden", "read_metrics.role")
    is_problem(await door.call("GET", "/v1/audit", "li.first"), 403, "forbidden", "read_audit.role")
    r = await door.call("GET", "/v1/audit?limit=5", "wu.ops")
    assert r.status_code == 200 and isinstance(r.json(), list)


# no worker ------------------------------------------------------------------------------
async def test_an_answer_no_worker_takes_is_a_503_and_show_says_why(
    env, store, sqlite_url, tmp_path, seeded, monkeypatch
):
    monkeypatch.setattr(cases, "ANSWER_TIMEOUT", 1.0)
    monkeypatch.setattr(cases, "QUERY_TIMEOUT", timedelta(seconds=1))
    settings = api_settings(tmp_path, f"tq-nobody-{uuid.uuid4().hex[:6]}", sqlite_url)
    async for d in door_on(env, store, settings):
        c = cid()
        assert (
            await d.call(
                "POST", "/v1/cases", customer=seeded.customer_id, json={"order_id": seeded.order_id, "case_id": c}
            )
        ).status_code == 201
        started = time.monotonic()
        r = await d.call(
            "POST", f"/v1/cases/{c}/answers/review", "zhao.returns", json={"approve": True, "pickup": False}
        )
        body = is_problem(r, 503, "no-worker")
        assert "no worker is running" in body["detail"] and time.monotonic() - started < 15
        assert last_audit(store, "zhao.returns").outcome.value == "failed"
        view = await d.call("GET", f"/v1/cases/{c}", "zhao.returns")
        assert view.status_code == 200 and "no worker is running" in view.json()["worker"]


async def test_a_first_line_token_cannot_approve_a_15_percent_cash_compensation(door, env, store, seeded):
    """§1, §3: 10-20 % cash is second line's; first line's authority is a 10 % coupon. Under the
    demo policy (windows in seconds) so no skipped clock is needed in this shared module."""
    c = cid("HO")
    r = await door.call(
        "POST",
        "/v1/cases",
        "li.first",
        json={
            "kind": "held_order",
            "order_id": seeded.order_id,
            "reason": "缺货扣单",
            "case_id": c,
            "cause": "no_stock",
            "offer_kind": "cash",
            "offer_percent": 15,
            "policy": "demo",
        },
    )
    assert r.status_code == 201, r.text
    handle = env.client.get_workflow_handle(f"case-{c}")

    async def compensation_pending() -> bool:
        return any(p.approval_id == "compensation" for p in await handle.query(CaseWorkflow.pending_approvals))

    await until(compensation_pending, "the compensation approval")  # past the 6 s backfill window
    r = await door.call("POST", f"/v1/cases/{c}/approvals/compensation", "li.first", json={"decision": "approve"})
    body = is_problem(r, 403, "forbidden")
    assert body["rule"] in ("decide.role", "decide.authority"), body
    assert await compensation_pending()  # undecided
    assert last_audit(store, "li.first").outcome.value == "refused"
    r = await door.call("POST", f"/v1/cases/{c}/approvals/compensation", "wang.second", json={"decision": "approve"})
    assert r.status_code == 200, r.text

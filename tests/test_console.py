"""The browser console's pages over the real (time-skipping) Temporal server, a real worker
and SQLite, served in process: sign-in, what each role sees and may press, the two-person
check through the forms, a customer's own pages only, the answer forms from the kinds'
models, the dashboard's pictures. The browser itself is tests/test_console_browser.py."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.identity import Identity, subject_for_customer
from console.forms import FormError, data_from, fields_of, yuan_to_fen
from console.pages import console_router
from console.session import COOKIE
from domain.approvals import ApprovalDecision
from domain.held_order import HeldOrderAnswer
from domain.timeline import Entry
from service.context import Context
from store.audit import AuditLog
from tests.factories import order
from tests.support import kinds, pending, running_worker, timeline, until
from tests.test_api import ACTORS, api_settings


@dataclasses.dataclass
class Browserless:
    """The console as a browser sees it, without the browser: cookies per person."""

    app: Any
    identity: Identity
    env: Any
    store: Any

    def as_(self, who: str) -> httpx.AsyncClient:
        try:
            subject = ACTORS.find(who).actor_id
        except KeyError:
            subject = subject_for_customer(who)
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(
            transport=transport, base_url="http://console", cookies={COOKIE: self.identity.mint(subject, 3600)}
        )


@pytest.fixture
async def console(env, store, sqlite_url, tmp_path) -> AsyncIterator[Browserless]:
    async with running_worker(env, store) as (tq, _outside):
        settings = api_settings(tmp_path, tq, sqlite_url)
        identity = Identity(settings, ACTORS)
        app = create_app(
            Context(settings=settings, client=env.client, store=store), identity, extra_routers=[console_router()]
        )
        app.state.console_demo = True
        yield Browserless(app, identity, env, store)


@pytest.fixture
def seeded(store):
    o = order(customer_id=f"cust-{uuid.uuid4().hex[:6]}")
    store.save_order(o)
    return o


async def _until_pending(env, case_id: str, approval_id: str) -> None:
    await pending(env.client.get_workflow_handle(f"case-{case_id}"), approval_id, env=env, skip=1)


def _manual_refund(seeded, case_id: str) -> dict[str, Any]:
    return {
        "kind": "manual_refund",
        "order_id": seeded.order_id,
        "case_id": case_id,
        "reason": "运费退款",
        "reason_kind": "shipping_fee",
        "amount_fen": 800,
        "payee": {"payment_account": "alipay", "account_id": "13812345678", "real_name": "刘洋"},
    }


# sign-in ---------------------------------------------------------------------------------------
async def test_demo_sign_in_sets_the_cookie_and_a_bad_token_is_refused(console):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=console.app), base_url="http://console") as web:
        r = await web.get("/console/queue")
        assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
        page = (await web.get("/console/login")).text
        assert 'value="wu.ops"' in page and "吴" in page
        r = await web.post("/console/login", data={"subject": "wu.ops"})
        assert r.status_code == 303 and r.headers["location"] == "/console/queue"
        assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
        web.cookies = r.cookies
        assert (await web.get("/console/queue")).status_code == 200
        r = await web.post("/console/login", data={"token": "not-a-token"})
        assert r.status_code == 401 and "token" in r.text
        # nobody outside the demo list is minted for, even with demo sign-in on
        r = await web.post("/console/login", data={"subject": "he.finance-not-listed"})
        assert r.status_code == 401
    console.app.state.console_demo = False
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=console.app), base_url="http://console") as web:
        assert 'name="subject"' not in (await web.get("/console/login")).text
        assert (await web.post("/console/login", data={"subject": "wu.ops"})).status_code == 401


# the two-person check through the forms ------------------------------------------------------------
async def test_queue_buttons_follow_the_table_and_the_second_check_needs_another_person(console, seeded):
    c = f"MR-console-{uuid.uuid4().hex[:8]}"
    async with console.as_("qian.refunds") as qian:
        assert (
            await qian.post(
                "/v1/cases", json=_manual_refund(seeded, c), headers={"Authorization": f"Bearer {qian.cookies[COOKIE]}"}
            )
        ).status_code == 201
    await _until_pending(console.env, c, "review")
    async with console.as_("li.first") as li:
        page = (await li.get("/console/queue")).text
        item = _queue_item(page, c, "review")
        assert "operations_supervisor" in item and "manual_refund_review" in item, item
        assert "Approve" not in item and "You may not decide this one" in item
        # the API refuses anyway: the form posted by hand is a 403 page naming the rule
        r = await li.post(f"/console/cases/{c}/approvals/review", data={"decision": "approve"})
        assert r.status_code == 403 and "decide.role" in r.text
    async with console.as_("wu.ops") as wu:
        page = (await wu.get("/console/queue")).text
        assert "Approve" in _queue_item(page, c, "review")
        r = await wu.post(f"/console/cases/{c}/approvals/review", data={"decision": "reject", "note": " "})
        assert r.status_code == 422 and "refusal needs a note" in r.text
        r = await wu.post(
            f"/console/cases/{c}/approvals/review",
            data={"decision": "approve", "note": "ok", "back": "https://elsewhere.example/"},
        )
        assert r.status_code == 303 and r.headers["location"].startswith(f"/console/cases/{c}?msg=")
        await _until_pending(console.env, c, "second-check")
        case_page = (await wu.get(f"/console/cases/{c}")).text
        assert "second-check" in case_page and "You may not decide this one" in case_page
        r = await wu.post(f"/console/cases/{c}/approvals/second-check", data={"decision": "approve"})
        assert r.status_code == 403 and "decide.two_person" in r.text
    async with console.as_("zheng.ops") as zheng:
        r = await zheng.post(f"/console/cases/{c}/approvals/second-check", data={"decision": "approve"})
        assert r.status_code == 303, r.text
    assert await until(lambda: console.store.payments(c))
    async with console.as_("wu.ops") as wu:
        page = (await wu.get(f"/console/cases/{c}")).text
        assert "¥8.00" in page and "Order ledger" in page and "刘洋" not in page and "13812345678" not in page  # masked
    refused = {a.rule for a in AuditLog(console.store).entries(case_id=c) if a.outcome.value == "refused"}
    assert {"decide.role", "decide.two_person"} <= refused


def _queue_item(page: str, case_id: str, approval_id: str) -> str:
    m = re.search(
        rf'<li class="item[^"]*" data-case="{case_id}" data-approval="{approval_id}">(.*?)</li>\s*(?=<li class="item|</ul>)',
        page,
        re.S,
    )
    assert m, page[-3000:]
    return m.group(1)


# a customer's own pages ------------------------------------------------------------------------------
async def test_a_customer_opens_a_return_with_a_photo_and_sees_only_their_own(console, seeded, tmp_path):
    async with console.as_(seeded.customer_id) as me:
        page = (await me.get("/console/my")).text
        assert seeded.order_id in page and "¥" in page
        form = (await me.get(f"/console/my/orders/{seeded.order_id}/open?kind=return_refund")).text
        assert 'for="reason"' in form and 'type="file"' in form
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
        r = await me.post(
            f"/console/my/orders/{seeded.order_id}/open",
            data={
                "kind": "return_refund",
                "reason": "牛奶漏了",
                "sku": ["MILK-1L", "RICE-5KG"],
                "quantity": ["2", "0"],
            },
            files={"photo": ("leak.png", png, "image/png")},
        )
        assert r.status_code == 303, r.text
        case_id = r.headers["location"].split("/console/cases/")[1].split("?")[0]
        kept = list((tmp_path / "evidence").glob("*.png"))
        assert len(kept) == 1 and kept[0].read_bytes() == png
        page = (await me.get(f"/console/cases/{case_id}")).text
        assert "We received your request" in page and "客户-" not in page
        assert (await me.get("/console/my")).text.count(case_id) >= 1
    async with console.as_("cust-someone-else") as other:
        assert (await other.get(f"/console/cases/{case_id}")).status_code == 404
        assert (await other.get(f"/console/my/orders/{seeded.order_id}/open")).status_code == 404
        r = await other.post(
            f"/console/my/orders/{seeded.order_id}/open", data={"kind": "return_refund", "reason": "x"}
        )
        assert r.status_code == 404
        assert case_id not in (await other.get("/console/cases")).text
        assert (await other.get("/console/dashboard")).status_code == 403
    async with console.as_("li.first") as li:
        page = (await li.get(f"/console/cases/{case_id}")).text
        assert "客户-" in page and seeded.customer_id not in page  # staff see a pseudonym
        listed = (await li.get("/console/cases", params={"q": case_id})).text
        assert case_id in listed


async def test_a_customer_answers_a_held_order_offer_from_the_generated_form(console, store):
    o = order(customer_id=f"cust-{uuid.uuid4().hex[:6]}")
    store.save_order(o)
    c = f"HO-console-{uuid.uuid4().hex[:8]}"
    async with console.as_("li.first") as li:
        r = await li.post(
            "/v1/cases",
            json={"kind": "held_order", "order_id": o.order_id, "case_id": c, "reason": "缺货", "cause": "no_stock"},
            headers={"Authorization": f"Bearer {li.cookies[COOKIE]}"},
        )
        assert r.status_code == 201, r.text
    handle = console.env.client.get_workflow_handle(f"case-{c}")

    async def apologised() -> bool:
        return Entry.APOLOGISED in kinds(await timeline(handle))

    await until(apologised, "the apology", env=console.env, skip=3600, within=120)  # an hour per look
    async with console.as_(o.customer_id) as me:
        page = (await me.get(f"/console/cases/{c}")).text
        assert 'action="/console/cases/' + c + '/answers/choose"' in page and 'value="refund"' in page
        assert "/answers/review" not in page  # only the answers a customer gives
        r = await me.post(f"/console/cases/{c}/answers/choose", data={"choice": "refund"})
        assert r.status_code == 303, r.text
    assert await until(lambda: store.get_case(c) and store.get_case(c)["outcome"] == "refunded", within=30)


# forms from the answer models ----------------------------------------------------------------------
def test_answer_forms_come_from_the_models():
    fields = {f.name: f for f in fields_of(HeldOrderAnswer)}
    assert "customer" not in fields  # the credential says who answers
    assert fields["choice"].widget == "select" and set(fields["choice"].options) == {"wait", "refund", "insist"}
    decision = {f.name: f for f in fields_of(ApprovalDecision)}
    assert decision["amount_fen"].widget == "yuan" and decision["approve"].widget == "checkbox"
    assert data_from(ApprovalDecision, {"approval_id": "x", "amount_fen": "12.50", "approve": "on", "note": ""}) == {
        "approval_id": "x",
        "amount_fen": 1250,
        "approve": True,
    }
    assert yuan_to_fen("80") == 8000 and yuan_to_fen("0.05") == 5
    with pytest.raises(FormError):
        yuan_to_fen("1.005")
    with pytest.raises(FormError):
        yuan_to_fen("十")


async def test_dashboard_draws_pictures(console):
    async with console.as_("wu.ops") as wu:
        page = (await wu.get("/console/dashboard", params={"since": "2026-01-01", "until": "2026-12-31"})).text
    assert page.count("<svg") == 5 and 'role="img"' in page and "<table" not in page


async def test_a_customer_opens_damaged_goods_and_the_photo_reaches_the_case(console, seeded, tmp_path):
    jpeg = b"\xff\xd8\xff\xe0" + "破损".encode() * 20
    async with console.as_(seeded.customer_id) as me:
        form = (await me.get(f"/console/my/orders/{seeded.order_id}/open?kind=damaged_goods")).text
        assert 'value="leaked_liquid"' in form and "required" in form
        r = await me.post(
            f"/console/my/orders/{seeded.order_id}/open",
            data={
                "kind": "damaged_goods",
                "reason": "瓶子碎了",
                "sku": ["MILK-1L", "RICE-5KG"],
                "quantity": ["1", "0"],
                "condition": "leaked_liquid",
            },
            files={"photo": ("milk.jpg", jpeg, "image/jpeg")},
        )
        assert r.status_code == 303, r.text
        case_id = r.headers["location"].split("/console/cases/")[1].split("?")[0]
        assert "send it from the case page" not in r.headers["location"]
        # a photo that is not an image is refused before anything opens
        r = await me.post(
            f"/console/my/orders/{seeded.order_id}/open",
            data={
                "kind": "damaged_goods",
                "reason": "x",
                "sku": ["MILK-1L"],
                "quantity": ["1"],
                "condition": "leaked_liquid",
            },
            files={"photo": ("x.exe", b"MZ", "application/octet-stream")},
        )
        assert r.status_code == 422
    digest = next((tmp_path / "evidence").glob("*.jpg")).stem

    def received():
        return [e for e in console.store.timeline(case_id) if e.kind == Entry.EVIDENCE_RECEIVED]

    assert await until(received)
    assert received()[0].detail["uris"] == [f"evidence:sha256:{digest}.jpg"]
    assert len(console.store.page_cases(customer_id=seeded.customer_id)) == 1

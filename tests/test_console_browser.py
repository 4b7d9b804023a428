"""The console in a real browser (Chromium from the distribution, driven by Playwright) against
`aftersales up` as a user runs it: the embedded dev server, the worker, the API with the
console, the demo policy's windows in seconds. People sign in through the sign-in page
(demo buttons, or a pasted token). Every page is photographed at desktop and phone width into
tests/screenshots/ (kept by CI, ignored by git)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_devserver_e2e import another_terminal, leftovers, up

playwright_sync = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by ./dev setup")

ORDERS = {
    "orders": [
        {
            "order_id": f"SO-PW-{n}",
            "customer_id": f"cust-pw-{n}",
            "lines": [
                {"sku": "TEA-LONGJING-250G", "name": "西湖龙井 250g", "unit_price_fen": 16800, "quantity": 1},
                {"sku": "NOODLE-8", "name": "康师傅红烧牛肉面 ×8", "unit_price_fen": 2990, "quantity": 2},
            ],
            "paid_fen": 22780,
            "paid_at": "2026-11-20T02:00:00Z",
            "trade_completed": n == "mr",
            "paying_account": "alipay:13500000000",
            "phone": "13500000000",
            "address": "广州市天河区体育西路1号",
        }
        for n in ("os", "mr", "ho", "cash")
    ]
}


class Running:
    def __init__(self, url: str, env: dict[str, str], proc: subprocess.Popen[str]):
        self.url, self.env, self.proc = url, env, proc

    def token(self, *, actor: str | None = None, customer: str | None = None) -> str:
        who = ["--actor", actor] if actor else ["--customer", str(customer)]
        done = subprocess.run(
            [*up_binary(), "token", "issue", *who, "--ttl", "1h"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def open(self, actor: str, body: dict) -> str:
        r = httpx.post(
            f"{self.url}/v1/cases",
            json={**body, "policy": "demo"},
            timeout=30,
            headers={"Authorization": f"Bearer {self.token(actor=actor)}"},
        )
        assert r.status_code == 201, r.text
        return r.json()["case_id"]

    def pending(self, case_id: str, approval_id: str, who: str = "wu.ops", timeout: float = 90) -> None:
        token = self.token(actor=who)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queue = httpx.get(f"{self.url}/v1/approvals", headers={"Authorization": f"Bearer {token}"}, timeout=30)
            rows = [q for q in queue.json() if q["case_id"] == case_id]
            if any(q["approval_id"] == approval_id for q in rows) or (approval_id == "*" and rows):
                return
            time.sleep(1)
        raise AssertionError(f"{case_id}: {approval_id} never asked")


def up_binary() -> list[str]:
    return [str(Path(sys.executable).parent / "aftersales")]


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("console") / "data"
    argv, env = up(data)
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen.append(line)
        if "Console:" in line or proc.poll() is not None:
            break
    assert any("Console:" in s for s in seen), "".join(seen)
    orders = data.parent / "orders.json"
    orders.write_text(json.dumps(ORDERS, ensure_ascii=False), encoding="utf-8")
    loaded = another_terminal(env, "orders", "load", str(orders))
    assert loaded.returncode == 0, loaded.stderr
    try:
        yield Running(env["API_URL"], env, proc)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.5)
        assert not leftovers(data)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def signed_in(browser, system: Running, *, demo: str | None = None, customer: str | None = None):
    page = browser.new_page(viewport=SIZES["desktop"], locale="zh-CN")
    page.goto(f"{system.url}/console/login")
    if demo:
        page.click(f'button[data-subject="{demo}"]')
    else:
        page.fill("#token", system.token(customer=customer))
        page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    return page


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
  .map(el => el.outerHTML)"""


def photograph(page, name: str) -> None:
    """Desktop and phone pictures of the page, after checking every control has a label."""
    assert page.evaluate(UNLABELLED) == [], name
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def wait_for_text(page, selector: str, pattern: str, timeout: float = 60) -> str:
    """Until the element shows `pattern` — the page updates itself (short polling), no reload."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = page.inner_text(selector)
        if re.search(pattern, text):
            return text
        page.wait_for_timeout(500)
    raise AssertionError(f"{selector} never showed {pattern!r}; last: {text!r}")


def test_sign_in_page(browser, system):
    page = browser.new_page(viewport=SIZES["desktop"])
    page.goto(f"{system.url}/console/queue")
    assert "/console/login" in page.url
    assert page.locator('button[data-subject="wu.ops"]').count() == 1
    photograph(page, "login")
    page.keyboard.press("Tab")  # the skip link first, visibly focused
    assert page.evaluate("document.activeElement.className") == "skip"
    page.close()


def test_a_first_line_agent_has_no_approve_button_and_second_line_approves_in_the_browser(browser, system):
    li = signed_in(browser, system, demo="li.first")  # the queue is open before the case asks anything
    case_id = system.open("li.first", {"kind": "oversold", "order_id": "SO-PW-os", "reason": "17:00 超卖核对"})
    system.pending(case_id, "compensation", "wang.second")
    item = li.locator(f'li[data-case="{case_id}"][data-approval="compensation"]')
    item.wait_for(timeout=30_000)  # appears by itself (short polling), no reload
    assert "second_line" in item.inner_text() and "¥" in item.inner_text()
    assert item.locator("button.approve").count() == 0
    photograph(li, "queue-first-line")
    li.close()

    wang = signed_in(browser, system, demo="wang.second")
    item = wang.locator(f'li[data-case="{case_id}"][data-approval="compensation"]')
    item.wait_for()
    photograph(wang, "queue-second-line")
    item.locator("button.reject").click()  # no note: the browser asks for one first
    assert wang.url.endswith("/console/queue")
    item.locator("input[name=note]").fill("同意补偿 10%")
    item.locator("button.approve").click()
    wang.wait_for_url(re.compile(r"/console/queue\?.*msg="))
    wang.goto(f"{system.url}/console/cases/{case_id}")
    wait_for_text(wang, ".outcome", r"refunded")  # the case moved on after the decision, shown without a reload
    photograph(wang, "case-oversold")
    wang.close()


def test_a_first_line_agent_has_no_approve_button_for_a_15_percent_cash_compensation(browser, system):
    """§1, §3: 10-20 % cash is second line's authority; first line sees it but cannot decide it."""
    case_id = system.open(
        "li.first",
        {
            "kind": "held_order",
            "order_id": "SO-PW-cash",
            "reason": "缺货扣单",
            "cause": "no_stock",
            "offer_kind": "cash",
            "offer_percent": 15,
        },
    )
    system.pending(case_id, "compensation", "wang.second")
    li = signed_in(browser, system, demo="li.first")
    item = li.locator(f'li[data-case="{case_id}"][data-approval="compensation"]')
    item.wait_for(timeout=30_000)
    assert "¥34.17" in item.inner_text()  # 15 % of ¥227.80, rounded down
    assert item.locator("button.approve").count() == 0 and item.locator("button.reject").count() == 0
    li.goto(f"{system.url}/console/cases/{case_id}")
    assert li.locator("button.approve").count() == 0
    photograph(li, "case-held-order-cash-first-line")
    li.close()
    wang = signed_in(browser, system, demo="wang.second")
    assert wang.locator(f'li[data-case="{case_id}"][data-approval="compensation"] button.approve').count() == 1
    wang.close()


def test_a_second_checker_completes_a_manual_refund_and_the_first_is_refused(browser, system):
    case_id = system.open(
        "qian.refunds",
        {
            "kind": "manual_refund",
            "order_id": "SO-PW-mr",
            "reason": "运费退款",
            "reason_kind": "shipping_fee",
            "amount_fen": 1000,
            "payee": {"payment_account": "alipay", "account_id": "13500000000", "real_name": "陈静"},
        },
    )
    system.pending(case_id, "review")
    wu = signed_in(browser, system, demo="wu.ops")
    wu.goto(f"{system.url}/console/cases/{case_id}")
    wu.click("button.approve")
    system.pending(case_id, "second-check")
    wu.goto(f"{system.url}/console/cases/{case_id}")
    assert wu.locator("button.approve").count() == 0  # the first checker gets no button for the second check
    refused = wu.request.post(
        f"{system.url}/console/cases/{case_id}/approvals/second-check", form={"decision": "approve"}
    )  # the service refuses anyway
    assert refused.status == 403 and "decide.two_person" in refused.text()
    wu.close()
    zheng = signed_in(browser, system, demo="zheng.ops")
    zheng.goto(f"{system.url}/console/cases/{case_id}")
    zheng.click("button.approve")
    wait_for_text(zheng, "#case", r"¥10\.00")
    wait_for_text(zheng, ".outcome", "paid")
    photograph(zheng, "case-manual-refund")
    zheng.close()


def test_a_customer_answers_a_held_order_offer_and_is_refunded(browser, system):
    case_id = system.open(
        "li.first", {"kind": "held_order", "order_id": "SO-PW-ho", "reason": "缺货扣单", "cause": "no_stock"}
    )
    me = signed_in(browser, system, customer="cust-pw-ho")
    photograph(me, "my-orders")
    me.goto(f"{system.url}/console/cases/{case_id}")
    form = me.locator("form.answer", has=me.locator("select[name=choice]"))
    wait_for_text(me, "#case", "抱歉缺货")  # the offer, in plain words, arrives without a reload
    me.reload()  # the answer forms are outside the live region
    photograph(me, "case-held-order-customer")
    form.locator("select[name=choice]").select_option("refund")
    with me.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "msg=" in me.url, me.inner_text("main")
    wait_for_text(me, ".outcome", "refunded", timeout=90)
    me.goto(f"{system.url}/console/my/orders/SO-PW-ho/open?kind=damaged_goods")
    photograph(me, "open-damaged-goods")
    me.close()


def test_a_customer_cannot_open_another_customers_case_by_url(browser, system):
    case_id = system.open(
        "li.first", {"kind": "held_order", "order_id": "SO-PW-os", "reason": "缺货", "cause": "no_stock"}
    )
    other = signed_in(browser, system, customer="cust-pw-ho")
    response = other.goto(f"{system.url}/console/cases/{case_id}")
    assert response is not None and response.status == 404
    text = other.inner_text("main")
    assert "Not found" in text and "SO-PW-os" not in text and "held_order" not in text  # nothing of the case
    photograph(other, "case-of-another-customer-404")
    other.close()


def test_cases_list_and_dashboard_pages(browser, system):
    wu = signed_in(browser, system, demo="wu.ops")
    wu.goto(f"{system.url}/console/cases")
    assert wu.locator("table.cases tbody tr").count() >= 3
    photograph(wu, "cases-list")
    wu.goto(f"{system.url}/console/dashboard?since=2026-01-01&until=2027-12-31")
    assert wu.locator("svg.chart").count() == 5
    photograph(wu, "dashboard")
    wu.close()

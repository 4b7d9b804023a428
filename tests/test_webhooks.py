"""The warehouse's goods-received webhook reaches the case as a signal: a return whose
next poll is 40 s away is refunded seconds after the goods arrive. Unknown events,
closed cases and a wrong token are refused."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from adapters.http import signing
from adapters.simulators.service import FaultSettings
from domain.returns import ReturnOutcome, ReturnRefundResult
from domain.timeline import Entry
from domain.windows import Window
from store import open_store
from tests.outside_services import (
    ROOMY_POLICY,
    ROOT,
    DevServer,
    Simulators,
    WorkerProcess,
    free_port,
    return_case,
    wait_for_port,
)

TOKEN = "s3cret-hook-0123456789"
# polls 40 s apart: only the webhook can make the case finish sooner
SLOW_POLLING = ROOMY_POLICY.model_copy(
    update={
        "windows": ROOMY_POLICY.windows.model_copy(update={"return_refund": Window.model_validate("120s")}),
        "polling": ROOMY_POLICY.polling.model_copy(update={"return_receipt": Window.model_validate("40s")}),
    }
)


@pytest.fixture
def world(tmp_path):
    server = DevServer(tmp_path, persistent=False).start()
    hook_port = free_port()
    hooks = subprocess.Popen(
        [sys.executable, "-m", "starter.cli", "webhooks", "--port", str(hook_port)],
        cwd=ROOT,
        env={**WorkerProcess.base_env(), "TEMPORAL_ADDRESS": server.address, "WEBHOOK_SECRET": TOKEN},
    )
    wait_for_port(hook_port, hooks)
    hook_url = f"http://127.0.0.1:{hook_port}/webhooks"
    sims = Simulators(
        tmp_path, FaultSettings(default_receive_after="2s", webhook_url=hook_url, webhook_token=TOKEN)
    ).start()
    try:
        yield server, sims, hook_url, f"sqlite:///{tmp_path / 'cases.db'}"
    finally:
        sims.stop()
        hooks.terminate()
        hooks.wait(10)
        server.stop()


async def test_goods_received_webhook_ends_the_wait_and_bad_webhooks_are_refused(world):
    server, sims, hook_url, db = world
    store = open_store(db)
    client = await server.client()
    tq = f"hooks-{uuid.uuid4().hex[:6]}"
    worker = WorkerProcess(server, sims, db, tq).start()
    try:
        inp = return_case(policy=SLOW_POLLING)
        started = time.monotonic()
        h = await client.start_workflow(
            "ReturnRefund", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReturnRefundResult
        )
        result = await asyncio.wait_for(h.result(), timeout=35)
        took = time.monotonic() - started
    finally:
        worker.stop()
    assert result.outcome == ReturnOutcome.REFUNDED
    assert took < 30, f"the case waited for its poll ({took:.0f}s), not for the webhook"
    assert Entry.GOODS_RECEIVED in [e.kind for e in store.timeline(inp.case.case_id)]
    assert (await sims.stats())["calls"].get("webhook.202") == 1

    async with httpx.AsyncClient(timeout=10) as c:
        now = int(time.time())

        async def push(event: str, body: dict, *, secret: str = TOKEN, at: int = now, raw: bytes | None = None):
            data = raw if raw is not None else json.dumps(body).encode()
            return await c.post(
                f"{hook_url}/warehouse/{event}",
                content=data,
                headers={"Content-Type": "application/json", **signing.headers(secret, at, data)},
            )

        body = {"case_id": inp.case.case_id}
        assert (await c.post(f"{hook_url}/warehouse/goods-received", json=body)).status_code == 401  # unsigned
        assert (await push("goods-received", body, secret="a-guessed-secret-000")).status_code == 401
        assert (await push("goods-received", body, at=now - 3600)).status_code == 401  # a replay, an hour late
        signed = signing.headers(TOKEN, now, json.dumps(body).encode())
        tampered = await c.post(
            f"{hook_url}/warehouse/goods-received",
            content=json.dumps({"case_id": "RR-other"}).encode(),
            headers={"Content-Type": "application/json", **signed},
        )
        assert tampered.status_code == 401  # the signature is over the body it came with
        assert (await push("free-money", body)).status_code == 404
        closed = await push("goods-received", body)
        assert closed.status_code == 404 and "no open case" in closed.text
        assert (await push("goods-received", {"case_id": "../../x"})).status_code == 422


def test_the_webhooks_service_refuses_to_start_without_a_real_secret():
    for secret in ("", "change-me", "short"):
        done = subprocess.run(
            [sys.executable, "-m", "starter.cli", "webhooks", "--port", str(free_port())],
            cwd=ROOT,
            env={**WorkerProcess.base_env(), "TEMPORAL_ADDRESS": "127.0.0.1:1", "WEBHOOK_SECRET": secret},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and "refusing to start" in done.stderr, (secret, done.stderr)

"""The front door's cost (issue 11): opens and approval decisions per second through the
case API (HTTP on loopback, token check, permission table, audit line) against the same
work through the Temporal client directly (the service layer's validation, then
start_workflow / the `decide` Update), in one run on one dev server and one worker.

    python -m bench.api_overhead [--cases 100] [--concurrency 10]

Writes bench/results-api.json. The ratio is API rate / direct rate (1.0: no overhead)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.identity import Identity
from bench.servers import WorkerProcess, dev_server, free_port
from domain.actors import load_actors
from domain.approvals import ApprovalDecision
from domain.models import Order, OrderLine
from runtime.settings import ROOT, Settings
from service import cases
from service.catalogue import spec_for
from service.context import Context
from store import open_store
from workflows.case_workflow import CaseWorkflow

RESULTS = ROOT / "bench" / "results-api.json"
PAYEE = {"payment_account": "alipay", "account_id": "bench@example.com", "real_name": "测试"}


def _orders(n: int) -> list[Order]:
    line = OrderLine(sku="MILK-1L", name="Whole milk 1L", unit_price_fen=1590, quantity=2)
    return [
        Order(
            order_id=f"SO-BENCH-{i:05d}",
            customer_id=f"cust-bench-{i:05d}",
            lines=(line,),
            paid_fen=3180,
            paying_account="alipay:bench",
            trade_completed=True,
        )
        for i in range(n)
    ]


def _body(order_id: str, case_id: str) -> dict[str, Any]:
    return {
        "kind": "manual_refund",
        "order_id": order_id,
        "case_id": case_id,
        "reason": "bench",
        "reason_kind": "shipping_fee",
        "amount_fen": 500,
        "payee": PAYEE,
    }


async def _rate(n: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Operations per second, `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def bounded(i: int) -> None:
        async with gate:
            await one(i)

    began = time.perf_counter()
    await asyncio.gather(*(bounded(i) for i in range(n)))
    return n / (time.perf_counter() - began)


async def _all_pending(client: Any, case_ids: list[str], approval_id: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(case_ids)
    while waiting and time.monotonic() < deadline:
        for case_id in list(waiting):
            pending = await client.get_workflow_handle(f"case-{case_id}").query(CaseWorkflow.pending_approvals)
            if any(p.approval_id == approval_id for p in pending):
                waiting.discard(case_id)
        await asyncio.sleep(0.2)
    if waiting:
        raise RuntimeError(f"{len(waiting)} cases never asked for {approval_id}")


async def measure(n: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        async with dev_server(work) as client:
            address = client.service_client.config.target_host
            store_url = f"sqlite:///{work / 'cases.db'}"
            store = open_store(store_url)
            for order in _orders(2 * n):
                store.save_order(order)
            settings = dataclasses.replace(
                Settings(),
                temporal_address=address,
                task_queue="bench-api",
                database_url=store_url,
                data_dir=work,
                policy="default",
                auth_signing_key_file="",
                auth_jwks_url="",
            )
            ctx = Context(settings=settings, client=client, store=store)
            actors = load_actors(settings.actors_file)
            identity = Identity(settings, actors)
            port = free_port()
            server = uvicorn.Server(
                uvicorn.Config(
                    create_app(ctx, identity), host="127.0.0.1", port=port, log_level="warning", access_log=False
                )
            )
            serving = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.05)
            tokens = {who: identity.mint(who, 3600) for who in ("qian.refunds", "wu.ops")}
            async with (
                WorkerProcess(address, "bench-api", store_url, "{}", work / "worker.log"),
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http,
            ):
                spec = spec_for("manual_refund")
                opener = actors.find("qian.refunds")
                direct_ids = [f"MR-bench-d-{i:05d}" for i in range(n)]
                api_ids = [f"MR-bench-a-{i:05d}" for i in range(n)]

                async def open_direct(i: int) -> None:
                    body = _body(f"SO-BENCH-{i:05d}", direct_ids[i])
                    inp = cases.build_input(
                        ctx,
                        spec,
                        order_id=body.pop("order_id"),
                        case_id=body.pop("case_id"),
                        reason=body.pop("reason"),
                        opened_by=opener.actor_id,
                        fields={k: v for k, v in body.items() if k != "kind"},
                    )
                    await cases.start_case(ctx, spec, inp)

                async def open_api(i: int) -> None:
                    r = await http.post(
                        "/v1/cases",
                        json=_body(f"SO-BENCH-{n + i:05d}", api_ids[i]),
                        headers={"Authorization": f"Bearer {tokens['qian.refunds']}"},
                    )
                    assert r.status_code == 201, r.text

                opens_direct = await _rate(n, concurrency, open_direct)
                opens_api = await _rate(n, concurrency, open_api)
                await _all_pending(client, direct_ids + api_ids, "review")
                supervisor = actors.find("wu.ops")

                async def decide_direct(i: int) -> None:
                    await client.get_workflow_handle(f"case-{direct_ids[i]}").execute_update(
                        CaseWorkflow.decide, ApprovalDecision(approval_id="review", approver=supervisor, approve=True)
                    )

                async def decide_api(i: int) -> None:
                    r = await http.post(
                        f"/v1/cases/{api_ids[i]}/approvals/review",
                        json={"decision": "approve"},
                        headers={"Authorization": f"Bearer {tokens['wu.ops']}"},
                    )
                    assert r.status_code == 200, r.text

                decisions_direct = await _rate(n, concurrency, decide_direct)
                decisions_api = await _rate(n, concurrency, decide_api)
            server.should_exit = True
            await serving
    return {
        "cases_per_phase": n,
        "concurrency": concurrency,
        "opens_per_s": {
            "direct": round(opens_direct, 1),
            "api": round(opens_api, 1),
            "ratio": round(opens_api / opens_direct, 3),
        },
        "decisions_per_s": {
            "direct": round(decisions_direct, 1),
            "api": round(decisions_api, 1),
            "ratio": round(decisions_api / decisions_direct, 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    result = asyncio.run(measure(args.cases, args.concurrency))
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

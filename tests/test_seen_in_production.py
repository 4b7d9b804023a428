"""Seen in production (issue 14): the business figures the worker and the API expose are
the store's truth after real cases ran (time-skipping Temporal, a real worker, SQLite); the
SDK's own metrics appear when on; one trace links an API request to its workflow, its
activities and the outside HTTP call; and with the settings unset nothing listens and no
OpenTelemetry provider is installed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

import worker
from adapters.http import HttpPayment
from adapters.simulators.service import create_app as simulator_app
from api.app import create_app
from api.identity import Identity, subject_for_customer
from domain.actors import load_actors
from domain.models import Order
from domain.timeline import Entry
from runtime import tracing
from runtime.metrics import BUSINESS_METRICS, SDK_DASHBOARD_METRICS, serve_figures
from runtime.settings import ROOT, Settings
from service.context import Context
from store import CaseStore, figures, open_store
from tests.support import advance, until, wait_closed

ACTORS = load_actors(ROOT / "policies" / "actors.toml")
DEMO_ORDERS = ROOT / "starter" / "demo_data" / "orders.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_order(store: CaseStore, number: str = "SO-20261118-0002") -> Order:
    data = json.loads(DEMO_ORDERS.read_text(encoding="utf-8"))
    body = next(o for o in (data["orders"] if isinstance(data, dict) else data) if o["order_id"] == number)
    o = Order.model_validate({**body, "order_id": f"{number}-{uuid.uuid4().hex[:6]}"})
    store.save_order(o)
    return o


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every business sample of an exposition, keyed by name and labels."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.startswith("aftersales_") and s.name != "aftersales_figures_read_seconds":
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@dataclasses.dataclass
class Door:
    http: httpx.AsyncClient
    identity: Identity

    async def open(self, who: str, body: dict, *, customer: bool = False) -> str:
        token = self.identity.mint(subject_for_customer(who) if customer else who, 3600)
        r = await self.http.post("/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text
        return r.json()["case_id"]


@pytest.fixture
def fresh_store(tmp_path) -> CaseStore:
    """A store of this test's own, so every figure is exactly what its cases did."""
    return open_store(f"sqlite:///{tmp_path / 'cases.db'}")


def settings_for(tmp_path: Path, task_queue: str, store: CaseStore, **changes: object) -> Settings:
    return dataclasses.replace(
        Settings(),
        task_queue=task_queue,
        database_url=str(store.engine.url),
        policy="default",
        data_dir=tmp_path,
        auth_signing_key_file="",
        auth_jwks_url="",
        auth_issuer="aftersales-embedded",
        auth_audience="aftersales-api",
        **changes,
    )


@contextlib.asynccontextmanager
async def door_and_worker(
    client: Client, store: CaseStore, settings: Settings, outside: worker.Outside | None = None
) -> AsyncIterator[Door]:
    async with worker.build_worker(client, store, outside or worker.Outside.simulated(), settings):
        app = create_app(Context(settings=settings, client=client, store=store), Identity(settings, ACTORS))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            yield Door(http, app.state.identity)


# the business figures -------------------------------------------------------------------------
async def test_the_worker_and_the_api_expose_what_the_cases_did(env, fresh_store, tmp_path):
    tq = f"tq-{uuid.uuid4().hex[:8]}"
    settings = settings_for(tmp_path, tq, fresh_store, api_metrics=True)
    async with door_and_worker(env.client, fresh_store, settings) as door:
        # two refused parcels racing on one order (both pass the opening check): one is refunded,
        # the ledger refuses the other
        o = demo_order(fresh_store)
        racing = [
            await door.open("courier", {"kind": "return_refund", "order_id": o.order_id, "origin": "parcel_refused"})
            for _ in range(2)
        ]
        for case_id in racing:
            await wait_closed(env, case_id)
        # a customer's return nobody reviews: past the 24 h node it is breached, escalated and waiting
        other = demo_order(fresh_store)
        waiting = await door.open(other.customer_id, {"order_id": other.order_id, "reason": "漏了"}, customer=True)
        await advance(env, by=timedelta(hours=25))
        assert await until(lambda: any(e.kind == Entry.APPROVAL_REQUESTED for e in fresh_store.timeline(waiting)))

        r = await door.http.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        api = samples(r.text)
        port = free_port()
        server = serve_figures(f"127.0.0.1:{port}", fresh_store)
        try:
            async with httpx.AsyncClient() as http:
                scraped = await http.get(f"http://127.0.0.1:{port}/metrics")
        finally:
            server.shutdown()
        assert samples(scraped.text) == api, "the worker and the API report the same truth"
        assert "process_cpu_seconds_total" in scraped.text
        await env.client.get_workflow_handle(f"case-{waiting}").terminate("test over")

    def v(name: str, **labels: str) -> float | None:
        return api.get((name, tuple(sorted(labels.items()))))

    assert v("aftersales_figures_up") == 1
    assert v("aftersales_cases_opened_total", kind="return_refund") == 3
    assert v("aftersales_cases_closed_total", kind="return_refund", outcome="advance_compensated") == 1
    assert v("aftersales_cases_closed_total", kind="return_refund", outcome="refund_capped") == 1
    assert v("aftersales_cases_open", kind="return_refund", state="awaiting_review") == 1
    assert v("aftersales_sla_breaches_total", window="after_sales_node", event="sla_breached") == 1
    assert v("aftersales_payments_total", kind="refund") == 1
    assert v("aftersales_payments_fen_total", kind="refund") == o.paid_fen
    assert v("aftersales_reservations_refused_total", kind="refund") == 1
    assert v("aftersales_approvals_pending", role="return_specialist") == 1
    assert v("aftersales_approvals_pending", role="second_line") == 1
    assert v("aftersales_cases_needing_a_person") == 1  # the refused one
    assert {name for name, _ in api} <= set(BUSINESS_METRICS)


# on and off, in a worker process of its own -------------------------------------------------------
PROBE = textwrap.dedent("""
    import asyncio, json, os, sys, httpx
    import worker
    from runtime.settings import Settings

    def listening() -> list[int]:
        inodes = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                link = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        ports = []
        for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
            for line in open(table).read().splitlines()[1:]:
                f = line.split()
                if f[3] == "0A" and f[9] in inodes:
                    ports.append(int(f[1].rsplit(":", 1)[1], 16))
        return sorted(ports)

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run_worker(Settings(), stop))
        await asyncio.sleep(3)
        out = {"listening": listening(), "scraped": {}}
        async with httpx.AsyncClient() as http:
            for name in ("METRICS_BIND", "SDK_METRICS_BIND"):
                if os.environ.get(name):
                    out["scraped"][name] = (await http.get(f"http://{os.environ[name]}/metrics")).text
        from api.app import create_app
        from service.context import Context
        app = create_app(Context(), None)
        out["api_metrics_route"] = any(getattr(r, "path", "") == "/metrics" for r in app.routes)
        from opentelemetry import trace
        out["provider"] = type(trace.get_tracer_provider()).__name__
        out["loaded"] = sorted(m for m in ("prometheus_client", "opentelemetry.sdk", "temporalio.contrib.opentelemetry")
                               if m in sys.modules)
        stop.set()
        await task
        print(json.dumps(out))

    asyncio.run(main())
""")


def run_probe(env, tmp_path: Path, **extra: str) -> dict:
    e = {
        k: v
        for k, v in os.environ.items()
        if k not in ("METRICS_BIND", "SDK_METRICS_BIND", "OTEL_EXPORTER_OTLP_ENDPOINT")
    }
    e.update(
        TEMPORAL_ADDRESS=env.client.service_client.config.target_host,
        TASK_QUEUE=f"tq-{uuid.uuid4().hex[:8]}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}",
        AFTERSALES_DATA_DIR=str(tmp_path),
        **extra,
    )
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=e, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_the_settings_unset_nothing_listens_and_no_tracing_is_installed(env, tmp_path):
    out = run_probe(env, tmp_path)
    assert out["listening"] == [] and out["scraped"] == {} and out["api_metrics_route"] is False
    assert out["provider"] == "ProxyTracerProvider"  # the API's default: nobody installed one
    assert out["loaded"] == []


def test_when_on_the_worker_serves_the_business_figures_and_the_sdk_its_runtime_telemetry(env, tmp_path):
    business, sdk = free_port(), free_port()
    out = run_probe(env, tmp_path, METRICS_BIND=f"127.0.0.1:{business}", SDK_METRICS_BIND=f"127.0.0.1:{sdk}")
    assert out["listening"] == sorted([business, sdk])
    assert "aftersales_figures_up 1.0" in out["scraped"]["METRICS_BIND"]
    assert "aftersales_cases_opened_total" in out["scraped"]["METRICS_BIND"]
    telemetry = out["scraped"]["SDK_METRICS_BIND"]
    # the core's own: slots and polls of this worker (latencies appear once a task has run)
    assert "temporal_worker_task_slots_available" in telemetry and "temporal_num_pollers" in telemetry
    assert out["loaded"] == ["prometheus_client"]


async def test_the_sdk_serves_every_metric_the_dashboard_draws(env, fresh_store, tmp_path):
    port = free_port()
    settings = settings_for(tmp_path, f"tq-{uuid.uuid4().hex[:8]}", fresh_store, sdk_metrics_bind=f"127.0.0.1:{port}")
    client = await Client.connect(
        env.client.service_client.config.target_host,
        runtime=worker.sdk_runtime(settings),
        data_converter=env.client.data_converter,
    )
    async with door_and_worker(client, fresh_store, settings) as door:
        o = demo_order(fresh_store)
        await wait_closed(
            env,
            await door.open("courier", {"kind": "return_refund", "order_id": o.order_id, "origin": "parcel_refused"}),
        )
        async with httpx.AsyncClient() as http:
            served = {
                s.name
                for f in text_string_to_metric_families((await http.get(f"http://127.0.0.1:{port}/metrics")).text)
                for s in f.samples
            }
    missing = [
        m for m in SDK_DASHBOARD_METRICS if not any(n == m or n in (f"{m}_bucket", f"{m}_total") for n in served)
    ]
    assert not missing, sorted(served)


# one trace: request -> workflow -> activities -> outside call ------------------------------------
async def test_an_api_request_and_its_workflow_activities_and_outside_calls_share_one_trace(env, fresh_store, tmp_path):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind

    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing.activate(provider)
    port = free_port()
    payments = uvicorn.Server(
        uvicorn.Config(
            simulator_app(f"sqlite:///{tmp_path / 'sim.db'}"), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    served = asyncio.create_task(payments.serve())
    try:
        assert await until(lambda: payments.started)
        client = Client(**{**env.client.config(), "interceptors": tracing.client_interceptors()})
        outside = worker.Outside.simulated()
        outside.payment = HttpPayment(f"http://127.0.0.1:{port}/payment/v1", timeout=5)
        settings = settings_for(tmp_path, f"tq-{uuid.uuid4().hex[:8]}", fresh_store)
        async with door_and_worker(client, fresh_store, settings, outside) as door:
            o = demo_order(fresh_store)
            case_id = await door.open(
                "courier", {"kind": "return_refund", "order_id": o.order_id, "origin": "parcel_refused"}
            )
            await wait_closed(env, case_id)
    finally:
        tracing.deactivate()
        payments.should_exit = True
        await served

    finished = spans.get_finished_spans()
    request = next(s for s in finished if s.kind == SpanKind.SERVER and s.attributes.get("http.route") == "/v1/cases")
    trace_id = request.context.trace_id
    names = {s.name for s in finished if s.context.trace_id == trace_id}
    assert {"StartWorkflow:ReturnRefund", "RunWorkflow:ReturnRefund", "RunActivity:pay_refund"} <= names, sorted(names)
    outside_calls = [
        s
        for s in finished
        if s.kind == SpanKind.CLIENT
        and s.context.trace_id == trace_id
        and str(s.attributes.get("url.full") or s.attributes.get("http.url") or "").startswith(
            f"http://127.0.0.1:{port}/payment/v1"
        )
    ]
    assert outside_calls, sorted((s.name, dict(s.attributes)) for s in finished if s.kind == SpanKind.CLIENT)
    start = next(s for s in finished if s.name == "StartWorkflow:ReturnRefund")
    assert start.parent is not None and start.parent.trace_id == trace_id


# the queries themselves, on both databases ------------------------------------------------------
def test_the_figures_read_alike_on_sqlite_and_postgresql(any_store: CaseStore):
    from domain.models import CaseKind
    from tests.test_store import event, opening, payment

    now = datetime.now(timezone.utc)
    before = figures.read(any_store, now)
    waiting, failing = opening(kind=CaseKind.RETURN_REFUND), opening(kind=CaseKind.RETURN_REFUND)
    for o in (waiting, failing):
        any_store.open_case(o)
    w, f = waiting.case.case_id, failing.case.case_id
    any_store.record_event(event(w, 1, Entry.SLA_BREACHED, window="after_sales_node"))
    any_store.record_event(event(w, 2, Entry.PICKUP_OVERDUE, window="return_refund"))
    any_store.record_event(
        event(w, 3, Entry.APPROVAL_REQUESTED, approval_id="review", roles=["return_specialist", "second_line"])
    )
    any_store.record_payment(*payment(w, waiting.case.order.order_id, amount=990))
    any_store.record_event(event(f, 1, Entry.REFUND_CAPPED, payment_kind="refund", asked_fen=100, paid_fen=0))
    any_store.record_event(event(f, 2, Entry.CLOSED, state="closed", outcome="refund_capped"))
    after = figures.read(any_store, now)

    def delta(a: dict, b: dict) -> dict:
        return {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b) if b.get(k, 0) != a.get(k, 0)}

    assert delta(before.cases_opened, after.cases_opened) == {"return_refund": 2}
    assert delta(before.cases_closed, after.cases_closed) == {("return_refund", "refund_capped"): 1}
    assert delta(before.cases_open, after.cases_open) == {("return_refund", "awaiting_review"): 1}
    assert delta(before.breaches, after.breaches) == {
        ("after_sales_node", "sla_breached"): 1,
        ("return_refund", "pickup_overdue"): 1,
    }
    assert after.payments["refund"][0] - before.payments.get("refund", (0, 0))[0] == 1
    assert after.payments["refund"][1] - before.payments.get("refund", (0, 0))[1] == 990
    assert delta(before.reservations_refused, after.reservations_refused) == {"refund": 1}
    assert delta(before.approvals_pending, after.approvals_pending) == {"return_specialist": 1, "second_line": 1}
    assert after.needs_person - before.needs_person == 1

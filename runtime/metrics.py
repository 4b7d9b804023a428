"""What Prometheus scrapes (issue 14, "seen in production").

Two kinds of figures, from two sources:
- the business figures (cases opened and closed by kind and outcome, open cases by state,
  breaches by window, payments and refused reservations by kind, approvals pending by
  role) are read from the case store on every scrape (store/figures.py), so the worker and
  the API report the same truth and no workflow code emits anything (it must stay
  deterministic). The worker serves them on METRICS_BIND, the API at /metrics (API_METRICS);
- the Temporal SDK's own runtime telemetry (task latencies, slots, poll success) is served
  by the SDK core on SDK_METRICS_BIND, a port of its own: the core's endpoint cannot be
  merged into a Python registry without a second scrape inside the first.

Only imported when one of them is on: off, nothing listens and prometheus_client is not loaded."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from runtime import logs
from runtime.settings import Settings
from store import figures
from store.case_store import CaseStore

PREFIX = "aftersales"
# Every business metric this module defines (exposition names, `_total` included): the
# Grafana dashboard may query only these and the SDK's (tests/test_compose.py checks it).
BUSINESS_METRICS = (
    "aftersales_cases_opened_total",
    "aftersales_cases_closed_total",
    "aftersales_cases_open",
    "aftersales_sla_breaches_total",
    "aftersales_payments_total",
    "aftersales_payments_fen_total",
    "aftersales_reservations_refused_total",
    "aftersales_reservations_capped_total",
    "aftersales_approvals_pending",
    "aftersales_cases_needing_a_person",
    "aftersales_figures_up",
    "aftersales_figures_read_seconds",
)


def _bind(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"{address!r}: a metrics address is host:port")
    return host or "0.0.0.0", int(port)


class CaseFigures:
    """A Prometheus collector over the case store: one read per scrape."""

    def __init__(self, store: CaseStore, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.store, self.clock = store, clock

    def describe(self) -> list[Metric]:
        return []  # registering must not read the store

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        try:
            f = figures.read(self.store, self.clock())
        except Exception as e:
            logs.case_logger("-", component="metrics").warning("figures unreadable", error=type(e).__name__)
            yield GaugeMetricFamily(f"{PREFIX}_figures_up", "1 when the case store answered this scrape", value=0)
            return
        yield GaugeMetricFamily(f"{PREFIX}_figures_up", "1 when the case store answered this scrape", value=1)
        yield from _families(f)
        yield GaugeMetricFamily(
            f"{PREFIX}_figures_read_seconds",
            "time to read the figures from the case store",
            value=time.perf_counter() - started,
        )


def _families(f: figures.Figures) -> Iterator[Metric]:
    def family(cls: Any, name: str, doc: str, labels: list[str], values: Mapping[Any, float]) -> Metric:
        m = cls(f"{PREFIX}_{name}", doc, labels=labels)
        for key, value in sorted(values.items()):
            m.add_metric(list(key) if isinstance(key, tuple) else [key], value)
        return m

    yield family(CounterMetricFamily, "cases_opened", "cases opened, by kind", ["kind"], f.cases_opened)
    yield family(
        CounterMetricFamily, "cases_closed", "cases closed, by kind and outcome", ["kind", "outcome"], f.cases_closed
    )
    yield family(
        GaugeMetricFamily, "cases_open", "cases not closed yet, by kind and state", ["kind", "state"], f.cases_open
    )
    yield family(
        CounterMetricFamily,
        "sla_breaches",
        "windows that passed (timeline entries), by window and entry",
        ["window", "event"],
        f.breaches,
    )
    yield family(
        CounterMetricFamily, "payments", "payments made, by kind", ["kind"], {k: n for k, (n, _) in f.payments.items()}
    )
    yield family(
        CounterMetricFamily,
        "payments_fen",
        "money paid (fen), by kind",
        ["kind"],
        {k: fen for k, (_, fen) in f.payments.items()},
    )
    yield family(
        CounterMetricFamily,
        "reservations_refused",
        "payments the order's ledger refused (nothing left), by kind",
        ["kind"],
        f.reservations_refused,
    )
    yield family(
        CounterMetricFamily,
        "reservations_capped",
        "payments the ledger cut to what was left, by kind",
        ["kind"],
        f.reservations_capped,
    )
    yield family(
        GaugeMetricFamily,
        "approvals_pending",
        "approvals waiting on open cases, by role that may give them",
        ["role"],
        f.approvals_pending,
    )
    yield GaugeMetricFamily(
        f"{PREFIX}_cases_needing_a_person",
        "closed cases the engine could not finish (failed, refund_capped)",
        value=f.needs_person,
    )


def registry_for(store: CaseStore, *, process: bool = True) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CaseFigures(store))
    if process:
        ProcessCollector(registry=registry)
    return registry


def exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    return generate_latest(registry), CONTENT_TYPE_LATEST


def serve_figures(address: str, store: CaseStore) -> Any:
    """The worker's endpoint (any path answers, /metrics included); returns the server to shut down."""
    host, port = _bind(address)
    server, _thread = start_http_server(port, host, registry=registry_for(store))
    return server


def sdk_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime whose core serves its metrics on SDK_METRICS_BIND; None when off."""
    if not settings.sdk_metrics_bind:
        return None
    host, port = _bind(settings.sdk_metrics_bind)
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}")))


def figures_router(store_of: Callable[[], CaseStore]) -> Any:
    """The API's GET /metrics: unauthenticated, as Prometheus scrapes, so it is on only by
    API_METRICS and belongs on the internal network (README, "Seen in production")."""
    from fastapi import APIRouter, Response

    router = APIRouter()
    registries: list[CollectorRegistry] = []

    @router.get("/metrics", include_in_schema=False)
    def metrics() -> Response:  # sync: FastAPI runs it in a thread, the store read blocks no request
        if not registries:
            registries.append(registry_for(store_of()))
        body, content_type = exposition(registries[0])
        return Response(content=body, media_type=content_type)

    return router


# The SDK core's metrics the Grafana dashboard draws (latencies are histograms in
# milliseconds: `<name>_bucket`); tests/test_seen_in_production.py proves the core serves each.
SDK_DASHBOARD_METRICS = (
    "temporal_workflow_task_schedule_to_start_latency",
    "temporal_workflow_task_execution_latency",
    "temporal_activity_schedule_to_start_latency",
    "temporal_activity_execution_latency",
    "temporal_worker_task_slots_available",
    "temporal_worker_task_slots_used",
    "temporal_workflow_task_queue_poll_succeed",
    "temporal_num_pollers",
)

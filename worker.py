"""The worker: every case workflow and activity, the pydantic data converter, the
sandbox of runtime/sandbox.py, graceful shutdown on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.registry import activities_for
from adapters.simulators import CourierSimulator, PaymentSimulator, SimulatorConfig, WarehouseSimulator
from adapters.simulators.catalogue import CatalogueSimulator
from adapters.simulators.finance import FinanceSimulator
from adapters.simulators.platform import PlatformSimulator
from runtime import logs, tracing
from runtime.keys import load_keyring
from runtime.pushes import SignalPushes
from runtime.sandbox import sandbox_runner
from runtime.settings import Settings
from runtime.temporal import connect
from store import CaseStore, open_store
from workflows.registry import WORKFLOWS


@dataclass
class Outside:
    """The outside world as this worker sees it."""

    warehouse: Any
    courier: Any
    payment: Any
    platform: Any
    finance: Any
    catalogue: Any
    config: SimulatorConfig = field(default_factory=SimulatorConfig)

    @classmethod
    def simulated(cls, config: SimulatorConfig | None = None) -> Outside:
        config = config or SimulatorConfig()
        return cls(
            warehouse=WarehouseSimulator(config),
            courier=CourierSimulator(config),
            payment=PaymentSimulator(config),
            platform=PlatformSimulator(config),
            finance=FinanceSimulator(config),
            catalogue=CatalogueSimulator(config),
            config=config,
        )

    def push_with(self, pusher: Any) -> None:
        """The simulators push each event when it happens (config.pushes); real systems push by webhook."""
        for system in (self.warehouse, self.courier, self.platform):
            if hasattr(system, "announced"):
                system.announced.pusher = pusher

    @classmethod
    def from_settings(cls, settings: Settings) -> Outside:
        """ADAPTERS=http talks to the services at the configured URLs; inprocess keeps
        the simulators inside the worker."""
        if settings.adapters == "inprocess":
            return cls.simulated(simulator_config(settings))
        if settings.adapters != "http":
            raise ValueError(f"ADAPTERS={settings.adapters!r}: use inprocess or http")
        from adapters import http

        t = settings.http_timeout
        return cls(
            warehouse=http.HttpWarehouse(settings.warehouse_url, timeout=t),
            courier=http.HttpCourier(settings.courier_url, timeout=t),
            payment=http.HttpPayment(settings.payment_url, timeout=t),
            platform=http.HttpPlatform(settings.platform_url, timeout=t),
            finance=http.HttpFinance(settings.finance_url, timeout=t),
            catalogue=http.HttpCatalogue(settings.catalogue_url, timeout=t),
        )


def build_worker(
    client: Client, store: CaseStore, outside: Outside, settings: Settings | None = None, **overrides: Any
) -> Worker:
    settings = settings or Settings()
    options: dict[str, Any] = dict(
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities_for(store, outside, load_keyring(settings)),
        workflow_runner=sandbox_runner(),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_cached_workflows=settings.max_cached_workflows,
        graceful_shutdown_timeout=timedelta(seconds=10),
    )
    options.update(overrides)
    return Worker(client, **options)


def simulator_config(settings: Settings) -> SimulatorConfig:
    return SimulatorConfig.from_file(settings.simulator_config) if settings.simulator_config else SimulatorConfig()


async def run_worker(settings: Settings | None = None, stop: asyncio.Event | None = None) -> None:
    settings = settings or Settings()
    log = logs.case_logger("-", component="worker")
    tracing.start(settings, "aftersales-worker")
    client = await connect(settings, runtime=sdk_runtime(settings))
    store = open_store(settings.store_url)
    exposed = serve_figures(settings, store)
    outside = Outside.from_settings(settings)
    if outside.config.pushes:
        outside.push_with(SignalPushes(client))
    worker = build_worker(client, store, outside, settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started", task_queue=settings.task_queue, address=settings.temporal_address)
    try:
        async with worker:
            await stop.wait()
            log.info("worker stopping")
    finally:
        if exposed is not None:
            exposed.shutdown()
            exposed.server_close()
        tracing.stop()
    log.info("worker stopped")


def sdk_runtime(settings: Settings) -> Any:
    """The SDK's runtime serving its telemetry on SDK_METRICS_BIND, or None (the default runtime)."""
    if not settings.sdk_metrics_bind:
        return None
    from runtime.metrics import sdk_runtime as with_metrics

    return with_metrics(settings)


def serve_figures(settings: Settings, store: CaseStore) -> Any:
    """The business figures on METRICS_BIND, or None: off, nothing listens."""
    if not settings.metrics_bind:
        return None
    from runtime.metrics import serve_figures as serve

    return serve(settings.metrics_bind, store)


if __name__ == "__main__":
    _settings = Settings()
    logs.configure(_settings.log_level)
    asyncio.run(run_worker(_settings))

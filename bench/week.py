"""A simulated week on the time-skipping server under the real default policy: cases
of every driven kind arrive hour by hour in a supermarket's daily rhythm, the daily
sweeps run at their shop-time hours (bench/sweeps.py), the simulators behave, and every
window that passes unanswered is counted as a breach. The cases are spread over
`workers` worker processes on one task queue, as production scales out."""
from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from adapters.simulators import SimulatorConfig
from bench import drivers
from bench.drivers import Case
from bench.inbox import Inbox
from bench.servers import WorkerProcess, child_pid, cpu_seconds, memory_mb
from bench.sweeps import SweepClock, sweep_orders
from domain.policy import named_policy
from runtime.binaries import binary
from runtime.temporal import data_converter
from store import figures, open_store

# Share of a day's cases per local hour (UTC+8): quiet at night, peaks at lunch and evening.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 6, 6, 6, 6, 7, 8, 9, 9, 7, 4, 2]
TASK_QUEUE = "bench-week"


def arrivals(total: int, days: int, first_local_hour: int, seed: int = 11) -> list[int]:
    """Cases per hour slot over `days` days, following HOURLY."""
    hours = days * 24
    weights = [HOURLY[(first_local_hour + h) % 24] for h in range(hours)]
    slots = random.Random(seed).choices(range(hours), weights=weights, k=total)
    counts = Counter(slots)
    return [counts.get(h, 0) for h in range(hours)]


def breaches(store: Any) -> dict[str, int]:
    """Timeline entries that name a window (an SLA breach or an overdue wait): the same
    query the Prometheus collector exports as aftersales_sla_breaches_total (store/figures.py)."""
    return figures.breaches_by_window(figures.breaches(store))


def closed_cases(store: Any) -> int:
    """Closed cases, child cases included: aftersales_cases_closed_total summed."""
    return sum(figures.cases_closed(store).values())


def open_cases(store: Any) -> int:
    """Cases on record not yet closed, child cases included: aftersales_cases_open summed."""
    return sum(figures.cases_open(store).values())


async def simulated_week(total: int, workdir: Path, *, days: int = 7, drain_days: int = 14, workers: int = 2,
                         cache: int = 5000) -> dict[str, Any]:
    policy = named_policy("default")
    cases = drivers.mix(total, policy, seed=23)
    db = workdir / "week-cases.db"
    store = open_store(f"sqlite:///{db}")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"), data_converter=data_converter())
    began, driver_cpu = time.monotonic(), cpu_seconds()
    server_pid = child_pid("temporal-test-server")
    server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
    errors: Counter[str] = Counter()
    try:
        client = env.client
        start_time = await env.get_current_time()
        local_hour = (start_time.hour + policy.calendar.utc_offset_hours) % 24
        plan = arrivals(total, days, local_hour)
        sem = asyncio.Semaphore(64)
        answering: set[asyncio.Task[None]] = set()
        inbox = Inbox(db, every=3600, timeout=None)  # checked by settle(), not on a wall clock

        def people(answer: Any) -> None:
            """A case's people answer in the background as the case asks them."""
            async def run() -> None:
                try:
                    await answer
                except Exception as e:  # noqa: BLE001 - counted and reported
                    errors[f"answer {type(e).__name__}"] += 1
            task = asyncio.create_task(run())
            answering.add(task)
            task.add_done_callback(answering.discard)

        async def open_case(c: Case) -> None:
            async with sem:
                try:
                    handle = await client.start_workflow(c.workflow, c.input, id=c.workflow_id, task_queue=TASK_QUEUE)
                except Exception as e:  # noqa: BLE001 - counted and reported
                    errors[f"start {type(e).__name__}"] += 1
                    return
            people(c.answer(handle, inbox, client))

        async def settle() -> None:
            """Let the people answer what the last hour asked before time moves on."""
            await asyncio.to_thread(inbox.check)
            for _ in range(600):
                await asyncio.sleep(0.01)
                if len(answering) <= inbox.blocked:
                    return

        orders, scenarios = sweep_orders(start_time, days, per_day=max(1, total // days // 50))
        config = drivers.simulator_config(cases, SimulatorConfig(orders=orders, scenarios=scenarios).model_dump_json())
        clock = SweepClock(client, policy, TASK_QUEUE, inbox, people)
        settings = {"WORKER_MAX_CACHED_WORKFLOWS": str(cache)}
        procs = [WorkerProcess(client.service_client.config.target_host, TASK_QUEUE, f"sqlite:///{db}", config,
                               workdir / f"worker-week-{i}.log", env=settings) for i in range(workers)]
        failure, reached = None, 0.0
        async with contextlib.AsyncExitStack() as stack:
            for w in procs:
                await stack.enter_async_context(w)
            try:
                queue = iter(cases)
                for hour, count in enumerate(plan):
                    batch = [next(queue) for _ in range(count)]
                    await asyncio.gather(*(open_case(c) for c in batch))
                    await clock.run_due(await env.get_current_time())
                    await settle()
                    await env.sleep(3600)
                    reached = (hour + 1) / 24
                    if hour % 24 == 23:
                        print(f"… week: day {hour // 24 + 1}, {closed_cases(store)} closed, "
                              f"{time.monotonic() - began:.0f}s", flush=True, file=sys.stderr)
                for _ in range(drain_days * 4):
                    if closed_cases(store) >= total + clock.opened and open_cases(store) == 0:
                        break
                    await settle()
                    await env.sleep(6 * 3600)
            except Exception as e:  # noqa: BLE001 - e.g. the test server gone: reported with how far it got
                failure = f"{type(e).__name__}: {e}"
                print(f"… week: stopped on day {reached:.1f}: {failure}", flush=True, file=sys.stderr)
            memory = [w.memory() for w in procs]
            worker_cpu = sum(w.cpu() for w in procs)
            # it keeps every history in memory: what ran the 10,000-case week out before (issue 14)
            server_rss = memory_mb(server_pid).get("peak_rss_mb") if server_pid and Path(f"/proc/{server_pid}").exists() else None
        wall = time.monotonic() - began
        found = breaches(store)
        kinds = Counter(c.kind for c in cases)
        return dict(
            cases=total, days=days, closed=closed_cases(store), closed_by_kind=figures.closed_by_kind(figures.cases_closed(store)),
            wall_s=round(wall, 1),
            cases_per_s=round(total / wall, 2) if wall else 0.0, kinds=dict(kinds), sweeps=clock.summary(),
            sweep_cases=clock.opened, breaches=found, breach_total=sum(found.values()), errors=dict(errors),
            workers=workers, worker_cpu_s=round(worker_cpu, 1), driver_cpu_s=round(cpu_seconds() - driver_cpu, 1),
            server_cpu_s=round(cpu_seconds(server_pid) - server_cpu, 1) if server_pid and Path(f"/proc/{server_pid}").exists()
            else None, failure=failure, days_simulated=round(reached, 1),
            worker_peak_rss_mb=max(m.get("peak_rss_mb", 0) for m in memory), server_peak_rss_mb=server_rss,
        )
    finally:
        with contextlib.suppress(Exception):  # a test server that died has nothing left to stop
            await env.shutdown()
        store.engine.dispose()

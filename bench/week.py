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
import traceback
import zlib
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.api.testservice.v1 import SleepRequest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from adapters.simulators import SimulatorConfig
from bench import drivers
from bench.drivers import Case
from bench.inbox import Inbox
from bench.servers import WorkerProcess, child_pids, cpu_seconds, memory_mb
from bench.sweeps import SweepClock, sweep_orders
from domain.policy import named_policy
from runtime.binaries import binary
from runtime.temporal import data_converter
from store import figures, open_store

# Share of a day's cases per local hour (UTC+8): quiet at night, peaks at lunch and evening.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 7, 6, 6, 6, 6, 7, 8, 9, 9, 7, 4, 2]
TASK_QUEUE = "bench-week"
SLEEP_DEADLINE = timedelta(minutes=10)
TRANSIENT = (RPCStatusCode.UNKNOWN, RPCStatusCode.CANCELLED, RPCStatusCode.UNAVAILABLE)


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


class Shard:
    """One time-skipping server with its own worker process(es) on its own task queue
    and its own store: a slice of the week's cases, picked by order id, as Temporal's
    history shards split production's workflows. A test server keeps every history in
    memory and runs on one core at a time: one holding the whole 10,000-case week ran
    out of answers on day 3.8 at 875 MB (issue 14)."""

    def __init__(self, index: int, workdir: Path):
        self.index = index
        # shard 0 keeps the unsharded file name, so a one-shard week reads as before
        self.db = workdir / ("week-cases.db" if index == 0 else f"week-cases-{index}.db")
        self.store = open_store(f"sqlite:///{self.db}")
        self.inbox = Inbox(self.db, every=3600, timeout=None)  # checked by settle(), not on a wall clock
        self.task_queue = TASK_QUEUE if index == 0 else f"{TASK_QUEUE}-{index}"
        self.env: WorkflowEnvironment | None = None
        self.server_pid: int | None = None
        self.server_cpu = 0.0
        self.answering: set[asyncio.Task[None]] = set()  # its people, answering in the background
        self.reached = 0.0  # days simulated
        self.sleep_retries = 0

    async def start(self) -> None:
        known = set(child_pids("temporal-test-server"))
        self.env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=binary("temporal-test-server"), data_converter=data_converter()
        )
        self.server_pid = next(iter(set(child_pids("temporal-test-server")) - known), None)
        self.server_cpu = cpu_seconds(self.server_pid) if self.server_pid else 0.0

    @property
    def client(self) -> Any:
        assert self.env is not None
        return self.env.client

    async def sleep(self, seconds: float) -> None:
        """env.sleep with a deadline of our own: the server answers once every task due in
        the hour is done, which at a busy hour on a loaded machine outlasts the client's
        default deadline for a call ("RPCError: Timeout expired", the week's old stop)."""
        assert self.env is not None
        env = self.env
        until = await self._retried(lambda: env.get_current_time()) + timedelta(seconds=seconds)

        async def sleep_what_is_left() -> None:
            req = SleepRequest()
            req.duration.FromTimedelta(max(until - await env.get_current_time(), timedelta(0)))
            await self.client.test_service.unlock_time_skipping_with_sleep(req, timeout=SLEEP_DEADLINE)

        await self._retried(sleep_what_is_left)

    async def _retried(self, call: Any, tries: int = 5) -> Any:
        """A call to this shard's server, again after a dropped or cancelled call while the
        server lives: under load 10 to 18 the client saw "transport error" and "operation was
        canceled" from live servers, each of which ended a 10,000-case week before."""
        for attempt in range(tries):
            try:
                return await call()
            except RPCError as e:
                if e.status not in TRANSIENT or attempt == tries - 1 or not self.server_alive():
                    raise RPCError(f"shard {self.index}: {e.message}", e.status, e.raw_grpc_status) from e
                self.sleep_retries += 1
                await asyncio.sleep(0.5 * (attempt + 1))

    def server_alive(self) -> bool:
        return bool(self.server_pid) and Path(f"/proc/{self.server_pid}").exists()

    def server_figures(self) -> dict[str, Any]:
        """CPU since start and peak RSS of this shard's test server (None once it has gone)."""
        if not self.server_alive():
            return dict(cpu_s=None, peak_rss_mb=None)
        assert self.server_pid is not None
        return dict(
            cpu_s=round(cpu_seconds(self.server_pid) - self.server_cpu, 1),
            peak_rss_mb=memory_mb(self.server_pid).get("peak_rss_mb"),
        )

    async def stop(self) -> None:
        with contextlib.suppress(Exception):  # a test server that died has nothing left to stop
            if self.env is not None:
                await self.env.shutdown()
        self.store.engine.dispose()


# Cases per test server: its CPU per case grows with what it holds (every history, in
# memory): ~43 ms a case at 250 or 500 cases a server, 63 ms at 1,000, and one server
# holding 10,000 stopped answering on day 3.8 (bench/README.md, issue 14).
CASES_PER_SHARD = 625
MAX_SHARDS = 16


def shards_for(cases: int) -> int:
    return max(1, min(MAX_SHARDS, round(cases / CASES_PER_SHARD)))


def shard_of(case: Case, shards: int, home_share: float | None = None) -> int:
    """By order id, so cases about one order (a repeated complaint, a refund's ledger) meet in
    one store. Shard 0 takes `home_share` of the cases (default an equal share): less, when it
    also holds every case the sweeps open."""
    if shards == 1:
        return 0
    point = zlib.crc32(case.input.case.order.order_id.encode()) / 2**32
    share = 1 / shards if home_share is None else home_share
    if point < share:
        return 0
    return 1 + min(shards - 2, int((point - share) / (1 - share) * (shards - 1)))


def home_share(total: int, shards: int, swept: int) -> float:
    """Shard 0's share of the arriving cases so that, with the up to `swept` cases the sweeps
    open there, it holds what the others hold: in the first sharded 10,000-case run it held
    ~60 % more than any other shard, reached day 3 while they were at day 5 and set the wall."""
    if not total:
        return 0.0
    return max(0.0, (total + swept) / shards - swept) / total


def serving(worker: int, workers: int, shards: int) -> list[int]:
    """The shards worker process `worker` serves: each shard by one process when there are
    at least as many shards (a process runs one Worker per shard it serves), else each
    shard by several (as production scales a task queue out)."""
    if shards >= workers:
        return [i for i in range(shards) if i % workers == worker]
    return [worker % shards]


async def simulated_week(
    total: int,
    workdir: Path,
    *,
    days: int = 7,
    drain_days: int = 14,
    workers: int = 2,
    cache: int = 5000,
    shards: int = 1,
    log_level: str = "warning",
) -> dict[str, Any]:
    """`workers` worker processes in all, serving the `shards` between them (`serving`); they
    log at `log_level` (the bench reads the store, not the logs; info logs a line per activity)."""
    policy = named_policy("default")
    cases = drivers.mix(total, policy, seed=23)
    parts = [Shard(i, workdir) for i in range(shards)]
    began, driver_cpu = time.monotonic(), cpu_seconds()
    errors: Counter[str] = Counter()
    try:
        for shard in parts:
            await shard.start()
        home = parts[0]  # the sweeps run here, over the order source only its workers are told of
        start_time = await home.env.get_current_time()  # type: ignore[union-attr]
        local_hour = (start_time.hour + policy.calendar.utc_offset_hours) % 24
        plan = arrivals(total, days, local_hour)
        sem = asyncio.Semaphore(64)
        waited = Counter[str]()  # where the driver's wall time goes, summed over the shards

        def people(shard: Shard, answer: Any) -> None:
            """A case's people answer in the background as the case asks them."""

            async def run() -> None:
                try:
                    await answer
                except Exception as e:
                    errors[f"answer {type(e).__name__}"] += 1

            task = asyncio.create_task(run())
            shard.answering.add(task)
            task.add_done_callback(shard.answering.discard)

        async def open_case(shard: Shard, c: Case) -> None:
            async with sem:
                try:
                    handle = await shard.client.start_workflow(
                        c.workflow, c.input, id=c.workflow_id, task_queue=shard.task_queue
                    )
                except Exception as e:
                    errors[f"start {type(e).__name__}"] += 1
                    return
            people(shard, c.answer(handle, shard.inbox, shard.client))

        async def settle(shard: Shard) -> None:
            """Let the people answer what the last hour asked before time moves on."""
            t = time.monotonic()
            await asyncio.to_thread(shard.inbox.check)
            try:
                for _ in range(600):
                    await asyncio.sleep(0.01)
                    if len(shard.answering) <= shard.inbox.blocked:
                        return
                waited["settle_timeouts"] += 1
            finally:
                waited["settle_s"] += time.monotonic() - t

        async def sleep(shard: Shard, seconds: float) -> None:
            t = time.monotonic()
            await shard.sleep(seconds)
            waited["sleep_s"] += time.monotonic() - t

        def closed() -> int:
            return sum(closed_cases(s.store) for s in parts)

        orders, scenarios = sweep_orders(start_time, days, per_day=max(1, total // days // 50))
        share = home_share(total, shards, len(orders))

        def shard_for(c: Case) -> int:
            return shard_of(c, shards, share)

        clock = SweepClock(home.client, policy, home.task_queue, home.inbox, lambda answer: people(home, answer))
        settings = {"WORKER_MAX_CACHED_WORKFLOWS": str(cache), "LOG_LEVEL": log_level}
        served = []  # (address, task queue, store URL, simulators' JSON) per shard
        for shard in parts:
            mine = [c for c in cases if shard_for(c) == shard.index]
            base = SimulatorConfig(orders=orders, scenarios=scenarios) if shard is home else SimulatorConfig()
            served.append(
                (
                    shard.client.service_client.config.target_host,
                    shard.task_queue,
                    f"sqlite:///{shard.db}",
                    drivers.simulator_config(mine, base.model_dump_json()),
                )
            )
        procs = []
        for w in range(workers):
            mine = [served[i] for i in serving(w, workers, shards)]
            procs.append(WorkerProcess(*mine[0], workdir / f"worker-week-{w}.log", env=settings, also=mine[1:]))
        queue = iter(cases)
        hours = [[next(queue) for _ in range(count)] for count in plan]

        async def run_shard(shard: Shard) -> None:
            """The shard's own clock, hour by hour: a shard whose hour is done goes on to
            the next without waiting for the others, so no core idles at a busy hour of one."""
            for hour, arrived in enumerate(hours):
                t = time.monotonic()
                await asyncio.gather(*(open_case(shard, c) for c in arrived if shard_for(c) == shard.index))
                waited["open_s"] += time.monotonic() - t
                if shard is home:
                    t = time.monotonic()
                    # the planned hour, not the clock: the clock also runs on while the driver
                    # works (real seconds), and a reading just before the hour skipped a sweep
                    await clock.run_due(start_time + timedelta(hours=hour))
                    waited["sweeps_s"] += time.monotonic() - t
                await settle(shard)
                await sleep(shard, 3600)
                shard.reached = (hour + 1) / 24
                if hour % 24 == 23 and shard is home:
                    print(
                        f"… week: day {hour // 24 + 1} on shard 0, {closed()} closed on all, "
                        f"{time.monotonic() - began:.0f}s",
                        flush=True,
                        file=sys.stderr,
                    )
            expected = sum(1 for c in cases if shard_for(c) == shard.index)
            for _ in range(drain_days * 4):
                if (
                    closed_cases(shard.store) >= expected + (clock.opened if shard is home else 0)
                    and open_cases(shard.store) == 0
                ):
                    break
                await settle(shard)
                await sleep(shard, 6 * 3600)

        failure = None
        async with contextlib.AsyncExitStack() as stack:
            await asyncio.gather(*(stack.enter_async_context(w) for w in procs))
            try:
                async with asyncio.TaskGroup() as group:  # one shard failing stops the others
                    for shard in parts:
                        group.create_task(run_shard(shard))
            except* Exception as stopped:  # e.g. a test server gone: reported with how far it got
                e = stopped.exceptions[0]
                failure = f"{type(e).__name__}: {e}"
                traceback.print_exception(e)  # which call it was
                print(
                    f"… week: stopped on day {min(s.reached for s in parts):.1f}: {failure}",
                    flush=True,
                    file=sys.stderr,
                )
            reached = min(s.reached for s in parts)
            memory = [w.memory() for w in procs]
            worker_cpu = sum(w.cpu() for w in procs)
            # a test server keeps every history in memory: what ran the unsharded 10,000-case week out (issue 14)
            servers = [s.server_figures() for s in parts]
        wall = time.monotonic() - began
        found: Counter[str] = Counter()
        by_kind: dict[str, Counter[str]] = {}
        for s in parts:
            found.update(breaches(s.store))
            for kind, outcomes in figures.closed_by_kind(figures.cases_closed(s.store)).items():
                by_kind.setdefault(kind, Counter()).update(outcomes)
        kinds = Counter(c.kind for c in cases)
        server_cpu = [f["cpu_s"] for f in servers]
        server_rss = [f["peak_rss_mb"] for f in servers]
        return dict(
            cases=total,
            days=days,
            closed=closed(),
            closed_by_kind={k: dict(v) for k, v in by_kind.items()},
            wall_s=round(wall, 1),
            cases_per_s=round(total / wall, 2) if wall else 0.0,
            kinds=dict(kinds),
            sweeps=clock.summary(),
            sweep_cases=clock.opened,
            breaches=dict(found),
            breach_total=sum(found.values()),
            errors=dict(errors),
            shards=shards,
            cases_per_shard=[sum(1 for c in cases if shard_for(c) == i) for i in range(shards)],
            workers=workers,
            worker_cpu_s=round(worker_cpu, 1),
            driver_cpu_s=round(cpu_seconds() - driver_cpu, 1),
            server_cpu_s=round(sum(server_cpu), 1) if None not in server_cpu else None,
            server_cpu_per_shard_s=server_cpu,
            failure=failure,
            days_simulated=round(reached, 1),
            driver_wall_s={k: round(v, 1) for k, v in waited.items()},
            sleep_retries=sum(s.sleep_retries for s in parts),
            worker_peak_rss_mb=max(m.get("peak_rss_mb", 0) for m in memory),
            server_peak_rss_mb=max(server_rss) if None not in server_rss else None,
            server_peak_rss_per_shard_mb=server_rss,
            server_peak_rss_total_mb=round(sum(server_rss), 1) if None not in server_rss else None,
        )
    finally:
        for shard in parts:
            await shard.stop()

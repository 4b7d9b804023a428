"""The benchmark: the case engine against the engine floor, on this machine.

    .venv/bin/python -m bench.run [--cases 500] [--week-cases 10000] [--open-cases 1000] [--json bench/results.json]

1. throughput: N cases of the driven mix on the embedded dev server (SQLite, WAL),
   a worker in its own process, the bench policy's compressed windows;
2. the floor: a no-logic workflow with the same activities per case, same worker;
3. replay: every history of 1 and 2 through one Replayer;
4. a simulated week on the time-skipping server under the real default policy;
5. memory: the worker's RSS with N open cases waiting on their timers.
Prints a table and writes the figures as JSON. Absolute numbers drift on a shared
machine; ours/floor is the headline."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory

from bench import drivers
from bench.codec_cost import codec_cost
from bench.drivers import Case
from bench.floor import Floor
from bench.inbox import Inbox
from bench.people import no_answer
from bench.replay import replay_all
from bench.servers import WorkerProcess, cpu_seconds, dev_server
from bench.week import shards_for, simulated_week
from domain.policy import Policy, named_policy
from domain.timeline import Entry
from domain.windows import Window
from store import figures, open_store

TARGETS = {
    "throughput_ratio": (">=", 0.9),
    "p95_open_to_first_action_s": ("<", 1.0),
    "replay_events_per_s": (">=", 2000.0),
    "week_wall_s": ("<", 600.0),
    "open_cases_rss_mb": ("<", 300.0),
    "events_ratio": ("<=", 1.25),
    "replay_ratio": (">=", 1.0),
}
WEEK_TARGET_CASES = 10_000

# Pickups are received a second after booking, so a pickup case waits one poll.
BENCH_SIMULATORS = '{"default_receive_after": "1s", "pushes": true}'


@dataclass
class CaseRun:
    case: Case
    started: float = 0.0
    ended: float = 0.0
    error: str | None = None
    history: WorkflowHistory | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def history_metrics(history: WorkflowHistory) -> dict[str, Any]:
    """From the server's own timestamps: open → first completed activity (regular, or
    local, recorded as a marker), open → close."""
    events = history.events
    start = events[0].event_time.ToDatetime()
    first_action = closed = None
    regular = local = updates = signals = 0
    for e in events:
        done = False
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            regular += 1
            done = True
        elif (
            e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and e.marker_recorded_event_attributes.marker_name == "core_local_activity"
        ):
            local += 1
            done = True
        elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            updates += 1
        elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            signals += 1
        elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            closed = (e.event_time.ToDatetime() - start).total_seconds()
        if done and first_action is None:
            first_action = (e.event_time.ToDatetime() - start).total_seconds()
    return dict(
        events=len(events),
        activities=regular + local,
        local_activities=local,
        regular_activities=regular,
        updates=updates,
        signals=signals,
        first_action_s=first_action,
        close_s=closed,
    )


def children(history: WorkflowHistory) -> list[str]:
    return [
        e.child_workflow_execution_started_event_attributes.workflow_execution.workflow_id
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED
    ]


async def run_cases(
    client: Client, task_queue: str, cases: list[Case], concurrency: int, inbox: Inbox, rate: float | None = None
) -> tuple[list[CaseRun], float]:
    """Closed loop: `concurrency` cases in flight, each started, answered and awaited.
    With `rate`: open loop instead, a case opened every 1/rate seconds."""
    runs = [CaseRun(c) for c in cases]
    queue: asyncio.Queue[CaseRun] = asyncio.Queue()
    for r in runs:
        queue.put_nowait(r)

    async def one(r: CaseRun) -> None:
        r.started = time.monotonic()
        try:
            handle = await client.start_workflow(
                r.case.workflow, r.case.input, id=r.case.workflow_id, task_queue=task_queue
            )
            # the people answer while the case runs; an approver may wait for approvals never asked
            answering = asyncio.create_task(r.case.answer(handle, inbox, client))
            try:
                await handle.result()
            finally:
                answering.cancel()
                answering.add_done_callback(lambda t: t.cancelled() or t.exception())  # retrieved: no stray warning
            if answering.done() and not answering.cancelled() and answering.exception():
                raise answering.exception()  # type: ignore[misc]
        except Exception as e:
            r.error = f"{type(e).__name__}: {e}"
        r.ended = time.monotonic()

    async def lane() -> None:
        while not queue.empty():
            await one(queue.get_nowait())

    async def paced(i: int, r: CaseRun) -> None:
        await asyncio.sleep(i / rate)  # type: ignore[operator]
        await one(r)

    began = time.monotonic()
    if rate:
        await asyncio.gather(*(paced(i, r) for i, r in enumerate(runs)))
    else:
        await asyncio.gather(*(lane() for _ in range(min(concurrency, len(runs)))))
    wall = time.monotonic() - began

    sem = asyncio.Semaphore(32)

    async def fetch(r: CaseRun) -> None:
        async with sem:
            r.history = await client.get_workflow_handle(r.case.workflow_id).fetch_history()
            r.metrics = history_metrics(r.history)
            # a refund or reship child is part of the case: its work counts (and the floor does it too)
            for child_id in children(r.history):
                child = history_metrics(await client.get_workflow_handle(child_id).fetch_history())
                for k in ("events", "activities", "local_activities", "regular_activities", "updates", "signals"):
                    r.metrics[k] += child[k]

    await asyncio.gather(*(fetch(r) for r in runs))
    return runs, wall


def summary(runs: list[CaseRun], wall: float, memory: dict[str, float]) -> dict[str, Any]:
    ok = [r for r in runs if r.error is None]
    first = [r.metrics["first_action_s"] for r in ok if r.metrics.get("first_action_s") is not None]
    close = [r.metrics["close_s"] for r in ok if r.metrics.get("close_s") is not None]
    kinds: dict[str, int] = {}
    for r in runs:
        kinds[r.case.kind] = kinds.get(r.case.kind, 0) + 1
    return dict(
        cases=len(runs),
        failed=len(runs) - len(ok),
        errors=sorted({r.error for r in runs if r.error})[:5],
        wall_s=round(wall, 2),
        cases_per_s=round(len(ok) / wall, 2) if wall else 0.0,
        p50_open_to_first_action_s=round(percentile(first, 50), 3),
        p95_open_to_first_action_s=round(percentile(first, 95), 3),
        p50_open_to_close_s=round(percentile(close, 50), 3),
        p95_open_to_close_s=round(percentile(close, 95), 3),
        activities_per_case=round(statistics.mean(r.metrics["activities"] for r in ok), 2) if ok else 0.0,
        local_activities_per_case=round(statistics.mean(r.metrics["local_activities"] for r in ok), 2) if ok else 0.0,
        events_per_case=round(statistics.mean(r.metrics["events"] for r in ok), 1) if ok else 0.0,
        updates_per_case=round(statistics.mean(r.metrics.get("updates", 0) for r in ok), 2) if ok else 0.0,
        signals_per_case=round(statistics.mean(r.metrics.get("signals", 0) for r in ok), 2) if ok else 0.0,
        worker_peak_rss_mb=memory.get("peak_rss_mb"),
        kinds=kinds,
        events_per_kind=events_per_kind(ok),
    )


def store_figures(db: Path) -> dict[str, Any]:
    """What operators see of a run: cases closed by kind and outcome and breaches by window,
    read with the queries the Prometheus collector exports (store/figures.py: the
    aftersales_cases_closed_total and aftersales_sla_breaches_total series), not counted
    again here. Children, and the paced run's cases, are in the same store."""
    store = open_store(f"sqlite:///{db}")
    try:
        return {
            "closed_by_kind": figures.closed_by_kind(figures.cases_closed(store)),
            "breaches": figures.breaches_by_window(figures.breaches(store)),
            "still_open": sum(figures.cases_open(store).values()),
        }
    finally:
        store.engine.dispose()


def events_per_kind(ok: list[CaseRun]) -> dict[str, float]:
    """History events per case of each kind (its children included), so the costly kinds show."""
    by_kind: dict[str, list[int]] = {}
    for r in ok:
        by_kind.setdefault(r.case.kind, []).append(r.metrics["events"])
    return {k: round(statistics.mean(v), 1) for k, v in sorted(by_kind.items())}


class CpuMeter:
    """CPU seconds the server, the worker and this driver process spend during a run."""

    def __init__(self, client: Client, *workers: WorkerProcess):
        self.server_pid = getattr(client, "server_pid", None)
        self.worker_pids = [w.proc.pid for w in workers if w.proc]  # several processes on one task queue: summed
        self.used: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        return {
            "server": cpu_seconds(self.server_pid),
            "worker": sum(cpu_seconds(p) for p in self.worker_pids),
            "driver": cpu_seconds(),
        }

    async def idle(self, seconds: float = 3.0) -> None:
        """What the server and worker burn with nothing to do (timers, polls, the dev
        server's housekeeping), subtracted per second of the run: a run whose cases
        wait out long windows would otherwise be charged for the waiting."""
        before, t0 = self._now(), time.monotonic()
        await asyncio.sleep(seconds)
        after, took = self._now(), time.monotonic() - t0
        self.idle_rate = {k: (after[k] - before[k]) / took for k in ("server", "worker")}

    def __enter__(self) -> CpuMeter:
        self.began, self.t0 = self._now(), time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        end, took = self._now(), time.monotonic() - self.t0
        rate = getattr(self, "idle_rate", {})
        self.used = {k: max(0.0, end[k] - self.began[k] - rate.get(k, 0.0) * took) for k in end}
        self.idle_cpu_s = {k: round(v * took, 2) for k, v in rate.items()}

    def per_case(self, cases: int) -> dict[str, float]:
        return {k: round(v / max(cases, 1) * 1000, 1) for k, v in self.used.items()}


def capacity(cpu_ms: dict[str, float]) -> float:
    """Cases/s this machine's cores could carry at this CPU cost per case in the engine
    (Temporal server + worker; the scripted people are not the engine). The measured
    cases/s of a run is bounded by its cases' own windows instead: a held order waits
    out its compressed 48 h, an agent its appeal window, however fast the engine."""
    engine_s = (cpu_ms["server"] + cpu_ms["worker"]) / 1000
    return round((os.cpu_count() or 1) / engine_s, 2) if engine_s else 0.0


def floor_cases(ours: list[CaseRun], *, answered: bool = False, rulebook: bool = False) -> list[Case]:
    """One floor case per case of ours, running as many activities as that case did;
    `answered`: also taking as many Updates and signals, sent as its people and systems
    would; `rulebook`: answered, each answer against a deadline, with one version marker
    (bench/floor.py)."""
    cases = []
    answered = answered or rulebook
    for i, r in enumerate(ours):
        plan = [r.metrics.get("regular_activities", 0), r.metrics.get("local_activities", 0)]
        answer = no_answer
        if answered:
            updates, signals = r.metrics.get("updates", 0), r.metrics.get("signals", 0)
            plan += [updates, signals, int(rulebook)]
            answer = functools.partial(answer_floor, updates=updates, signals=signals)
        prefix = "floor-rulebook" if rulebook else "floor-answered" if answered else "floor"
        cases.append(Case(r.case.kind, "Floor", plan, f"{prefix}-{i:06d}-{r.case.workflow_id}", answer))
    return cases


async def answer_floor(handle: WorkflowHandle, _: Inbox, __: Client, *, updates: int, signals: int) -> None:
    """The answered floor's people and systems: one Update or signal at a time, the next
    sent once the last is answered, as a case's people answer what it asks."""
    for _n in range(signals):
        await handle.signal(Floor.pushed)
    for _n in range(updates):
        await handle.execute_update(Floor.answer)


async def open_cases_memory(client: Client, address: str, workdir: Path, count: int) -> dict[str, Any]:
    """`count` ReturnRefund cases under the real default policy, nobody answering: each
    waits on its 24 h review timer in the worker's cache."""
    policy = named_policy("default")
    cases = drivers.mix(count, policy, answered=False, kinds=[drivers.CaseKind.RETURN_REFUND])
    db = workdir / "memory-cases.db"
    async with WorkerProcess(address, "bench-memory", f"sqlite:///{db}", "{}", workdir / "worker-memory.log") as w:
        idle = w.memory()["rss_mb"]
        sem = asyncio.Semaphore(50)

        async def start(c: Case) -> None:
            async with sem:
                await client.start_workflow(c.workflow, c.input, id=c.workflow_id, task_queue="bench-memory")

        await asyncio.gather(*(start(c) for c in cases))
        waiting, deadline = 0, time.monotonic() + 300
        while waiting < count and time.monotonic() < deadline:
            await asyncio.sleep(1)
            with sqlite3.connect(db) as conn:
                waiting = conn.execute(
                    "select count(*) from case_events where kind = ?", (Entry.REVIEW_REQUESTED.value,)
                ).fetchone()[0]
        await asyncio.sleep(2)
        mem = w.memory()
    return dict(
        open_cases=count, waiting=waiting, idle_rss_mb=idle, rss_mb=mem["rss_mb"], peak_rss_mb=mem["peak_rss_mb"]
    )


def verdict(name: str, value: float | None) -> str:
    op, target = TARGETS[name]
    if value is None:
        return "n/a"
    ok = value >= target if op == ">=" else value <= target if op == "<=" else value < target
    return f"{'MET' if ok else 'MISSED'} (target {op} {target:g})"


def keep_histories(where: Path, runs: list[CaseRun]) -> None:
    """With --workdir: every history as JSON, to profile a replay at leisure."""
    where.mkdir(parents=True, exist_ok=True)
    for r in runs:
        if r.history:
            (where / f"{r.case.workflow_id}.json").write_text(r.history.to_json(), encoding="utf-8")


def bench_policy() -> Policy:
    """policies/bench.toml; a window added to the policy since (and so counted in days
    there) is taken from the demo policy, five times longer, so every clock is compressed."""
    policy, demo = named_policy("bench"), named_policy("demo")
    fixed = {}
    for group in ("windows", "polling"):
        table = getattr(policy, group)
        late = {
            name: Window(amount=getattr(getattr(demo, group), name).amount * 5, unit="s")
            for name in type(table).model_fields
            if isinstance(getattr(table, name), Window) and getattr(table, name).unit != "s"
        }
        if late:
            fixed[group] = table.model_copy(update=late)
    return policy.model_copy(update=fixed) if fixed else policy


async def main(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = dict(
        args=dict(vars(args)),
        undriven_kinds=drivers.undriven_kinds(),
        driven_kinds=[k.value for k in drivers.driven_kinds()],
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        cases = drivers.mix(args.cases, bench_policy())
        if args.cases or args.open_cases or args.scale_out:
            async with dev_server(workdir) as client:
                address = client.service_client.config.target_host
                if args.cases:
                    await throughput(client, address, workdir, cases, args, results)
                if args.scale_out:
                    results["scale_out"] = await scale_out(client, address, workdir, args)
                if args.open_cases:
                    results["memory"] = await open_cases_memory(client, address, workdir, args.open_cases)
                    progress(f"memory: {results['memory']['rss_mb']} MB")
        save(results, args.json)  # what is measured so far survives a failing week
        if args.week_cases:
            results["week"] = await simulated_week(
                args.week_cases,
                workdir,
                days=args.week_days,
                workers=args.week_workers,
                shards=args.week_shards or shards_for(args.week_cases),
                log_level=args.week_log_level,
            )
    return results


async def measured(
    client: Client, w: WorkerProcess, task_queue: str, cases: list[Case], concurrency: int, inbox: Inbox
) -> tuple[list[CaseRun], dict[str, Any]]:
    """Run `cases` on the worker `w` with its CPU metered (its idle burn measured first and
    taken out): the runs, and their summary with the engine's CPU per case."""
    cpu = CpuMeter(client, w)
    await cpu.idle()
    with cpu:
        runs, wall = await run_cases(client, task_queue, cases, concurrency, inbox)
    return runs, {
        **summary(runs, wall, w.memory()),
        "cpu_ms_per_case": cpu.per_case(len(cases)),
        "idle_cpu_s_subtracted": cpu.idle_cpu_s,
    }


async def throughput(
    client: Client, address: str, workdir: Path, cases: list[Case], args: argparse.Namespace, results: dict[str, Any]
) -> None:
    """Phases 1-3: our cases, the floor with the same activities per case, replay of both."""
    progress(f"dev server at {address}; {len(cases)} cases of {results['driven_kinds']}")
    db = workdir / "ours-cases.db"
    paced_pool = drivers.mix(min(len(cases), 100), bench_policy(), seed=99)
    simulators = drivers.simulator_config(cases + paced_pool, BENCH_SIMULATORS)  # each order as its driver meant
    async with (
        WorkerProcess(address, "bench-ours", f"sqlite:///{db}", simulators, workdir / "worker-ours.log") as w,
        Inbox(db) as inbox,
    ):
        ours_runs, results["ours"] = await measured(client, w, "bench-ours", cases, args.concurrency, inbox)
        progress(f"ours: {results['ours']['cases_per_s']} cases/s")
        rate = round(results["ours"]["cases_per_s"] * args.paced_load, 2)
        paced_cases = paced_pool[: max(1, int(rate * 60))]
        paced_runs, wall = await run_cases(client, "bench-ours", paced_cases, args.concurrency, inbox, rate=rate)
        results["ours_paced"] = {**summary(paced_runs, wall, w.memory()), "arrivals_per_s": rate}
    results["ours"].update(store_figures(db))
    db = workdir / "floor-cases.db"
    async with WorkerProcess(
        address, "bench-floor", f"sqlite:///{db}", BENCH_SIMULATORS, workdir / "worker-floor.log"
    ) as w:
        floor_runs, results["floor"] = await measured(
            client, w, "bench-floor", floor_cases(ours_runs), args.concurrency, Inbox(db)
        )
        progress(f"floor: {results['floor']['cases_per_s']} cases/s")
        _, results["floor_answered"] = await measured(
            client, w, "bench-floor", floor_cases(ours_runs, answered=True), args.concurrency, Inbox(db)
        )
        progress(f"answered floor: {results['floor_answered']['cases_per_s']} cases/s")
        _, results["floor_rulebook"] = await measured(
            client, w, "bench-floor", floor_cases(ours_runs, rulebook=True), args.concurrency, Inbox(db)
        )
        progress(f"rulebook floor: {results['floor_rulebook']['cases_per_s']} cases/s")
    for phase in ("ours", "floor", "floor_answered", "floor_rulebook"):
        results[phase]["capacity_cases_per_s"] = capacity(results[phase]["cpu_ms_per_case"])
    for phase in ("answered", "rulebook"):
        yardstick = results[f"floor_{phase}"]["capacity_cases_per_s"]
        results[f"{phase}_throughput_ratio"] = (
            round(results["ours"]["capacity_cases_per_s"] / yardstick, 3) if yardstick else None
        )
    floor_rate, floor_capacity = results["floor"]["cases_per_s"], results["floor"]["capacity_cases_per_s"]
    results["wall_throughput_ratio"] = round(results["ours"]["cases_per_s"] / floor_rate, 3) if floor_rate else None
    results["throughput_ratio"] = (
        round(results["ours"]["capacity_cases_per_s"] / floor_capacity, 3) if floor_capacity else None
    )
    if args.workdir:
        keep_histories(workdir / "histories", ours_runs + floor_runs)
    results["replay"] = await replay_all(
        [r.history for r in ours_runs if r.history], [r.history for r in floor_runs if r.history]
    )
    progress(f"replay: {results['replay']['ours']['events_per_s']} events/s")
    engine = results["ours"]["cpu_ms_per_case"]
    results["codec"] = await codec_cost(
        [r.history for r in ours_runs if r.history], len(ours_runs), engine["server"] + engine["worker"]
    )
    progress(
        f"codec: replay {results['codec']['replay_ratio']} of the clear rate, "
        f"capacity {results['codec'].get('capacity_ratio')} of it without the codec"
    )


async def scale_out(client: Client, address: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The production shape's cost: the same mix on one and on two worker processes on one
    task queue (SQLite store), and on one worker with the store on PostgreSQL. Each its own
    fresh cases (seeded alike) and store; capacity as in the throughput run."""
    out: dict[str, Any] = {}
    shapes = [("1 worker, SQLite", 1, ""), ("2 workers, SQLite", 2, ""), ("1 worker, PostgreSQL", 1, args.scale_out_pg)]
    for n, (label, workers, pg) in enumerate(shapes):
        if label.endswith("PostgreSQL") and not pg:
            continue
        tq = f"bench-scale-{n}"
        cases = drivers.mix(args.scale_out, bench_policy(), seed=100 + n)
        simulators = drivers.simulator_config(cases, BENCH_SIMULATORS)
        store = pg_database(pg, f"bench_scale_{os.getpid()}") if pg else f"sqlite:///{workdir / f'scale-{n}.db'}"
        procs = [
            WorkerProcess(address, tq, store, simulators, workdir / f"worker-scale-{n}-{i}.log") for i in range(workers)
        ]
        async with contextlib.AsyncExitStack() as stack:
            for w in procs:
                await stack.enter_async_context(w)
            inbox = await stack.enter_async_context(Inbox(store if pg else workdir / f"scale-{n}.db"))
            cpu = CpuMeter(client, *procs)
            await cpu.idle()
            with cpu:
                runs, wall = await run_cases(client, tq, cases, args.concurrency, inbox)
        per_case = cpu.per_case(len(cases))
        out[label] = {
            **{
                k: v
                for k, v in summary(runs, wall, {}).items()
                if k in ("cases", "failed", "cases_per_s", "events_per_case")
            },
            "cpu_ms_per_case": per_case,
            "capacity_cases_per_s": capacity(per_case),
        }
        progress(f"scale-out {label}: capacity {out[label]['capacity_cases_per_s']} cases/s")
    return out


def pg_database(admin_url: str, name: str) -> str:
    """A fresh PostgreSQL database for one run, on the server admin_url points at."""
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def progress(text: str) -> None:
    print(f"… {text}", file=sys.stderr, flush=True)


YARDSTICKS = {
    "answered": "the floor taking the same Updates and signals",
    "rulebook": "the answered floor, each answer against a deadline, one version marker",
}


def floor_events(r: dict[str, Any], kind: str) -> str:
    """The floor's events per case of a kind, the answered and rulebook floors' beside them."""
    plain = str(r["floor"].get("events_per_kind", {}).get(kind, "-"))
    more = [
        f"{phase} {v}"
        for phase in YARDSTICKS
        if (v := r.get(f"floor_{phase}", {}).get("events_per_kind", {}).get(kind)) is not None
    ]
    return f"{plain} ({', '.join(more)})" if more else plain


def yardstick_rows(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    if not r.get("floor_answered"):
        return []
    o = r["ours"]
    rows = [
        (
            "answered floor: Updates / signals per case",
            f"{o.get('updates_per_case')} / {o.get('signals_per_case')}",
            "",
        )
    ]
    for phase in YARDSTICKS:
        if a := r.get(f"floor_{phase}"):
            cpu = " / ".join(str(a["cpu_ms_per_case"][k]) for k in ("server", "worker"))
            rows += [
                (f"{phase} floor: events per case", "", str(a["events_per_case"])),
                (f"{phase} floor: capacity / CPU ms server / worker", "", f"{a['capacity_cases_per_s']} / {cpu}"),
            ]
    return rows


def yardstick_verdicts(r: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Ours against the answered and rulebook floors, and those floors against the plain
    one under the issue's targets: where the rulebook floor itself misses a target, no
    design that answers the rulebook's questions against their deadlines and keeps old
    histories replaying (workflow.patched) can meet it."""
    o, f = r["ours"], r["floor"]
    rows: list[tuple[str, Any, str]] = []
    for phase, what in YARDSTICKS.items():
        a = r.get(f"floor_{phase}")
        if not (a and a["events_per_case"] and f["events_per_case"]):
            continue
        own_capacity = round(a["capacity_cases_per_s"] / f["capacity_cases_per_s"], 3)
        own_events = round(a["events_per_case"] / f["events_per_case"], 2)
        rows += [
            (f"throughput ours/{phase} floor (capacity)", r[f"{phase}_throughput_ratio"], f"{what}; not the target"),
            (f"events per case ours/{phase} floor", round(o["events_per_case"] / a["events_per_case"], 2), ""),
            (
                f"throughput {phase} floor/floor (capacity)",
                own_capacity,
                f"its own: {verdict('throughput_ratio', own_capacity)}",
            ),
            (f"events per case {phase} floor/floor", own_events, f"its own: {verdict('events_ratio', own_events)}"),
        ]
    return rows


def throughput_rows(r: dict[str, Any], rows: list[tuple[str, str, str]], verdicts: list[tuple[str, Any, str]]) -> None:
    o, f, rp = r["ours"], r["floor"], r["replay"]
    rows += [
        ("", "ours", "floor"),
        ("cases (failed)", f"{o['cases']} ({o['failed']})", f"{f['cases']} ({f['failed']})"),
        ("cases/s measured (all in flight)", str(o["cases_per_s"]), str(f["cases_per_s"])),
        (
            "cases/s capacity (cores / engine CPU per case)",
            str(o["capacity_cases_per_s"]),
            str(f["capacity_cases_per_s"]),
        ),
        (
            "saturated: open→first action p50/p95 s",
            f"{o['p50_open_to_first_action_s']} / {o['p95_open_to_first_action_s']}",
            f"{f['p50_open_to_first_action_s']} / {f['p95_open_to_first_action_s']}",
        ),
        (
            "saturated: open→close p50 / p95 s",
            f"{o['p50_open_to_close_s']} / {o['p95_open_to_close_s']}",
            f"{f['p50_open_to_close_s']} / {f['p95_open_to_close_s']}",
        ),
        (
            "activities (local) / events per case",
            f"{o['activities_per_case']} ({o['local_activities_per_case']}) / {o['events_per_case']}",
            f"{f['activities_per_case']} ({f['local_activities_per_case']}) / {f['events_per_case']}",
        ),
        (
            "CPU ms/case server / worker / driver",
            " / ".join(str(v) for v in o["cpu_ms_per_case"].values()),
            " / ".join(str(v) for v in f["cpu_ms_per_case"].values()),
        ),
        (
            "idle CPU s subtracted server / worker",
            " / ".join(str(v) for v in o["idle_cpu_s_subtracted"].values()),
            " / ".join(str(v) for v in f["idle_cpu_s_subtracted"].values()),
        ),
        ("worker peak RSS MB", str(o["worker_peak_rss_mb"]), str(f["worker_peak_rss_mb"])),
        *yardstick_rows(r),
        *[(f"events per case: {k}", str(v), floor_events(r, k)) for k, v in o.get("events_per_kind", {}).items()],
        # from the store, by the collector's queries (aftersales_cases_closed_total, aftersales_sla_breaches_total)
        *[
            (f"closed (store figures): {k}", ", ".join(f"{outcome}={n}" for outcome, n in v.items()), "")
            for k, v in o.get("closed_by_kind", {}).items()
        ],
        (
            "breaches per window (store figures)",
            ", ".join(f"{k}={v}" for k, v in o.get("breaches", {}).items()) or "none",
            "",
        ),
        ("replay histories/s", str(rp["ours"]["histories_per_s"]), str(rp["floor"]["histories_per_s"])),
        ("replay events/s", str(rp["ours"]["events_per_s"]), str(rp["floor"]["events_per_s"])),
        ("replay failures", str(rp["ours"]["failures"]), str(rp["floor"]["failures"])),
    ]
    if "codec" in r:
        c = r["codec"]
        rows += [
            (
                "codec: replay events/s with / without",
                f"{c['replay_events_per_s_with_codec']} / {c['replay_events_per_s_without']}",
                "",
            ),
            (
                "codec: payloads per case / µs per payload / CPU ms per case",
                f"{c['payloads_per_case']} / {c['codec_us_per_payload']} / {c['codec_cpu_ms_per_case']}",
                "",
            ),
        ]
        verdicts += [
            ("codec cost: replay with/without", c["replay_ratio"], "the codec's cost on replay"),
            (
                "codec cost: capacity with/without",
                c.get("capacity_ratio"),
                "engine CPU per case with the codec's own CPU taken out",
            ),
        ]
    pc = r["ours_paced"]
    rows += [
        (f"paced at {pc['arrivals_per_s']} cases/s: cases (failed)", f"{pc['cases']} ({pc['failed']})", ""),
        (
            "paced: open→first action p50 / p95 s",
            f"{pc['p50_open_to_first_action_s']} / {pc['p95_open_to_first_action_s']}",
            "",
        ),
        ("paced: open→close p50 / p95 s", f"{pc['p50_open_to_close_s']} / {pc['p95_open_to_close_s']}", ""),
    ]
    verdicts += [
        ("THROUGHPUT ours/floor (capacity)", r["throughput_ratio"], verdict("throughput_ratio", r["throughput_ratio"])),
        ("throughput ours/floor (measured)", r["wall_throughput_ratio"], "bounded by the cases' own windows"),
        (
            "p95 open→first action s (paced)",
            pc["p95_open_to_first_action_s"],
            verdict("p95_open_to_first_action_s", pc["p95_open_to_first_action_s"]),
        ),
        (
            "replay events/s (ours)",
            rp["ours"]["events_per_s"],
            verdict("replay_events_per_s", rp["ours"]["events_per_s"]),
        ),
    ]
    if rp["floor"]["events_per_s"]:  # issue 14's replay target: the floor's rate in the same run
        ratio = round(rp["ours"]["events_per_s"] / rp["floor"]["events_per_s"], 2)
        verdicts.append(("replay events/s ours/floor", ratio, verdict("replay_ratio", ratio)))
    if f["events_per_case"]:
        ratio = round(o["events_per_case"] / f["events_per_case"], 2)
        verdicts.append(("events per case ours/floor", ratio, verdict("events_ratio", ratio)))
    verdicts += yardstick_verdicts(r)


def table(r: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str]] = [
        ("kinds in the mix", ", ".join(r["driven_kinds"]), ""),
        ("kinds without a driver", ", ".join(r["undriven_kinds"]) or "-", ""),
    ]
    verdicts: list[tuple[str, Any, str]] = []
    if "ours" in r:
        throughput_rows(r, rows, verdicts)
    for label, so in r.get("scale_out", {}).items():
        rows.append(
            (
                f"scale-out {label}: capacity cases/s",
                str(so["capacity_cases_per_s"]),
                "CPU ms/case server / worker "
                + " / ".join(str(so["cpu_ms_per_case"][k]) for k in ("server", "worker"))
                + f"; {so['cases']} cases ({so['failed']} failed)",
            )
        )
    if "memory" in r:
        m = r["memory"]
        rows.append(
            (
                "open cases waiting / worker RSS MB (idle)",
                f"{m['waiting']}/{m['open_cases']} / {m['rss_mb']} ({m['idle_rss_mb']})",
                "",
            )
        )
        verdicts.append(
            (f"RSS MB, {m['open_cases']} open cases", m["rss_mb"], verdict("open_cases_rss_mb", m["rss_mb"]))
        )
    if "week" in r:
        wk = r["week"]
        rows.append(("week: cases (closed) / days", f"{wk['cases']} ({wk['closed']}) / {wk['days']}", ""))
        rows.append(("week: + cases the sweeps opened", str(wk.get("sweep_cases", 0)), ""))
        rows.append(
            ("week: shards (test servers) / cases each", f"{wk.get('shards', 1)} / {wk.get('cases_per_shard')}", "")
        )
        rows.append(
            (
                "week: workers / worker CPU s / peak RSS MB",
                f"{wk['workers']} / {wk['worker_cpu_s']} / {wk['worker_peak_rss_mb']}",
                "",
            )
        )
        rows.append(
            (
                "week: CPU s test servers / driver",
                f"{wk.get('server_cpu_s')} {wk.get('server_cpu_per_shard_s')} / {wk['driver_cpu_s']}",
                "",
            )
        )
        rows.append(
            (
                "week: test server peak RSS MB each / total",
                f"{wk.get('server_peak_rss_per_shard_mb')} / {wk.get('server_peak_rss_total_mb')}",
                "",
            )
        )
        rows.append(("week: wall s / cases/s", f"{wk['wall_s']} / {wk['cases_per_s']}", ""))
        rows.append(
            ("week: driver wall s by step", ", ".join(f"{k}={v}" for k, v in wk.get("driver_wall_s", {}).items()), "")
        )
        rows.append(("week: kinds", ", ".join(f"{k}={v}" for k, v in wk["kinds"].items()), ""))
        rows.append(("week: sweeps", wk["sweeps"], ""))
        breaches = ", ".join(f"{k}={v}" for k, v in wk["breaches"].items()) or "none"
        rows.append(("week: breaches per window", breaches, ""))
        if wk.get("failure"):
            rows.append(("week: STOPPED", f"on day {wk['days_simulated']}: {wk['failure']}"[:120], ""))
        # the target is set for a 10,000-case week: a smaller week is labelled, never judged against it
        full = wk["cases"] >= WEEK_TARGET_CASES
        judged = (
            verdict("week_wall_s", wk["wall_s"])
            if full
            else f"NOT JUDGED: {wk['cases']} cases, the target is for {WEEK_TARGET_CASES:,}"
        )
        verdicts.append(
            (
                f"week wall s ({wk['cases']:,} cases)",
                wk["wall_s"],
                judged if not wk.get("failure") else "MISSED (did not finish)",
            )
        )
        verdicts.append(
            ("week breaches", wk["breach_total"], "MET (target 0)" if wk["breach_total"] == 0 else "MISSED (target 0)")
        )
    width = max(len(a) for a, _, _ in rows + [(v[0], "", "") for v in verdicts]) + 2
    lines = [f"{a:<{width}}{b:<28}{c}" for a, b, c in rows]
    lines.append("-" * (width + 50))
    lines += [f"{a:<{width}}{b!s:<28}{c}" for a, b, c in verdicts]
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=500, help="cases in the throughput run (and the floor's)")
    p.add_argument(
        "--concurrency",
        type=int,
        default=500,
        help="cases in flight at once (default: all of them), so the cases' own waits overlap",
    )
    p.add_argument(
        "--paced-load",
        type=float,
        default=0.5,
        help="latency run: cases arrive at this share of the measured throughput",
    )
    p.add_argument("--week-cases", type=int, default=10000, help="cases in the simulated week; 0 skips it")
    p.add_argument("--week-days", type=int, default=7, help="days the week's cases arrive over")
    p.add_argument(
        "--week-shards",
        type=int,
        default=0,
        help="time-skipping servers the week's cases are split over (by order id), side by side; "
        "0: one per ~625 cases, at most 16 (bench/week.py shards_for)",
    )
    p.add_argument(
        "--week-workers", type=int, default=2, help="worker processes of the week, serving its shards between them"
    )
    p.add_argument("--week-log-level", default="warning", help="the week's workers' LOG_LEVEL")
    p.add_argument(
        "--scale-out",
        type=int,
        default=0,
        help="cases per production shape (1 and 2 workers on SQLite, 1 on PostgreSQL); 0 skips it",
    )
    p.add_argument(
        "--scale-out-pg",
        default="postgresql+psycopg://root@127.0.0.1:5432/test",
        help="PostgreSQL admin URL for the scale-out's store run; empty skips that shape",
    )
    p.add_argument("--open-cases", type=int, default=1000, help="open cases for the memory figure; 0 skips it")
    p.add_argument("--json", default="bench/results.json", help="where the figures are written")
    p.add_argument("--workdir", default="", help="keep server, store and worker logs here (default: a temp dir)")
    return p.parse_args(argv)


async def cancellable(work: Any) -> Any:
    """SIGTERM cancels the run, so the servers and workers it started are stopped."""
    task = asyncio.ensure_future(work)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await task


def save(results: dict[str, Any], path: str) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


def cli(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    results = asyncio.run(cancellable(main(args)))
    print(table(results))
    save(results, args.json)
    return results


if __name__ == "__main__":
    cli()

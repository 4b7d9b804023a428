"""The benchmark keeps working: every phase at a tiny size (the figures themselves are
not asserted; they belong to bench/run.py's output, not to timed tests)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import drivers
from bench.run import bench_policy
from bench.week import arrivals, home_share, shard_of
from domain.models import CaseKind
from domain.policy import Windows, named_policy
from service.catalogue import KINDS

ROOT = Path(__file__).resolve().parent.parent


def run_bench(tmp_path: Path, *args: str) -> tuple[dict, str]:
    """`python -m bench.run ARGS` as an operator runs it (work files in tmp_path/work); its JSON
    results and what it printed."""
    out, work = tmp_path / "results.json", tmp_path / "work"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", *args, "--json", str(out), "--workdir", str(work)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def test_bench_policy_compresses_every_window_to_seconds():
    policy = bench_policy()
    for name in Windows.model_fields:
        window = getattr(policy.windows, name)
        assert window.unit == "s", f"{name} = {window}: the bench policy counts in seconds"
    assert policy.compensation == named_policy("default").compensation


def test_the_mix_covers_every_kind_and_arrivals_follow_the_day():
    assert drivers.undriven_kinds() == []
    # the rarest kinds come once in a hundred cases: 1,000 draws see every one
    cases = drivers.mix(1000, named_policy("bench"))
    assert {c.kind for c in cases} == {k.value for k in KINDS}
    for policy in (bench_policy(), named_policy("default")):  # every plan row builds a valid input
        for kind, driver in drivers.DRIVERS.items():
            assert {driver.case(n, policy).kind for n in range(20)} == {kind.value}
    plan = arrivals(1000, 7, first_local_hour=0)
    assert sum(plan) == 1000 and len(plan) == 7 * 24
    night, evening = sum(plan[d * 24 + 3] for d in range(7)), sum(plan[d * 24 + 20] for d in range(7))
    assert evening > 3 * night


def test_the_platform_answers_every_bench_oversold_check_within_the_window():
    """The simulator's default answer (4 h) is longer than the bench policy's whole window:
    left to it, every bench oversold case was a breach (and the week counts breaches)."""
    for policy in (bench_policy(), named_policy("default")):
        window = policy.windows.oversold_check
        asked = datetime(2026, 12, 3, 9, tzinfo=UTC)
        due = policy.calendar.deadline(asked, window)
        driver = drivers.DRIVERS[CaseKind.OVERSOLD]
        answers = [driver.case(n, policy).scenario for n in range(10)]
        in_time = [s for s in answers if s is not None and s.platform_answer_after is not None]
        assert len(in_time) == 10 and all(asked + s.platform_answer_after.plain < due for s in in_time), window
        assert sum(s.can_ship for s in in_time) == 2


def test_bench_runs_every_phase_small(tmp_path: Path):
    r, printed = run_bench(
        tmp_path,
        "--cases",
        "5",
        "--week-cases",
        "20",
        "--week-days",
        "1",
        "--open-cases",
        "10",
        "--scale-out",
        "4",
    )
    assert r["ours"]["cases"] == 5 and r["ours"]["failed"] == 0, r["ours"]["errors"]
    assert r["floor"]["failed"] == 0 and r["floor"]["activities_per_case"] == r["ours"]["activities_per_case"]
    assert r["throughput_ratio"] > 0
    # the answered floor took as many Updates as our cases did, each answered
    answered = r["floor_answered"]
    assert answered["failed"] == 0 and answered["updates_per_case"] == r["ours"]["updates_per_case"] > 0
    assert answered["events_per_case"] > r["floor"]["events_per_case"] and r["answered_throughput_ratio"] > 0
    # the rulebook floor: the same answers, each against a deadline (a timer), and one version marker per case
    rulebook = r["floor_rulebook"]
    assert rulebook["failed"] == 0 and rulebook["updates_per_case"] == answered["updates_per_case"]
    # Against the plain floor, whose activities it runs in the same order once the answers are
    # in: at least its marker and upsert, each Update's two events and each signal's one.
    # (Not against the answered floor: there answers share workflow tasks with activities,
    # so which of the two writes more tasks depends on timing; with 5 cases it flaked.)
    least = r["floor"]["events_per_case"] + 2 + 2 * rulebook["updates_per_case"] + rulebook["signals_per_case"]
    assert rulebook["events_per_case"] >= least - 0.2, (rulebook, r["floor"])  # each figure rounded to 0.1
    assert r["rulebook_throughput_ratio"] > 0
    assert "events per case rulebook floor/floor" in printed and "replay events/s ours/floor" in printed
    assert r["replay"]["ours"]["histories"] == 5 and r["replay"]["ours"]["failures"] == 0
    assert r["replay"]["floor"]["failures"] == 0
    assert r["memory"]["waiting"] == 10 and r["memory"]["rss_mb"] > 0
    # "closed" counts the children and the sweeps' cases too: the store says whether any is left open
    with sqlite3.connect(tmp_path / "work" / "week-cases.db") as conn:
        still_open = conn.execute("select count(*) from cases where outcome is null").fetchone()[0]
    assert still_open == 0 and r["week"]["closed"] >= 20 + r["week"]["sweep_cases"], r["week"]
    # per-kind figures come from the store by the Prometheus collector's queries (store/figures.py)
    assert sum(n for outcomes in r["week"]["closed_by_kind"].values() for n in outcomes.values()) == r["week"]["closed"]
    assert sum(n for outcomes in r["ours"]["closed_by_kind"].values() for n in outcomes.values()) >= 5
    assert r["week"]["breach_total"] == 0 and not r["week"]["errors"], (r["week"]["breaches"], r["week"]["errors"])
    assert "THROUGHPUT ours/floor" in printed
    assert set(r["ours"]["events_per_kind"]) == set(r["floor"]["events_per_kind"])  # per kind, ours against the floor
    assert {k: v["failed"] for k, v in r["scale_out"].items()} == {
        "1 worker, SQLite": 0,
        "2 workers, SQLite": 0,
        "1 worker, PostgreSQL": 0,
    }
    assert "NOT JUDGED: 20 cases" in printed  # a small week is labelled, never judged against the 10,000 target


def test_week_runs_sharded_over_two_test_servers(tmp_path: Path):
    """The week split by order id over two time-skipping servers, each with its own worker
    and store; the sweeps run on the first. Every case closes, none breaches, and each
    server's peak RSS is reported."""
    results, printed = run_bench(
        tmp_path,
        "--cases",
        "0",
        "--open-cases",
        "0",
        "--week-cases",
        "40",
        "--week-days",
        "1",
        "--week-shards",
        "2",
        "--week-workers",
        "1",
    )
    wk = results["week"]
    # shard 0 also holds the sweeps' cases (16 orders here), so it takes fewer of the 40
    assert wk["shards"] == 2 and sum(wk["cases_per_shard"]) == 40 and min(wk["cases_per_shard"]) > 0, wk
    for db in ("week-cases.db", "week-cases-1.db"):
        with sqlite3.connect(tmp_path / "work" / db) as conn:
            assert conn.execute("select count(*) from cases where outcome is null").fetchone()[0] == 0
    assert wk["closed"] >= 40 + wk["sweep_cases"] and wk["breach_total"] == 0 and not wk["errors"], wk
    assert len(wk["server_peak_rss_per_shard_mb"]) == 2 and all(m > 0 for m in wk["server_peak_rss_per_shard_mb"])
    assert "NOT JUDGED: 40 cases" in printed


def test_shard_zero_takes_fewer_cases_for_the_sweeps():
    cases = drivers.mix(2000, named_policy("default"))
    share = home_share(len(cases), 4, swept=200)
    counts = [sum(1 for c in cases if shard_of(c, 4, share) == i) for i in range(4)]
    assert sum(counts) == 2000 and share == (2200 / 4 - 200) / 2000
    assert abs(counts[0] + 200 - (2000 + 200) / 4) < 60, counts  # with the sweeps' cases, as much as the others
    assert all(abs(n - (2000 + 200) / 4) < 60 for n in counts[1:]), counts
    assert {shard_of(c, 4) for c in cases} == {0, 1, 2, 3} and all(shard_of(c, 1) == 0 for c in cases[:10])

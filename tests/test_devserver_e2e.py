"""The main job end to end on the embedded dev server: `aftersales up` as a user runs
it, on a temporary data directory and ports of its own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from store import open_store

AFTERSALES = str(Path(sys.executable).parent / "aftersales")
CLEARED = (
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "TEMPORAL_NAMESPACE",
    "TASK_QUEUE",
    "POLICY",
    "SIMULATOR_CONFIG",
    "ADAPTERS",
    "ACTORS_FILE",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def up(data: Path, *extra: str) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env["AFTERSALES_DATA_DIR"] = str(data)
    port = free_port()
    env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{port}"  # what another terminal sets to reach it
    env["API_URL"] = f"http://127.0.0.1:{free_port()}"
    env["XDG_CONFIG_HOME"] = str(data.parent / "config")  # no token kept by `aftersales login` elsewhere
    env.pop("AFTERSALES_TOKEN", None)
    return [AFTERSALES, "up", "--port", str(port), "--ui-port", str(free_port()), *extra], env


def another_terminal(env: dict[str, str], *argv: str, as_: str | None = None) -> subprocess.CompletedProcess[str]:
    """A command from another terminal on the server; `as_` first mints that actor a token
    (`aftersales token issue`, which needs the key in the data directory)."""
    if as_ is not None:
        minted = subprocess.run(
            [AFTERSALES, "token", "issue", "--actor", as_, "--ttl", "15m"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert minted.returncode == 0, minted.stderr
        env = {**env, "AFTERSALES_TOKEN": minted.stdout.strip()}
    return subprocess.run([AFTERSALES, *argv], env=env, capture_output=True, text=True, timeout=60)


def leftovers(data: Path) -> list[str]:
    """Processes still naming the data directory (the dev server's --db-filename)."""
    ps = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line for line in ps.splitlines() if str(data) in line and "ps -eo" not in line]


def check_batch(data: Path, summary: Path) -> list[dict]:
    cases = json.loads(summary.read_text(encoding="utf-8"))
    store = open_store(f"sqlite:///{data / 'cases.db'}")
    assert len(cases) >= 5
    for c in cases:
        row = store.get_case(c["case_id"])
        assert row is not None and row["outcome"] == c["expect"], (c, row)
        payments = store.payments(c["case_id"])
        if c["expect"] == "rejected":
            assert payments == []
        elif c["kind"] == "return_refund":
            assert len(payments) == 1 and payments[0]["kind"] == "refund", (c["case_id"], payments)
    return cases


def run_once(data: Path) -> list[dict]:
    before = set((data / "demo-runs").glob("*.json")) if (data / "demo-runs").exists() else set()
    argv, env = up(data, "--exit-after-demo")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (
        "5/5 cases reached their expected outcome" in done.stdout
        or "cases reached their expected outcome" in done.stdout
    )
    assert "Stopped the worker and the Temporal server" in done.stdout
    new = set((data / "demo-runs").glob("*.json")) - before
    assert len(new) == 1
    assert not leftovers(data)
    return check_batch(data, new.pop())


def test_up_runs_the_demo_batch_and_can_run_again(tmp_path: Path):
    data = tmp_path / "data"
    first = run_once(data)
    outcomes = {c["expect"] for c in first}
    assert {"refunded", "advance_compensated", "rejected"} <= outcomes
    assert (data / "temporal.db").exists()
    second = run_once(data)  # same data directory: the server resumes its SQLite file
    assert not {c["case_id"] for c in first} & {c["case_id"] for c in second}


def test_ctrl_c_stops_everything(tmp_path: Path):
    data = tmp_path / "data"
    argv, env = up(data)
    errors = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=errors, text=True, start_new_session=True)
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None and not any("Ctrl-C stops" in ln for ln in out):
            time.sleep(0.2)
        shown = "".join(out)
        assert "Ctrl-C stops" in shown, shown[-3000:] + (tmp_path / "stderr.txt").read_text()[-2000:]
        assert "http://localhost:" in shown and "aftersales open" in shown
        assert env["API_URL"] in shown and "aftersales token issue" in shown
        assert leftovers(data), "the dev server should be running while up"

        nobody = another_terminal(env, "open", "--order", "SO-20261118-0002", "--policy", "demo")
        assert nobody.returncode == 2 and "no credential" in nobody.stderr
        opened = another_terminal(
            env,
            "open",
            "--order",
            "SO-20261118-0002",
            "--lines",
            "OIL-ARAWANA-5L:1",
            "--policy",
            "demo",
            "--json",
            as_="li.first",
        )
        assert opened.returncode == 0, opened.stderr
        case_id = json.loads(opened.stdout)["case_id"]
        reviewed = another_terminal(env, "review", case_id, "approve", "--no-pickup", as_="zhao.returns")
        assert reviewed.returncode == 0, reviewed.stderr
        for _ in range(50):
            view = json.loads(another_terminal(env, "show", case_id, "--json", as_="li.first").stdout)
            if view["case"] and view["case"]["outcome"]:
                break
            time.sleep(0.3)
        assert view["case"]["outcome"] == "advance_compensated" and len(view["payments"]) == 1
        replayed = another_terminal(env, "replay", "--query", 'WorkflowType="ReturnRefund"')
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        assert "0 failed" in replayed.stdout and f"ok                case-{case_id}" in replayed.stdout

        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
        proc.wait(timeout=45)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        errors.close()
    reader.join(5)
    assert proc.returncode == 0, (tmp_path / "stderr.txt").read_text()[-2000:]
    assert "Stopped the worker and the Temporal server" in "".join(out)
    time.sleep(0.5)
    assert not leftovers(data), leftovers(data)


def test_up_over_http_starts_the_simulator_service_and_pays_through_it(tmp_path: Path):
    """`up --adapters http`: the main job also hosts the simulator service, and the worker
    reaches warehouse, courier and payment over HTTP; the service's ledger agrees with the store."""
    data = tmp_path / "data"
    argv, env = up(data, "--exit-after-demo", "--adapters", "http")
    sim = free_port()
    for system in ("warehouse", "courier", "payment", "platform", "finance", "catalogue"):
        env[f"{system.upper()}_URL"] = f"http://127.0.0.1:{sim}/{system}/v1"
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"over HTTP at http://127.0.0.1:{sim}" in done.stdout
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    cases = check_batch(data, next((data / "demo-runs").glob("*.json")))
    assert not leftovers(data)
    ledger = create_engine(f"sqlite:///{data / 'simulators.db'}")
    with ledger.connect() as c:
        keys = [k for (k,) in c.execute(text("SELECT idempotency_key FROM sim_ledger"))]
    refunded = [c["case_id"] for c in cases if c["kind"] == "return_refund" and c["expect"] != "rejected"]
    assert refunded and all(keys.count(f"{case_id}:refund") == 1 for case_id in refunded), keys

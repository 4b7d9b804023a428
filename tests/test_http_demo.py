"""The demo batch with every outside system over HTTP: the worker in its own process
with ADAPTERS=http against the simulator service, fed the demo's own simulator file.
Every case reaches the outcome it reaches in process, and the provider's ledger and
the case store agree payment for payment."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from adapters.simulators import SimulatorConfig
from adapters.simulators.service.app import faults_from
from store import open_store
from tests.outside_services import ROOT, DevServer, Simulators, WorkerProcess, free_port, wait_for_port

DEMO_SIMULATORS = ROOT / "starter" / "demo_data" / "simulators.json"


@pytest.fixture
def world(tmp_path):
    server = DevServer(tmp_path, persistent=False).start()
    sims = Simulators(tmp_path, faults_from(SimulatorConfig.from_file(DEMO_SIMULATORS))).start()
    try:
        yield server, sims, f"sqlite:///{tmp_path / 'cases.db'}"
    finally:
        sims.stop()
        server.stop()


async def test_the_demo_batch_over_http(world, tmp_path):
    server, sims, db = world
    open_store(
        db
    )  # migrated once, before the worker and the API both open it (as `aftersales migrate` does in compose)
    worker = WorkerProcess(server, sims, db, "aftersales", SIMULATOR_CONFIG=str(DEMO_SIMULATORS)).start()
    port = free_port()
    # the demo acts through the API, like everyone; both find the issuer's key in the same data directory
    env = {**worker.env, "API_URL": f"http://127.0.0.1:{port}", "AFTERSALES_DATA_DIR": str(tmp_path / "api")}
    api = subprocess.Popen([sys.executable, "-m", "starter.cli", "api", "--port", str(port)], cwd=ROOT, env=env)
    try:
        wait_for_port(port, api)
        demo = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "starter.cli", "demo", "--timeout", "120"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
    finally:
        api.terminate()
        api.wait(10)
        worker.stop()
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "reached their expected outcome" in demo.stdout

    ledger = await sims.ledger()
    stored = open_store(db).payments()
    assert ledger, "the demo paid nothing over HTTP"
    assert sorted((p["idempotency_key"], p["payment_id"], p["amount_fen"]) for p in stored) == sorted(
        (e["idempotency_key"], e["payment_id"], e["amount_fen"]) for e in ledger
    )
    assert len({e["idempotency_key"] for e in ledger}) == len(ledger)
    assert sum((await sims.stats())["calls"].values()) > len(ledger)

"""Real processes for the fault tests: a Temporal dev server on free ports (SQLite file,
so it can be stopped and started again), the simulator service, and workers in
subprocesses configured with ADAPTERS=http, as in production."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from adapters.simulators.service import FaultSettings
from adapters.simulators.service.app import SERVICES
from domain.actors import ActorRef, Role
from domain.models import CaseKind, LineQuantity, Order
from domain.policy import Policy, named_policy
from domain.returns import ReturnOrigin, ReturnRefundInput, ReviewDecision
from domain.windows import Window
from runtime.binaries import binary
from runtime.temporal import data_converter
from tests.factories import header

ROOT = Path(__file__).resolve().parent.parent
DEMO_POLICY = named_policy("demo")
# The demo policy with a roomier refund window, so a slow CI machine still meets it after
# a crash or an outage: the case is due 60 s after it opens and stops waiting for goods at 50 s.
ROOMY_POLICY = DEMO_POLICY.model_copy(
    update={
        "windows": DEMO_POLICY.windows.model_copy(update={"return_refund": Window.model_validate("60s")}),
        "polling": DEMO_POLICY.polling.model_copy(update={"refund_lead": Window.model_validate("10s")}),
    }
)
REVIEWER = ActorRef(actor_id="zhao.returns", role=Role.RETURN_SPECIALIST)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with status {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


class DevServer:
    """`temporal server start-dev`; when persistent, on a SQLite file that stop() and start() keep."""

    def __init__(self, directory: Path, *, persistent: bool = True):
        self.db = directory / "temporal.db" if persistent else None
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> DevServer:
        self.proc = subprocess.Popen(
            [
                binary("temporal"),
                "server",
                "start-dev",
                "--headless",
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--http-port",
                str(free_port()),
                "--metrics-port",
                str(free_port()),
                "--log-level",
                "error",
                *(["--db-filename", str(self.db)] if self.db else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    async def client(self) -> Client:
        deadline = time.monotonic() + 30
        while True:
            try:
                return await Client.connect(self.address, data_converter=data_converter())
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.3)


class Simulators:
    """`aftersales simulators` in a subprocess, with its admin API at hand."""

    def __init__(self, directory: Path, faults: FaultSettings | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{directory / 'simulators.db'}"
        self.faults_file = directory / "faults.json"
        self.faults_file.write_text((faults or FaultSettings()).model_dump_json())
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Simulators:
        with open(
            self.faults_file.with_name("simulators.log"), "ab"
        ) as log:  # hung calls cut at shutdown: kept, not shown
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "starter.cli",
                    "simulators",
                    "--port",
                    str(self.port),
                    "--database-url",
                    self.database_url,
                    "--faults",
                    str(self.faults_file),
                ],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def env(self) -> dict[str, str]:
        return {"ADAPTERS": "http", **{f"{s.upper()}_URL": f"{self.url}/{s}/v1" for s in SERVICES}}

    async def set_faults(self, faults: FaultSettings) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as c:
            (await c.put("/admin/faults", json=faults.model_dump(mode="json"))).raise_for_status()

    async def ledger(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as c:
            r = await c.get("/payment/v1/ledger")
            r.raise_for_status()
            return r.json()

    async def stats(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as c:
            return (await c.get("/admin/stats")).json()


class WorkerProcess:
    """`python worker.py` as a deployment runs it: its own process, settings from the environment."""

    def __init__(self, server: DevServer, simulators: Simulators, database_url: str, task_queue: str, **extra_env: str):
        self.env = {
            **self.base_env(),
            "TEMPORAL_ADDRESS": server.address,
            "TASK_QUEUE": task_queue,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "warning",
            **simulators.env(),
            **extra_env,
        }
        self.log = Path(database_url.removeprefix("sqlite:///")).parent / f"worker-{task_queue}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def base_env() -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(self) -> WorkerProcess:
        with open(self.log, "ab") as log:  # the SDK logs every retried attempt: kept, not shown
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "worker.py")], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, running activities are simply gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def return_case(
    *,
    pickup: bool = True,
    policy: Policy = DEMO_POLICY,
    the_order: Order | None = None,
    lines: tuple[LineQuantity, ...] = (),
) -> ReturnRefundInput:
    """A reviewed return that books a pickup, polls the warehouse and pays a refund:
    all three outside systems, on the demo policy (seconds instead of days)."""
    return ReturnRefundInput(
        case=header(CaseKind.RETURN_REFUND, the_order, case_id=f"F-{uuid.uuid4().hex[:12]}"),
        policy=policy,
        origin=ReturnOrigin.PROCESS_OUTCOME,
        decided=ReviewDecision(reviewer=REVIEWER, approve=True, pickup=pickup),
        lines=lines,
    )


def utcnow() -> datetime:
    return datetime.now(timezone.utc)

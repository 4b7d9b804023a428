"""The processes a bench run starts: the embedded dev server (SQLite file in WAL mode)
on free ports, and worker processes whose memory is read from /proc."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.client import Client

from runtime.binaries import binary
from runtime.settings import ROOT
from runtime.temporal import data_converter


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb(pid: int) -> dict[str, float]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a live process, in MB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    return found


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time a process (default: this one) has used so far."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(name: str) -> list[int]:
    """The pids of this process's children whose command line names `name` (e.g. the
    test servers the SDK started), to read their CPU time."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == me and name.encode() in cmdline:
            found.append(int(stat.parent.name))
    return found


def _stop(proc: subprocess.Popen, grace: float = 15) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@asynccontextmanager
async def dev_server(workdir: Path) -> AsyncIterator[Client]:
    """`temporal server start-dev` on a fresh SQLite file; yields a connected client."""
    port = free_port()
    cmd = [
        binary("temporal"),
        "server",
        "start-dev",
        "--headless",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--http-port",
        str(free_port()),
        "--metrics-port",
        str(free_port()),
        "--db-filename",
        str(workdir / "bench.db"),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "error",
    ]
    log = open(workdir / "devserver.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = await Client.connect(f"127.0.0.1:{port}", data_converter=data_converter())
                break
            except RuntimeError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dev server did not start; see {workdir / 'devserver.log'}") from None
                await asyncio.sleep(0.3)
        client.server_pid = proc.pid  # type: ignore[attr-defined]
        yield client
    finally:
        _stop(proc)
        log.close()


class WorkerProcess:
    """bench.worker_process in a child process, one per bench phase."""

    def __init__(
        self,
        address: str,
        task_queue: str,
        store_url: str,
        simulator_json: str,
        log_path: Path,
        env: dict[str, str] | None = None,
        also: list[tuple[str, str, str, str]] = (),
    ):  # type: ignore[assignment]
        """`also`: more (address, task queue, store URL, simulators' JSON), one Worker each in
        this same process (the sharded week's shards)."""
        self.args = [sys.executable, "-m", "bench.worker_process"]
        for n, (addr, queue, url, simulators) in enumerate([(address, task_queue, store_url, simulator_json), *also]):
            # the simulators' config goes by file: a week's orders and scenarios outgrow an argument
            config = log_path.with_suffix(f".simulators{f'-{n}' if n else ''}.json")
            config.write_text(simulators, encoding="utf-8")
            self.args += [addr, queue, url, str(config)]
        self.log_path = log_path
        self.env = env or {}
        self.proc: subprocess.Popen | None = None

    async def __aenter__(self) -> WorkerProcess:
        self.log = open(self.log_path, "w")
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=ROOT, env=env)
        line = await asyncio.to_thread(self.proc.stdout.readline)  # type: ignore[union-attr]
        if line.strip() != "ready":
            _stop(self.proc)
            raise RuntimeError(f"bench worker did not start; see {self.log_path}")
        return self

    def memory(self) -> dict[str, float]:
        assert self.proc is not None
        return memory_mb(self.proc.pid)

    def cpu(self) -> float:
        assert self.proc is not None
        return cpu_seconds(self.proc.pid)

    async def __aexit__(self, *exc: object) -> None:
        if self.proc:
            await asyncio.to_thread(_stop, self.proc)
        self.log.close()

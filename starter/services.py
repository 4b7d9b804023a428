"""Running the system: the embedded Temporal dev server, the worker, and `up`, the main
job (server + worker + demo batch, then stays up until Ctrl-C).

The server runs in its own session so Ctrl-C reaches only us: we stop the worker
first, then the server, and leave nothing running behind."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest

from runtime import logs, tracing
from runtime.binaries import binary
from runtime.settings import Settings
from runtime.temporal import connect
from service.context import Context
from starter.cli import CliError

T = TypeVar("T")

SERVER_START_TIMEOUT = 60.0


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if we are killed outright, so it never outlives us."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclasses.dataclass
class DevServer:
    """The embedded Temporal server, persisted to <data>/temporal.db (SQLite, WAL)."""

    data_dir: Path
    port: int = 7233
    ui_port: int = 8233
    namespace: str = "default"
    process: subprocess.Popen[bytes] | None = None
    reused: bool = False

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "temporal.log"

    def command(self) -> list[str]:
        return [
            binary("temporal"),
            "server",
            "start-dev",
            "--db-filename",
            str(self.data_dir / "temporal.db"),
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--namespace",
            self.namespace,
            "--log-level",
            "warn",
        ]

    def start(self) -> None:
        """Start the server, or reuse one already listening on the port."""
        if listening("127.0.0.1", self.port):
            self.reused = True
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        finally:
            log.close()

    async def ready(self, settings: Settings, timeout: float = SERVER_START_TIMEOUT) -> None:
        """Wait until the frontend answers and the namespace exists."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise CliError(
                    f"the Temporal server exited with status {self.process.returncode}; "
                    f"see {self.log_path}: {self._log_tail()}"
                )
            try:
                client = await connect(settings)
                await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=settings.namespace))
                return
            except Exception as e:
                last = str(e).splitlines()[0] if str(e) else type(e).__name__
            await asyncio.sleep(0.3)
        raise CliError(
            f"the Temporal server at {self.address} did not become ready in {timeout:.0f}s ({last}); "
            f"see {self.log_path}"
        )

    def stop(self, timeout: float = 15.0) -> None:
        p = self.process
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)

    def _log_tail(self) -> str:
        try:
            lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return ""
        return lines[-1][:300] if lines else ""


def local_settings(settings: Settings, port: int | None) -> Settings:
    """Settings pointing at the embedded server on `port` (default: TEMPORAL_ADDRESS's port)."""
    if port is None:
        port = int(settings.temporal_address.rsplit(":", 1)[-1])
    return dataclasses.replace(settings, temporal_address=f"127.0.0.1:{port}")


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def _server_for(settings: Settings, ui_port: int | None) -> DevServer:
    port = int(settings.temporal_address.rsplit(":", 1)[-1])
    return DevServer(settings.data_dir, port=port, ui_port=ui_port or port + 1000, namespace=settings.namespace)


# server ----------------------------------------------------------------------------
async def cmd_server(args: argparse.Namespace, ctx: Context) -> int:
    settings = local_settings(ctx.settings, args.port)
    server = _server_for(settings, args.ui_port)
    stop = asyncio.Event()
    _on_signals(stop)
    server.start()
    try:
        if server.reused:
            raise CliError(f"something already listens on {server.address}; is a server running?")
        await server.ready(settings)
        ctx.say(
            f"Temporal dev server at {server.address} (namespace {settings.namespace}); "
            f"UI http://localhost:{server.ui_port}; state {server.data_dir / 'temporal.db'}; log {server.log_path}"
        )
        ctx.say("Ctrl-C stops it.")
        await stop.wait()
    finally:
        server.stop()
    return 0


# worker ------------------------------------------------------------------------------
async def cmd_worker(args: argparse.Namespace, ctx: Context) -> int:
    from worker import run_worker

    settings = ctx.settings
    logs.configure(settings.log_level)
    try:
        await run_worker(settings)
    except RuntimeError as e:
        raise CliError(f"worker cannot start: {str(e).splitlines()[0]}") from None
    return 0


# migrate -------------------------------------------------------------------------------
async def cmd_migrate(args: argparse.Namespace, ctx: Context) -> int:
    """Bring the case store's schema up to date (every command also does this on first use)."""
    ctx.cases()
    ctx.say(f"case store {_shown_url(ctx.settings.store_url)} is up to date")
    return 0


# demo ----------------------------------------------------------------------------------
async def cmd_demo(args: argparse.Namespace, ctx: Context) -> int:
    """The demo batch through a running API (docker compose, or a second terminal), with tokens
    minted from the embedded issuer's key: it runs where the API's data directory is."""
    from starter.demo import run_demo

    cases = await run_demo(ctx, timeout=args.timeout)
    return 0 if all(c.outcome == c.expect for c in cases) else 1


# up: the main job ------------------------------------------------------------------------
async def cmd_up(args: argparse.Namespace, ctx: Context) -> int:
    from starter.demo import DEMO_SIMULATORS, run_demo
    from worker import run_worker

    stop = asyncio.Event()
    _on_signals(stop)
    settings = local_settings(ctx.settings, args.port)
    if not settings.simulator_config:
        settings = dataclasses.replace(settings, simulator_config=str(DEMO_SIMULATORS))
    if args.adapters:
        settings = dataclasses.replace(settings, adapters=args.adapters)
    ctx.settings = settings
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    worker_log = (data / "worker.log").open("a", encoding="utf-8")
    logs.configure(settings.log_level, stream=worker_log)
    tracing.start(settings, "aftersales")  # the worker and the API below share the process's one provider

    server = _server_for(settings, args.ui_port)
    server.start()
    worker_task: asyncio.Task[None] | None = None
    simulators: asyncio.Task[int] | None = None
    api: asyncio.Task[None] | None = None
    status = 0
    try:
        if server.reused:
            ctx.say(f"Temporal server: reusing the one already at {server.address}")
        else:
            ctx.say(
                f"Temporal server: starting at {server.address} (state {data / 'temporal.db'}, log {server.log_path})"
            )
        await _until(stop, server.ready(settings))
        if stop.is_set():
            return 130
        if settings.adapters == "http":
            simulators = await _start_simulators(ctx, stop)
            ctx.say(f"Simulators: serving warehouse, courier, payment, … over HTTP at {simulators.get_name()}")
        worker_task = asyncio.create_task(run_worker(settings, stop))
        ctx.say(
            f"Worker: running in this process on task queue {settings.task_queue!r} (log {data / 'worker.log'}); "
            f"case store {_shown_url(settings.store_url)}"
        )
        api = await _start_api(ctx, stop)
        ctx.say(
            f"API: {settings.api_url}/v1 (OpenAPI at {settings.api_url}/docs); every request needs a token: "
            f"`aftersales token issue --actor wu.ops` (or --customer ID)"
        )
        _say_console(ctx)
        ctx.say("")
        demo = asyncio.create_task(run_demo(ctx))
        finished = await _until(stop, demo, also=worker_task)
        if finished is None:
            ctx.say("Stopping before the demo batch finished.")
            status = 130
        else:
            if not all(c.outcome == c.expect for c in finished):
                status = 1
            if not args.exit_after_demo:
                _say_still_up(ctx, settings, server)
                await _until(stop, stop.wait(), also=worker_task)
    finally:
        stop.set()
        if worker_task is not None:
            try:
                await asyncio.wait_for(worker_task, 30)
            except BaseException as e:
                if not isinstance(e, (asyncio.CancelledError, asyncio.TimeoutError)):
                    print(f"aftersales: worker stopped with an error: {e}", file=sys.stderr)
        if simulators is not None:
            await asyncio.wait({simulators}, timeout=10)
        if api is not None:
            await asyncio.wait({api}, timeout=10)
        if server.process is not None:
            server.stop()
            ctx.say(f"Stopped the worker and the Temporal server. State is kept in {data}.")
        else:
            ctx.say("Stopped the worker.")
        worker_log.close()
    return status


async def _start_simulators(ctx: Context, stop: asyncio.Event) -> asyncio.Task[int]:
    """The simulator service in this process, at the host and port PAYMENT_URL names,
    with the demo's scripted scenarios; it stops with everything else."""
    from urllib.parse import urlsplit

    from starter import simulators

    settings = ctx.settings
    where = urlsplit(settings.payment_url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    args = argparse.Namespace(
        host=host, port=port, database_url=None, faults=None, seed=None, openapi=None, webhook_url=None, stop=stop
    )
    service = asyncio.create_task(simulators.run(args, ctx), name=f"http://{host}:{port}")
    for _ in range(200):
        if listening(host, port):
            return service
        if service.done():
            raise CliError(f"the simulator service did not start on {host}:{port}: {service.exception()}")
        await asyncio.sleep(0.05)
    raise CliError(f"the simulator service did not start on {host}:{port} within 10 s")


def _say_console(ctx: Context) -> None:
    """The console's address and a sign-in per demo person (the embedded issuer mints on the page)."""
    from console.session import DEMO_PEOPLE

    url = ctx.settings.api_url
    ctx.say(f"Console: {url}/console  (sign in at {url}/console/login with one click as any of:")
    ctx.say("         " + ", ".join(p.subject for p in DEMO_PEOPLE) + ";")
    ctx.say("         or paste a token from `aftersales token issue --actor ID` / `--customer ID`)")


async def _start_api(ctx: Context, stop: asyncio.Event) -> asyncio.Task[None]:
    """The case API in this process, at API_URL's host and port; it stops with everything else."""
    from urllib.parse import urlsplit

    import uvicorn

    from starter.front_door import build_app

    where = urlsplit(ctx.settings.api_url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    await ctx.temporal()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(ctx, demo_sign_in=True),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
    )

    async def serve() -> None:
        stopping = asyncio.create_task(stop.wait())
        serving = asyncio.create_task(server.serve())
        await asyncio.wait({stopping, serving}, return_when=asyncio.FIRST_COMPLETED)
        server.should_exit = True
        stopping.cancel()
        await serving

    task = asyncio.create_task(serve(), name=ctx.settings.api_url)
    for _ in range(200):
        if listening(host, port):
            return task
        if task.done():
            raise CliError(f"the API did not start on {host}:{port}: {task.exception()}")
        await asyncio.sleep(0.05)
    raise CliError(f"the API did not start on {host}:{port} within 10 s")


async def _until(stop: asyncio.Event, aw: Awaitable[T], also: asyncio.Task[None] | None = None) -> T | None:
    """Await `aw` unless Ctrl-C comes first (None then). A worker dying is an error."""
    task = asyncio.ensure_future(aw)
    stopper = asyncio.create_task(stop.wait())
    waiting = {task, stopper} | ({also} if also else set())
    done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if also is not None and also in done and task not in done:
        task.cancel()
        exc = also.exception() if not also.cancelled() else None
        if exc:
            raise CliError(f"the worker stopped: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        return None
    if task in done:
        return task.result()
    task.cancel()
    return None


def _shown_url(url: str) -> str:
    if "@" in url:  # keep credentials off the screen
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def _say_still_up(ctx: Context, settings: Settings, server: DevServer) -> None:
    env = []
    if settings.temporal_address != "127.0.0.1:7233":
        env.append(f"TEMPORAL_ADDRESS={settings.temporal_address}")
    if os.environ.get("AFTERSALES_DATA_DIR"):
        env.append(f"AFTERSALES_DATA_DIR={settings.data_dir}")
    if os.environ.get("DATABASE_URL"):
        env.append("DATABASE_URL=…")
    if os.environ.get("AFTERSALES_KEY_FILE"):  # the same keyring, or nothing there can read the histories
        env.append(f"AFTERSALES_KEY_FILE={settings.key_file}")
    prefix = (" ".join(env) + " ") if env else ""
    ctx.say("The system is up.")
    ctx.say(f"  Temporal UI:  http://localhost:{server.ui_port}/namespaces/{settings.namespace}/workflows")
    ctx.say(f"  Case API:     {settings.api_url}/v1  (OpenAPI: {settings.api_url}/docs)")
    _say_console(ctx)
    ctx.say("  From another terminal (in this directory), get a credential, then act:")
    ctx.say(f"    export AFTERSALES_TOKEN=$({prefix}.venv/bin/aftersales token issue --actor li.first --ttl 8h)")
    ctx.say(f"    {prefix}.venv/bin/aftersales open --order SO-20261118-0002 --reason '破损' --policy demo")
    ctx.say(
        f"    AFTERSALES_TOKEN=$({prefix}.venv/bin/aftersales token issue --actor zhao.returns) "
        f".venv/bin/aftersales review <CASE_ID> approve --pickup"
    )
    ctx.say(f"    {prefix}.venv/bin/aftersales show <CASE_ID>      # or: list, kinds, approvals list, audit")
    ctx.say("  Payloads are encrypted (keyring: AFTERSALES_KEY_FILE or the data directory's keys.json); to read them:")
    ctx.say(f"    {prefix}CODEC_TOKEN=<secret> .venv/bin/aftersales codec-server   # README: Privacy")
    ctx.say("  Ctrl-C stops the worker and the server.")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("server", help="run the embedded Temporal dev server (SQLite in the data directory)")
    p.add_argument("--port", type=int, help="frontend gRPC port (default: from TEMPORAL_ADDRESS, 7233)")
    p.add_argument("--ui-port", type=int, help="Temporal UI port (default: port + 1000)")
    p.set_defaults(afunc=cmd_server)

    p = sub.add_parser("worker", help="run the worker against TEMPORAL_ADDRESS")
    p.set_defaults(afunc=cmd_worker)

    p = sub.add_parser("up", help="main job: server + worker + demo batch, then stay up until Ctrl-C")
    p.add_argument("--exit-after-demo", action="store_true", help="stop everything after the demo batch")
    p.add_argument("--port", type=int, help="frontend gRPC port (default: from TEMPORAL_ADDRESS, 7233)")
    p.add_argument("--ui-port", type=int, help="Temporal UI port (default: port + 1000)")
    p.add_argument(
        "--adapters",
        choices=("inprocess", "http"),
        help="inprocess (default: ADAPTERS) keeps the "
        "simulators inside the worker; http also starts the simulator service and talks to it over HTTP",
    )
    p.set_defaults(afunc=cmd_up)

    p = sub.add_parser("migrate", help="create or upgrade the case store's tables")
    p.set_defaults(afunc=cmd_migrate)

    p = sub.add_parser("demo", help="run the demo batch through a running API (tokens minted on this machine)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each case")
    p.set_defaults(afunc=cmd_demo)

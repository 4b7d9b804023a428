"""Shared fixtures: a real time-skipping Temporal server, real databases (SQLite file
and the PostgreSQL at 127.0.0.1:5432), simulators for the outside world only."""
from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, text
from temporalio.testing import WorkflowEnvironment

import worker
from adapters.simulators import SimulatorConfig
from runtime.binaries import binary
from runtime.temporal import data_converter
from store import CaseStore, open_store

T = TypeVar("T")

# Every client the tests make (in-process, the CLI, `aftersales up` in a subprocess) encrypts
# payloads under this fixed test keyring, so the tests exercise the codec and the
# histories they record into tests/histories/ replay in any later run. Test keys only.
TEST_KEYS = Path(__file__).resolve().parent / "keys.json"
os.environ.setdefault("AFTERSALES_KEY_FILE", str(TEST_KEYS))

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """One time-skipping server per test module. The server skips time only while
    every workflow is idle, so a workflow left running by one module (its worker gone)
    would stall the clock for every later test if the server were shared."""
    e = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"), data_converter=data_converter()
    )
    yield e
    await e.shutdown()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'cases.db'}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A database of its own for this test session, dropped afterwards."""
    name = f"aftersales_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is required for the store tests: {e}")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def store(sqlite_url: str) -> CaseStore:
    return open_store(sqlite_url)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, sqlite_url: str) -> CaseStore:
    """The same tests on both backends."""
    if request.param == "sqlite":
        return open_store(sqlite_url)
    return open_store(request.getfixturevalue("pg_url"))


@asynccontextmanager
async def running_worker(env: WorkflowEnvironment, store: CaseStore, config: SimulatorConfig | None = None,
                         **overrides: object) -> AsyncIterator[tuple[str, worker.Outside]]:
    """A worker on a fresh task queue with fresh simulators; yields (task_queue, outside)."""
    outside = worker.Outside.simulated(config)
    task_queue = f"tq-{uuid.uuid4().hex[:8]}"
    async with worker.build_worker(env.client, store, outside, task_queue=task_queue, **overrides):
        yield task_queue, outside


async def eventually(check: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.05) -> T:
    """Poll until check() returns something truthy (real time): for effects another
    task writes — a child case's store row, a timeline entry — after the awaited result."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(interval)

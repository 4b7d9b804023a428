"""Shared fixtures: a real time-skipping Temporal server, real databases (SQLite file
and the PostgreSQL at 127.0.0.1:5432), simulators for the outside world only."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, text
from temporalio.testing import WorkflowEnvironment

from runtime.binaries import binary
from runtime.temporal import data_converter
from store import CaseStore, open_store
from tests.support import PG_ADMIN_URL

# Every client the tests make (in-process, the CLI, `aftersales up` in a subprocess) encrypts
# payloads under this fixed test keyring, so the tests exercise the codec and the
# histories they record into tests/histories/ replay in any later run. Test keys only.
TEST_KEYS = Path(__file__).resolve().parent / "keys.json"
os.environ.setdefault("AFTERSALES_KEY_FILE", str(TEST_KEYS))


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
    except Exception as e:
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

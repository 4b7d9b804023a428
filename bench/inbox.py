"""What the bench's scripted people see: the case store's timelines, the way a
specialist's work queue would show them. A person answers once the case has asked
(e.g. after `review_requested`), never before, as in real life.

One poller per run reads new timeline rows from the worker's SQLite store and wakes
the drivers waiting for them; no workflow queries, so the engine is not loaded by it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from domain.timeline import Entry


class Inbox:
    def __init__(self, db: Path | str, every: float = 0.1, timeout: float | None = 120):
        """db: the worker's SQLite file, or a PostgreSQL URL (the scale-out's store run)."""
        self.db, self.every, self.timeout = db, every, timeout
        self.read_ids: set[int] = set()
        self.last_id = 0
        self.seen: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.waiting: dict[tuple[str, str], list[asyncio.Future[dict[str, Any]]]] = defaultdict(list)
        self.task: asyncio.Task[None] | None = None
        self.blocked = 0  # drivers waiting on something not yet seen

    async def __aenter__(self) -> Inbox:
        self.task = asyncio.create_task(self._poll())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.task:
            self.task.cancel()

    async def wait(self, case_id: str, kind: Entry, **match: Any) -> dict[str, Any]:
        """The detail of the first timeline entry of `kind` on the case whose detail has `match`."""
        key = (case_id, kind)
        while True:
            for detail in self.seen.get(key, []):
                if all(detail.get(k) == v for k, v in match.items()):
                    return detail
            await self._block([key])

    async def _block(self, keys: list[tuple[str, str]]) -> None:
        """Sleep until a new entry of any of `keys` is seen; counted as one blocked person."""
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        for key in keys:
            self.waiting[key].append(fut)
        self.blocked += 1
        try:
            await asyncio.wait_for(fut, self.timeout)
        finally:
            self.blocked -= 1
            for key in keys:  # the kinds that did not come keep no stale waiter
                left = [f for f in self.waiting.pop(key, []) if f is not fut]
                if left:
                    self.waiting[key] = left

    async def wait_nth(self, case_id: str, kind: Entry, n: int) -> dict[str, Any]:
        """The detail of the n-th (from 1) timeline entry of `kind` on the case."""
        key = (case_id, kind)
        while len(self.seen.get(key, [])) < n:
            await self._block([key])
        return self.seen[key][n - 1]

    async def wait_any(self, case_id: str, *kinds: Entry) -> tuple[Entry, dict[str, Any]]:
        """(kind, detail) of the first entry of any of `kinds` on the case (the first of
        `kinds`, in the order given, that has one): for a person who answers whichever
        question the case asks. One waiter however many kinds, so the week's settle()
        counts this person once."""
        keys = [(case_id, kind) for kind in kinds]
        while True:
            for key in keys:
                if self.seen.get(key):
                    return key[1], self.seen[key][0]
            await self._block(keys)

    def check(self) -> None:
        """Read what is new in the store and wake whoever waits for it."""
        rows = self._read_postgresql() if isinstance(self.db, str) else self._read_sqlite()
        for row_id, case_id, kind, detail in rows:
            if row_id in self.read_ids:
                continue
            self.read_ids.add(row_id)
            self.last_id = max(self.last_id, row_id)
            key = (case_id, kind)
            self.seen[key].append(json.loads(detail) if isinstance(detail, str) else (detail or {}))
            for fut in self.waiting.pop(key, []):
                if not fut.done():
                    fut.set_result({})

    def _read_sqlite(self) -> list[Any]:
        assert isinstance(self.db, Path)
        if not self.db.exists():
            return []
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5) as conn:
            try:
                return conn.execute(
                    "select id, case_id, kind, detail from case_events where id > ? order by id", (self.last_id,)
                ).fetchall()
            except sqlite3.OperationalError:  # not migrated yet
                return []

    def _read_postgresql(self) -> list[Any]:
        """Concurrent transactions commit ids out of order: read back a margin, skip rows already read."""
        from sqlalchemy import create_engine, exc, text

        if not hasattr(self, "_engine"):
            self._engine = create_engine(str(self.db))
        try:
            with self._engine.connect() as c:
                return list(
                    c.execute(
                        text("select id, case_id, kind, detail from case_events where id > :i order by id"),
                        {"i": self.last_id - 2000},
                    )
                )
        except exc.ProgrammingError:  # not migrated yet
            return []

    async def _poll(self) -> None:
        while True:
            await asyncio.to_thread(self.check)
            await asyncio.sleep(self.every)

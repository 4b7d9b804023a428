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


class Inbox:
    def __init__(self, db: Path, every: float = 0.1, timeout: float | None = 120):
        self.db, self.every, self.timeout = db, every, timeout
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

    async def wait(self, case_id: str, kind: str, **match: Any) -> dict[str, Any]:
        """The detail of the first timeline entry of `kind` on the case whose detail has `match`."""
        key = (case_id, kind)
        while True:
            for detail in self.seen.get(key, []):
                if all(detail.get(k) == v for k, v in match.items()):
                    return detail
            fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self.waiting[key].append(fut)
            self.blocked += 1
            try:
                await asyncio.wait_for(fut, self.timeout)
            finally:
                self.blocked -= 1

    async def wait_nth(self, case_id: str, kind: str, n: int) -> dict[str, Any]:
        """The detail of the n-th (from 1) timeline entry of `kind` on the case."""
        key = (case_id, kind)
        while len(self.seen.get(key, [])) < n:
            fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self.waiting[key].append(fut)
            self.blocked += 1
            try:
                await asyncio.wait_for(fut, self.timeout)
            finally:
                self.blocked -= 1
        return self.seen[key][n - 1]

    def check(self) -> None:
        """Read what is new in the store and wake whoever waits for it."""
        if not self.db.exists():
            return
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5) as conn:
            try:
                rows = conn.execute("select id, case_id, kind, detail from case_events where id > ? order by id",
                                    (self.last_id,)).fetchall()
            except sqlite3.OperationalError:  # not migrated yet
                return
        for row_id, case_id, kind, detail in rows:
            self.last_id = row_id
            key = (case_id, kind)
            self.seen[key].append(json.loads(detail) if isinstance(detail, str) else (detail or {}))
            for fut in self.waiting.pop(key, []):
                if not fut.done():
                    fut.set_result({})

    async def _poll(self) -> None:
        while True:
            await asyncio.to_thread(self.check)
            await asyncio.sleep(self.every)

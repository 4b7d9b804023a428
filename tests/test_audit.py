"""The audit log on both backends: appended, listed newest first, filtered; and
`aftersales audit` prints it."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from domain.audit import AuditEntry, Outcome
from service.context import Context
from starter.cli import run
from store.audit import AuditLog


def _entry(actor: str, outcome: Outcome, **kw) -> AuditEntry:
    return AuditEntry(
        at=datetime.now(timezone.utc),
        actor_id=actor,
        role="customer",
        action="open",
        outcome=outcome,
        status=201 if outcome == Outcome.DONE else 403,
        **kw,
    )


def test_records_are_listed_newest_first_and_filtered(any_store):
    log = AuditLog(any_store)
    who = f"cust-{uuid.uuid4().hex[:6]}"
    before = log.count()
    log.record(_entry(who, Outcome.DONE, case_id="RR-1", order_id="SO-1"))
    log.record(_entry(who, Outcome.REFUSED, order_id="SO-1", rule="open.origin", reason="x" * 600))
    assert log.count() == before + 2
    mine = log.entries(actor_id=who)
    assert [e.outcome for e in mine] == [Outcome.REFUSED, Outcome.DONE]
    assert mine[0].rule == "open.origin" and len(mine[0].reason) == 500
    assert [e.case_id for e in log.entries(actor_id=who, outcome="done")] == ["RR-1"]


async def test_the_audit_command_lists_them(store, sqlite_url, capsys):
    import dataclasses

    from runtime.settings import Settings

    who = f"cust-{uuid.uuid4().hex[:6]}"
    AuditLog(store).record(_entry(who, Outcome.REFUSED, order_id="SO-9", rule="open.origin", reason="no"))
    ctx = Context(settings=dataclasses.replace(Settings(), database_url=sqlite_url), store=store)
    assert await run(["audit", "--actor", who], ctx) == 0
    out = capsys.readouterr().out
    assert who in out and "refused" in out and "[open.origin]" in out
    assert await run(["audit", "--actor", who, "--json"], ctx) == 0
    assert json.loads(capsys.readouterr().out)[0]["order_id"] == "SO-9"

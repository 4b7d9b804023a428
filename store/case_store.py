"""CaseStore: the one place that reads and writes the case database."""

from __future__ import annotations

import base64
import functools
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, and_, create_engine, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from domain.external import PaymentReceipt, PaymentRequest
from domain.models import CaseEvent, CaseOpening, Order, TimelineBatch, TimelineEntry
from store.ledger import Ledger
from store.schema import CaseEventRow, CaseRow, OrderRow, PaymentRow

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_database_url() -> str:
    data_dir = Path(os.environ.get("AFTERSALES_DATA_DIR", "data"))
    return os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'cases.db'}"


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")  # each capability may add its own branch off 0001
            return
        except (OperationalError, ProgrammingError) as e:
            # Two processes opening a new store at once (a worker and the CLI): the one
            # that lost the race finds the tables made; upgrading again sees them recorded.
            if "already exists" not in str(e) or attempt == 2:
                raise


class Sealing(Protocol):
    """AES-GCM under the keyring (runtime.codec.Sealer), for what the store keeps encrypted."""

    def seal(self, plain: bytes, context: bytes = b"") -> tuple[str, bytes]: ...
    def open(self, kid: str, sealed: bytes, context: bytes = b"") -> bytes: ...


# An order's contact details and paying account: the orders table is the one place they
# live (§6), sealed there whenever the store has the keyring.
SEALED_ORDER_FIELDS = ("phone", "address", "paying_account")


class CaseStore:
    # Set by the processes that read or write orders (the CLI); a store without it keeps
    # orders as they are and cannot read sealed ones.
    sealer: Sealing | None = None

    def __init__(self, engine: Engine):
        self.engine = engine
        self.ledger = Ledger(engine)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    def _insert_ignore(self, s: Session | Connection, table: Any, values: dict[str, Any], keys: list[str]) -> bool:
        """Insert unless a row with the same unique keys exists; True if inserted."""
        return bool(self._insert_many_ignore(s, table, [values], keys))

    def _insert_many_ignore(
        self, s: Session | Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]
    ) -> list[tuple[Any, ...]]:
        """Insert each row unless one with the same unique keys exists, in one statement;
        the keys of the rows inserted."""
        return [tuple(r) for r in s.execute(self._insert_ignoring(table, tuple(keys)), rows)]

    @functools.cache  # noqa: B019 - one per store, table and keys: a handful, kept with the store
    def _insert_ignoring(self, table: Any, keys: tuple[str, ...]) -> Any:
        """INSERT ... ON CONFLICT DO NOTHING RETURNING the keys, built once and executed
        with the rows as parameters: SQLAlchemy sends them as one multi-row statement
        ("insertmanyvalues") from its compiled cache. `.values(rows)` instead compiled
        a new statement per call, half the CPU of a timeline write (issue 14 profile)."""
        dialect = self.engine.dialect.name
        # The Core table, not the ORM class: an ORM-enabled insert goes through bulk
        # persistence, the largest cost per timeline entry in the bench's profiles.
        core = getattr(table, "__table__", table)
        stmt: postgresql.Insert | sqlite.Insert
        if dialect == "postgresql":
            stmt = postgresql.insert(core).on_conflict_do_nothing(index_elements=list(keys))
        elif dialect == "sqlite":
            stmt = sqlite.insert(core).on_conflict_do_nothing(index_elements=list(keys))
        else:  # pragma: no cover - only the two backends above are supported
            raise RuntimeError(f"unsupported database {dialect}")
        # rowcount is -1 on PostgreSQL (psycopg) for ON CONFLICT inserts: ask for the keys back instead.
        return stmt.returning(*(core.c[k] for k in keys))

    # orders ------------------------------------------------------------------
    def save_order(self, order: Order) -> None:
        body = order.model_dump(mode="json")
        if self.sealer is not None:
            private = {k: body.pop(k) for k in SEALED_ORDER_FIELDS}
            kid, sealed = self.sealer.seal(json.dumps(private, ensure_ascii=False).encode(), order.order_id.encode())
            body["sealed"] = {"key_id": kid, "data": base64.b64encode(sealed).decode("ascii")}
        with self._session() as s:
            row = s.get(OrderRow, order.order_id)
            if row is None:
                s.add(
                    OrderRow(order_id=order.order_id, customer_id=order.customer_id, paid_fen=order.paid_fen, body=body)
                )
            else:
                row.customer_id, row.paid_fen, row.body = order.customer_id, order.paid_fen, body

    def get_order(self, order_id: str) -> Order | None:
        with self._session() as s:
            row = s.get(OrderRow, order_id)
            body = dict(row.body) if row else None
        if body is None:
            return None
        sealed = body.pop("sealed", None)
        if sealed is not None:
            if self.sealer is None:
                raise LookupError(f"order {order_id} is sealed; this store was opened without the keyring")
            body.update(
                json.loads(self.sealer.open(sealed["key_id"], base64.b64decode(sealed["data"]), order_id.encode()))
            )
        return Order.model_validate(body)

    # cases -------------------------------------------------------------------
    def open_case(self, opening: CaseOpening) -> bool:
        with self.engine.begin() as conn:
            return self._insert_case(conn, opening)

    def record_event(self, ev: CaseEvent) -> bool:
        return self.record_timeline(TimelineBatch(case_id=ev.case_id, events=(ev,))) == 1

    def record_timeline(self, batch: TimelineBatch) -> int:
        """Opens the case if the batch says so, stores each entry once; how many were new.
        One transaction: the timeline write is the store's hottest path."""
        try:
            with self.engine.begin() as conn:
                if batch.opening:
                    self._insert_case(conn, batch.opening)
                return self._insert_events(conn, batch.events)
        except IntegrityError:
            if self.get_case(batch.case_id) is None:  # the foreign key: say so plainly
                raise LookupError(f"case {batch.case_id} was never opened") from None
            raise

    def _insert_case(self, conn: Connection, opening: CaseOpening) -> bool:
        c = opening.case
        # The ledger counts against the order a case is about: seed data normally has it;
        # otherwise the case brings it (its header carries no phone, address or account).
        self._insert_ignore(
            conn,
            OrderRow,
            dict(
                order_id=c.order.order_id,
                customer_id=c.order.customer_id,
                paid_fen=c.order.paid_fen,
                body=c.order.model_dump(mode="json"),
            ),
            ["order_id"],
        )
        return self._insert_ignore(
            conn,
            CaseRow,
            dict(
                case_id=c.case_id,
                kind=c.kind.value,
                workflow_id=c.workflow_id,
                order_id=c.order.order_id,
                customer_id=c.customer_id,
                opened_by=c.opened_by,
                opened_at=opening.opened_at,
                updated_at=opening.opened_at,
                state=opening.state,
                outcome=None,
                reason=c.reason[:500],
            ),
            ["case_id"],
        )

    def _insert_events(self, conn: Connection, events: tuple[CaseEvent, ...]) -> int:
        """Each entry once (one statement for the batch), then the case's state and outcome
        from the newest entry inserted (one more): two statements, however long the batch."""
        if not events:
            return 0
        rows = [
            dict(
                case_id=ev.case_id,
                event_key=ev.entry.key,
                seq=ev.entry.seq,
                at=ev.entry.at,
                kind=ev.entry.kind,
                actor=ev.entry.actor,
                state=ev.entry.state,
                detail=ev.entry.detail,
            )
            for ev in events
        ]
        inserted = {
            (case_id, key)
            for case_id, key in self._insert_many_ignore(conn, CaseEventRow, rows, ["case_id", "event_key"])
        }
        new = [ev for ev in events if (ev.case_id, ev.entry.key) in inserted]
        for case_id in dict.fromkeys(ev.case_id for ev in new):
            mine = sorted((ev for ev in new if ev.case_id == case_id), key=lambda ev: (ev.entry.at, ev.entry.seq))
            latest = mine[-1].entry
            values: dict[str, Any] = dict(state=latest.state, updated_at=latest.at)
            outcomes = [ev.outcome for ev in mine if ev.outcome]
            if outcomes:
                values["outcome"] = outcomes[-1]
            # an entry older than the case's latest (a late retry) leaves the state alone
            cases = cast(Table, CaseRow.__table__)
            conn.execute(
                update(cases).where(cases.c.case_id == case_id, cases.c.updated_at <= latest.at).values(**values)
            )
        return len(new)

    def get_case(self, case_id: str) -> dict[str, Any] | None:
        with self._session() as s:
            row = s.get(CaseRow, case_id)
            return _case_dict(row) if row else None

    def list_cases(
        self, kind: str | None = None, state: str | None = None, limit: int = 50, customer_id: str | None = None
    ) -> list[dict[str, Any]]:
        q = select(CaseRow).order_by(CaseRow.opened_at.desc()).limit(limit)
        if customer_id is not None:
            q = q.where(CaseRow.customer_id == customer_id)
        if kind:
            q = q.where(CaseRow.kind == kind)
        if state:
            q = q.where(CaseRow.state == state)
        with self._session() as s:
            return [_case_dict(r) for r in s.scalars(q)]

    def page_cases(
        self,
        *,
        after: tuple[datetime, str] | None = None,
        limit: int = 50,
        search: str = "",
        kind: str | None = None,
        customer_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first, one page after the key `(opened_at, case_id)` of the previous page's
        last row: keyset paging, so page 2,000 costs what page 1 costs (an OFFSET would scan
        everything before it). `search` is a case id or order id prefix."""
        q = select(CaseRow).order_by(CaseRow.opened_at.desc(), CaseRow.case_id.desc()).limit(limit)
        if after is not None:
            at, case_id = after
            q = q.where(or_(CaseRow.opened_at < at, and_(CaseRow.opened_at == at, CaseRow.case_id < case_id)))
        if customer_id is not None:
            q = q.where(CaseRow.customer_id == customer_id)
        if kind:
            q = q.where(CaseRow.kind == kind)
        if search:
            escaped = _like_prefix(search)
            q = q.where(or_(CaseRow.case_id.like(escaped, escape="\\"), CaseRow.order_id.like(escaped, escape="\\")))
        with self._session() as s:
            return [_case_dict(r) for r in s.scalars(q)]

    def parent_of(self, case_id: str) -> str | None:
        """The case that started this one: a child's workflow id is named in its parent's timeline."""
        q = select(CaseEventRow.case_id).where(CaseEventRow.detail["child"].as_string() == f"case-{case_id}").limit(1)
        with self._session() as s:
            return s.scalar(q)

    def orders_of(self, customer_id: str, limit: int = 100) -> list[Order]:
        q = select(OrderRow).where(OrderRow.customer_id == customer_id).order_by(OrderRow.order_id.desc()).limit(limit)
        with self._session() as s:
            return [Order.model_validate(r.body) for r in s.scalars(q)]

    def timeline(self, case_id: str) -> list[TimelineEntry]:
        q = select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(CaseEventRow.seq)
        with self._session() as s:
            return [
                TimelineEntry(seq=r.seq, at=r.at, kind=r.kind, actor=r.actor, state=r.state, detail=r.detail)
                for r in s.scalars(q)
            ]

    # payments ----------------------------------------------------------------
    def record_payment(self, request: PaymentRequest, receipt: PaymentReceipt) -> bool:
        with self._session() as s:
            return self._insert_ignore(
                s,
                PaymentRow,
                dict(
                    idempotency_key=receipt.idempotency_key,
                    case_id=request.case_id,
                    order_id=request.order_id,
                    kind=receipt.kind,
                    amount_fen=receipt.amount_fen,
                    payment_id=receipt.payment_id,
                    paid_at=receipt.paid_at,
                ),
                ["idempotency_key"],
            )

    def payments(self, case_id: str | None = None) -> list[dict[str, Any]]:
        q = select(PaymentRow).order_by(PaymentRow.id)
        if case_id:
            q = q.where(PaymentRow.case_id == case_id)
        with self._session() as s:
            return [
                dict(
                    idempotency_key=r.idempotency_key,
                    case_id=r.case_id,
                    kind=r.kind,
                    amount_fen=r.amount_fen,
                    payment_id=r.payment_id,
                    paid_at=r.paid_at,
                )
                for r in s.scalars(q)
            ]

    def first_case_id_with_prefix(self, prefix: str) -> str | None:
        q = select(CaseRow.case_id).where(CaseRow.case_id.like(_like_prefix(prefix), escape="\\")).limit(1)
        with self._session() as s:
            return s.scalar(q)

    def count_cases(self) -> int:
        with self._session() as s:
            return s.scalar(select(func.count()).select_from(CaseRow)) or 0


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching what starts with `text` (its own % and _ taken literally)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _case_dict(row: CaseRow) -> dict[str, Any]:
    return dict(
        case_id=row.case_id,
        kind=row.kind,
        workflow_id=row.workflow_id,
        order_id=row.order_id,
        customer_id=row.customer_id,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        state=row.state,
        outcome=row.outcome,
        reason=row.reason,
    )


def open_store(url: str | None = None, *, run_migrations: bool = True) -> CaseStore:
    engine = _engine(url or default_database_url())
    if run_migrations:
        migrate(engine)
    return CaseStore(engine)

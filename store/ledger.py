"""The order's money ledger in the store: reservations against what an order paid,
made in one transaction per payment with the order's row locked, so concurrent cases
on one order (and retries of one payment) can never reserve more than the order allows.

The rules are domain.ledger's; this module only reads and writes them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, select, update

from domain.external import PaymentRequest
from domain.ledger import Balance, EntryStatus, Grant, LedgerEntry, Refusal, balance, reserve
from domain.models import LineQuantity, Order
from store.schema import LedgerRow, OrderRow


class UnknownOrder(LookupError):
    pass


def _entry(r: Any) -> LedgerEntry:
    """A Core row or an ORM row: both have the columns as attributes."""
    return LedgerEntry(
        idempotency_key=r.idempotency_key,
        case_id=r.case_id,
        order_id=r.order_id,
        kind=r.kind,
        amount_fen=r.amount_fen,
        status=EntryStatus(r.status),
        payment_id=r.payment_id,
        lines=tuple(LineQuantity(sku=sku, quantity=q) for sku, q in (r.lines or {}).items()),
    )


def money_of(body: dict) -> Order:
    """The order as the ledger needs it: its id, lines and paid amount. Its private fields may
    be sealed in the store (§6); the ledger never opens them, so a placeholder stands in."""
    public = {k: v for k, v in body.items() if k != "sealed"}
    public.setdefault("paying_account", "sealed")
    return Order.model_validate(public)


class Ledger:
    def __init__(self, engine: Engine):
        self.engine = engine

    def _order(self, conn: Connection, order_id: str, *, lock: bool) -> Order:
        orders = cast(Table, OrderRow.__table__)
        if lock:
            # Serialises every reservation on this order: a row lock on PostgreSQL, the
            # database's write lock on SQLite (taken by the first statement, a write, so
            # two transactions never both read and then both try to write).
            touched = conn.execute(
                update(orders).where(orders.c.order_id == order_id).values(paid_fen=orders.c.paid_fen)
            ).rowcount
            if not touched:
                raise UnknownOrder(f"order {order_id} is not in the store")
        body = conn.execute(select(orders.c.body).where(orders.c.order_id == order_id)).scalar_one_or_none()
        if body is None:
            raise UnknownOrder(f"order {order_id} is not in the store")
        return money_of(body)

    def _entries(self, conn: Connection, order_id: str) -> list[LedgerEntry]:
        t = cast(Table, LedgerRow.__table__)
        return [_entry(r) for r in conn.execute(select(t).where(t.c.order_id == order_id).order_by(t.c.id))]

    def entries(self, order_id: str) -> list[LedgerEntry]:
        with self.engine.connect() as conn:
            return self._entries(conn, order_id)

    def balance(self, order_id: str) -> Balance:
        with self.engine.connect() as conn:
            return balance(self._order(conn, order_id, lock=False), self._entries(conn, order_id))

    def reserve(self, request: PaymentRequest) -> Grant | Refusal:
        """Reserve this payment against its order, or refuse it; a retry finds its own reservation."""
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            order = self._order(conn, request.order_id, lock=True)
            entries = self._entries(conn, request.order_id)
            decision = reserve(order, entries, request)
            if not isinstance(decision, Grant):
                return decision
            mine = next((e for e in entries if e.idempotency_key == request.idempotency_key), None)
            if mine is not None and mine.holds:
                return decision  # a retry: its own reservation, nothing to write
            e, t = decision.entry, cast(Table, LedgerRow.__table__)
            values = dict(
                case_id=e.case_id,
                order_id=e.order_id,
                kind=e.kind,
                purse=e.purse.value,
                amount_fen=e.amount_fen,
                lines={lq.sku: lq.quantity for lq in e.lines},
                status=EntryStatus.RESERVED.value,
                payment_id=None,
                updated_at=now,
            )
            if conn.execute(select(t.c.id).where(t.c.idempotency_key == e.idempotency_key)).first():
                # released: the same step tries again after a failed payment
                conn.execute(update(t).where(t.c.idempotency_key == e.idempotency_key).values(**values))
            else:
                conn.execute(t.insert().values(idempotency_key=e.idempotency_key, created_at=now, **values))
            return decision

    def settle(self, idempotency_key: str, payment_id: str) -> None:
        self._set(idempotency_key, EntryStatus.PAID, payment_id=payment_id)

    def release(self, idempotency_key: str) -> None:
        """The payment failed for good: its money is free for another payment."""
        self._set(idempotency_key, EntryStatus.RELEASED, only_from=EntryStatus.RESERVED)

    def _set(
        self, key: str, status: EntryStatus, *, payment_id: str | None = None, only_from: EntryStatus | None = None
    ) -> None:
        t = cast(Table, LedgerRow.__table__)
        stmt = update(t).where(t.c.idempotency_key == key)
        if only_from is not None:
            stmt = stmt.where(t.c.status == only_from.value)
        values: dict[str, object] = dict(status=status.value, updated_at=datetime.now(timezone.utc))
        if payment_id is not None:
            values["payment_id"] = payment_id
        with self.engine.begin() as conn:
            conn.execute(stmt.values(**values))

"""The simulators' own state: the payment provider's idempotency keys and ledger, the
courier's bookings. Own tables (sim_*) under their own metadata, on
SIMULATOR_DATABASE_URL, apart from the case store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Integer, String, create_engine, delete, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from domain.external import PaymentReceipt, PaymentRequest, PickupBooking, PickupRequest
from store.schema import UtcDateTime

# A real provider keeps keys at least a day; a shorter setting is refused.
MIN_KEY_RETENTION = timedelta(hours=24)


class SimBase(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UtcDateTime()}


class IdempotencyKeyRow(SimBase):
    __tablename__ = "sim_idempotency_keys"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    receipt: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class LedgerRow(SimBase):
    __tablename__ = "sim_ledger"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), index=True)
    payment_id: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[str] = mapped_column(String(80), index=True)
    order_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime]


class PickupRow(SimBase):
    __tablename__ = "sim_pickups"
    case_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    booking: Mapped[dict[str, Any]]


class KeyConflict(Exception):
    pass


class SimulatorState:
    def __init__(self, url: str, key_retention: timedelta = MIN_KEY_RETENTION):
        if key_retention < MIN_KEY_RETENTION:
            raise ValueError("idempotency keys are kept at least 24 hours")
        self.key_retention = key_retention
        connect_args = {"timeout": 30, "check_same_thread": False} if url.startswith("sqlite") else {}
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        self.engine = create_engine(url, connect_args=connect_args)
        if url.startswith("sqlite"):

            @event.listens_for(self.engine, "connect")
            def _wal(dbapi_conn: Any, _: Any) -> None:
                dbapi_conn.execute("PRAGMA journal_mode=WAL")

        SimBase.metadata.create_all(self.engine)

    def pay(self, request: PaymentRequest, now: datetime | None = None) -> tuple[PaymentReceipt, bool]:
        """(receipt, new): the first receipt for a key, or KeyConflict for another request."""
        now = now or datetime.now(timezone.utc)
        self.forget_keys_before(now - self.key_retention)
        fingerprint = request.fingerprint()
        with Session(self.engine) as s:
            try:
                with s.begin():
                    seen = s.get(IdempotencyKeyRow, request.idempotency_key)
                    if seen is not None:
                        return self._replay(seen, fingerprint), False
                    row = LedgerRow(
                        idempotency_key=request.idempotency_key,
                        payment_id="pending",
                        case_id=request.case_id,
                        order_id=request.order_id,
                        kind=request.kind,
                        amount_fen=request.amount_fen,
                        paid_at=now,
                    )
                    s.add(row)
                    s.flush()
                    row.payment_id = f"PAY-{row.id:08d}"
                    receipt = PaymentReceipt(
                        idempotency_key=request.idempotency_key,
                        payment_id=row.payment_id,
                        kind=request.kind,
                        amount_fen=request.amount_fen,
                        paid_at=now,
                    )
                    s.add(
                        IdempotencyKeyRow(
                            key=request.idempotency_key,
                            fingerprint=fingerprint,
                            receipt=receipt.model_dump(mode="json"),
                            created_at=now,
                        )
                    )
                return receipt, True
            except IntegrityError:  # a concurrent twin paid first: answer as it did
                seen = s.get(IdempotencyKeyRow, request.idempotency_key)
                assert seen is not None
                return self._replay(seen, fingerprint), False

    @staticmethod
    def _replay(seen: IdempotencyKeyRow, fingerprint: str) -> PaymentReceipt:
        if seen.fingerprint != fingerprint:
            raise KeyConflict(f"idempotency key {seen.key} was used for a different request")
        return PaymentReceipt.model_validate(seen.receipt)

    def forget_keys_before(self, cutoff: datetime) -> int:
        with Session(self.engine) as s, s.begin():
            result = s.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < cutoff))
            return int(getattr(result, "rowcount", 0))  # a DML result always has it

    def ledger(self) -> list[dict[str, Any]]:
        with Session(self.engine) as s:
            return [
                dict(
                    payment_id=r.payment_id,
                    idempotency_key=r.idempotency_key,
                    case_id=r.case_id,
                    order_id=r.order_id,
                    kind=r.kind,
                    amount_fen=r.amount_fen,
                    paid_at=r.paid_at.isoformat(),
                )
                for r in s.scalars(select(LedgerRow).order_by(LedgerRow.id))
            ]

    def book_pickup(self, request: PickupRequest) -> PickupBooking:
        booking = PickupBooking(
            booking_id=f"PU-{request.case_id}",
            case_id=request.case_id,
            order_id=request.order_id,
            booked_at=request.as_of,
        )
        with Session(self.engine) as s:
            try:
                with s.begin():
                    seen = s.get(PickupRow, request.case_id)
                    if seen is not None:
                        return PickupBooking.model_validate(seen.booking)
                    s.add(PickupRow(case_id=request.case_id, booking=booking.model_dump(mode="json")))
                return booking
            except IntegrityError:
                seen = s.get(PickupRow, request.case_id)
                assert seen is not None
                return PickupBooking.model_validate(seen.booking)

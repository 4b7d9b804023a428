"""The payee vault (§4.9, §6): the account, account id and real name a manual refund
pays to, kept encrypted at rest (AES-256-GCM under the keyring, runtime/codec.Sealer)
in the `payees` table (migration 0013_payees). Cases carry only the row's reference;
the edge (CLI, API) puts details in, the payment activity takes them out."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy import LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from domain.manual_refund import PAYEE_REF_PREFIX, Payee
from store.case_store import CaseStore
from store.schema import Base


class PayeeRow(Base):
    __tablename__ = "payees"
    ref: Mapped[str] = mapped_column(String(90), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary, doc="nonce + AES-GCM ciphertext of the payee's JSON")
    created_at: Mapped[datetime]


class Sealing(Protocol):
    def seal(self, plain: bytes, context: bytes = b"") -> tuple[str, bytes]: ...
    def open(self, kid: str, sealed: bytes, context: bytes = b"") -> bytes: ...


class PayeeVault:
    def __init__(self, store: CaseStore, sealer: Sealing):
        self.store, self.sealer = store, sealer

    def put(self, payee: Payee) -> Payee:
        """The reference to a new row holding these details (a reference is returned as is)."""
        if payee.is_ref:
            return payee
        ref = PAYEE_REF_PREFIX + secrets.token_urlsafe(18)
        plain = json.dumps(payee.model_dump(mode="json", exclude={"ref"}), ensure_ascii=False).encode()
        kid, sealed = self.sealer.seal(plain, ref.encode())  # bound to its row
        with self.store._session() as s:
            s.add(PayeeRow(ref=ref, key_id=kid, sealed=sealed, created_at=datetime.now(timezone.utc)))
        return Payee(ref=ref)

    def resolve(self, payee_ref: str) -> Payee:
        with self.store._session() as s:
            row = s.scalar(select(PayeeRow).where(PayeeRow.ref == payee_ref))
        if row is None:
            raise LookupError(f"no payee {payee_ref!r} in the vault")
        return Payee.model_validate_json(self.sealer.open(row.key_id, row.sealed, payee_ref.encode()))

"""The vault (§6): personal data a case needs someone to act on but no history may
carry — a manual refund's payee (account, account id, real name), an invoice's title
(the buyer's name) — kept encrypted at rest (AES-256-GCM under the keyring,
runtime/codec.Sealer) in the `vault` table (migration 0013_vault). Cases carry only the
row's reference; the edge (CLI, API) puts values in, and only the activity that acts on
them takes them out (payment: the payee; finance: the invoice title)."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone

from sqlalchemy import LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from domain.manual_refund import PAYEE_REF_PREFIX, Payee
from store.case_store import CaseStore, Sealing
from store.schema import Base

TEXT_REF_PREFIX = "private:"


class VaultRow(Base):
    __tablename__ = "vault"
    ref: Mapped[str] = mapped_column(String(90), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary, doc="nonce + AES-GCM ciphertext of the value's JSON")
    created_at: Mapped[datetime]


class Vault:
    def __init__(self, store: CaseStore, sealer: Sealing):
        self.store, self.sealer = store, sealer

    def put_payee(self, payee: Payee) -> Payee:
        """The reference to a new row holding these details (a reference is returned as is)."""
        if payee.is_ref:
            return payee
        return Payee(ref=self._put(PAYEE_REF_PREFIX, payee.model_dump(mode="json", exclude={"ref"})))

    def resolve_payee(self, ref: str) -> Payee:
        return Payee.model_validate(self._get(ref))

    def put_text(self, text: str) -> str:
        return text if is_text_ref(text) else self._put(TEXT_REF_PREFIX, text)

    def resolve_text(self, value: str) -> str:
        """The text a reference stands for; text that is no reference (cases begun before) as is."""
        return str(self._get(value)) if is_text_ref(value) else value

    def _put(self, prefix: str, value: object) -> str:
        ref = prefix + secrets.token_urlsafe(18)
        kid, sealed = self.sealer.seal(json.dumps(value, ensure_ascii=False).encode(), ref.encode())  # bound to its row
        with self.store._session() as s:
            s.add(VaultRow(ref=ref, key_id=kid, sealed=sealed, created_at=datetime.now(timezone.utc)))
        return ref

    def _get(self, ref: str) -> object:
        with self.store._session() as s:
            row = s.scalar(select(VaultRow).where(VaultRow.ref == ref))
        if row is None:
            raise LookupError(f"no {ref.split(':', 1)[0]} {ref!r} in the vault")
        return json.loads(self.sealer.open(row.key_id, row.sealed, ref.encode()))


def is_text_ref(value: str) -> bool:
    return value.startswith(TEXT_REF_PREFIX)

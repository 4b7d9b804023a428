"""The payload codec: every payload a client sends to Temporal (workflow and activity
inputs and results, Updates, signals, queries, failures' details) is AES-256-GCM
encrypted with the keyring's active key before it leaves the process, so histories,
the Temporal UI and `temporal workflow show` carry ciphertext only (rulebook §6).

Each encrypted payload names its key in the metadata (`encryption-key-id`), so a
rotated keyring still decrypts what older keys wrote. Payloads that were never
encrypted (histories recorded before the codec) pass through unchanged.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from runtime.failures import FailureConverter
from runtime.keys import Keyring

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class CodecError(Exception):
    """A payload this keyring cannot decrypt: unknown key id or tampered ciphertext."""


class Sealer:
    """AES-256-GCM under the keyring: seal with the active key, open with the key the
    sealed value names. The codec seals payloads with it; the store seals the data it
    keeps encrypted at rest (the payee vault)."""

    def __init__(self, keyring: Keyring, reload: Callable[[], Keyring] | None = None) -> None:
        self._keyring = keyring
        self._reload = reload
        self._ciphers: dict[str, AESGCM] = {}

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    def seal(self, plain: bytes, context: bytes = b"") -> tuple[str, bytes]:
        """(key id, nonce + ciphertext). The key id and `context` are authenticated: a
        value relabelled with another key, or moved to another row, does not open."""
        kid = self._keyring.active
        nonce = os.urandom(NONCE_BYTES)
        return kid, nonce + self._cipher(kid).encrypt(nonce, plain, kid.encode() + context)

    def open(self, kid: str, sealed: bytes, context: bytes = b"") -> bytes:
        try:
            return self._cipher(kid).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], kid.encode() + context)
        except InvalidTag:
            raise CodecError(
                f"value under key {kid!r} does not decrypt (tampered, or a different key with that id)"
            ) from None

    def _cipher(self, kid: str) -> AESGCM:
        cipher = self._ciphers.get(kid)
        if cipher is None:
            if kid not in self._keyring.keys and self._reload is not None:
                # Another process rotated the shared key file: pick up the new key
                # rather than fail the workflow task.
                self._keyring = self._reload()
            if kid not in self._keyring.keys:
                raise CodecError(f"no key {kid!r} in the keyring ({self._keyring.source or 'in memory'})")
            cipher = self._ciphers[kid] = AESGCM(self._keyring.keys[kid])
        return cipher


class EncryptionCodec(Sealer, PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        kid, sealed = self.seal(payload.SerializeToString())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        out = Payload()
        out.ParseFromString(self.open(payload.metadata.get(KEY_ID, b"").decode(), payload.data))
        return out


def history_payloads(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere in a history event (inputs, results, Updates, failures,
    markers), for tools that look at or convert a history's payloads in place."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            values = value.values()
        elif field.is_repeated:
            values = value
        else:
            values = [value]
        for v in values:
            if isinstance(v, Message):
                yield from history_payloads(v)


def encrypted_converter(codec: PayloadCodec | None) -> DataConverter:
    """The pydantic converter every client uses, with the codec (None: plain, for the
    bench's without-codec figure and tests of the pass-through)."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec, failure_converter_class=FailureConverter)

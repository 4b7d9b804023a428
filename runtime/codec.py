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
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

from runtime.keys import Keyring

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class CodecError(Exception):
    """A payload this keyring cannot decrypt: unknown key id or tampered ciphertext."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring, reload: Callable[[], Keyring] | None = None) -> None:
        self._keyring = keyring
        self._reload = reload
        self._ciphers: dict[str, AESGCM] = {}

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        kid = self._keyring.active
        nonce = os.urandom(NONCE_BYTES)
        # The key id is authenticated too: a payload relabelled with another key id fails.
        sealed = self._cipher(kid).encrypt(nonce, payload.SerializeToString(), kid.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        kid = payload.metadata.get(KEY_ID, b"").decode()
        try:
            plain = self._cipher(kid).decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], kid.encode())
        except InvalidTag:
            raise CodecError(f"payload under key {kid!r} does not decrypt (tampered, or a different key with that id)") from None
        out = Payload()
        out.ParseFromString(plain)
        return out

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


def encrypted_converter(codec: PayloadCodec | None) -> DataConverter:
    """The pydantic converter every client uses, with the codec (None: plain, for the
    bench's without-codec figure and tests of the pass-through)."""
    return dataclasses.replace(pydantic_data_converter, payload_codec=codec)

from __future__ import annotations

from temporalio.client import Client
from temporalio.converter import DataConverter

from runtime.codec import EncryptionCodec, encrypted_converter
from runtime.keys import load_keyring
from runtime.settings import Settings


def codec_for(settings: Settings | None = None) -> EncryptionCodec:
    settings = settings or Settings()
    return EncryptionCodec(load_keyring(settings), reload=lambda: load_keyring(settings))


def data_converter(settings: Settings | None = None) -> DataConverter:
    """The one converter of every client (worker, CLI, webhooks, replayer, bench): pydantic
    payloads, encrypted with the keyring's active key (runtime/codec.py)."""
    return encrypted_converter(codec_for(settings))


async def connect(settings: Settings | None = None) -> Client:
    settings = settings or Settings()
    return await Client.connect(
        settings.temporal_address, namespace=settings.namespace, data_converter=data_converter(settings)
    )

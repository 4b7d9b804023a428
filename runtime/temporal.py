from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from runtime import tracing
from runtime.codec import EncryptionCodec, encrypted_converter
from runtime.keys import load_keyring
from runtime.settings import Settings


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS to Temporal when a CA is configured (the compose stack); the embedded dev server
    stays on loopback without TLS. A CA without our certificate and key is a half-configured
    deployment, refused rather than silently downgraded to server-only TLS."""
    if not settings.temporal_tls_ca:
        return False
    if not (settings.temporal_tls_cert and settings.temporal_tls_key):
        raise RuntimeError(
            "TEMPORAL_TLS_CA is set but TEMPORAL_TLS_CERT or TEMPORAL_TLS_KEY is not: mTLS needs all three"
        )
    return TLSConfig(
        server_root_ca_cert=Path(settings.temporal_tls_ca).read_bytes(),
        client_cert=Path(settings.temporal_tls_cert).read_bytes(),
        client_private_key=Path(settings.temporal_tls_key).read_bytes(),
    )


def codec_for(settings: Settings | None = None) -> EncryptionCodec:
    settings = settings or Settings()
    return EncryptionCodec(load_keyring(settings), reload=lambda: load_keyring(settings))


def data_converter(settings: Settings | None = None) -> DataConverter:
    """The one converter of every client (worker, CLI, webhooks, replayer, bench): pydantic
    payloads, encrypted with the keyring's active key (runtime/codec.py)."""
    return encrypted_converter(codec_for(settings))


async def connect(settings: Settings | None = None, runtime: Runtime | None = None) -> Client:
    """`runtime`: the worker's, when the SDK serves its metrics (runtime/metrics.sdk_runtime).
    With tracing on (runtime/tracing.py) the client and its workers carry the tracing interceptor."""
    settings = settings or Settings()
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.namespace,
        data_converter=data_converter(settings),
        tls=tls_config(settings),
        interceptors=tracing.client_interceptors(),
        runtime=runtime,
    )

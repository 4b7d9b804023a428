"""mTLS to Temporal (issue 11): with TEMPORAL_TLS_CA/CERT/KEY set, every client our services
make (worker, API, replayer: runtime.temporal.connect) presents our certificate and checks the
server's against the CA; half a configuration is refused, never downgraded."""

from __future__ import annotations

import dataclasses

import pytest
from temporalio.service import TLSConfig

from runtime.settings import Settings
from runtime.temporal import tls_config


def test_no_ca_means_plain_loopback():
    assert tls_config(dataclasses.replace(Settings(), temporal_tls_ca="")) is False


def test_all_three_make_an_mtls_config(tmp_path):
    files = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    for name, path in files.items():
        path.write_bytes(f"-----{name}-----".encode())
    tls = tls_config(
        dataclasses.replace(
            Settings(),
            temporal_tls_ca=str(files["ca"]),
            temporal_tls_cert=str(files["cert"]),
            temporal_tls_key=str(files["key"]),
        )
    )
    assert isinstance(tls, TLSConfig)
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (
        b"-----ca-----",
        b"-----cert-----",
        b"-----key-----",
    )


def test_a_ca_without_our_certificate_is_refused(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"ca")
    with pytest.raises(RuntimeError, match="mTLS needs all three"):
        tls_config(dataclasses.replace(Settings(), temporal_tls_ca=str(ca), temporal_tls_cert="", temporal_tls_key=""))

"""The codec server (runtime/codec_server.py): Temporal's remote codec protocol, only for
callers with the token, callable from the Temporal UI's origin."""

from __future__ import annotations

import base64
import json
import os

from fastapi.testclient import TestClient

from runtime.codec import ENCODING, EncryptionCodec, encrypted_converter
from runtime.codec_server import bearer_token, codec_app
from runtime.keys import Keyring

UI = "http://localhost:8233"
TOKEN = "s3cret-token"


def client() -> tuple[TestClient, EncryptionCodec]:
    codec = EncryptionCodec(Keyring(active="k1", keys={"k1": os.urandom(32)}, pseudonym_secret=os.urandom(32)))
    return TestClient(codec_app(codec, bearer_token(TOKEN), (UI,))), codec


def body(payloads) -> dict:
    from google.protobuf import json_format

    return {"payloads": [json_format.MessageToDict(p) for p in payloads]}


async def test_decode_makes_an_encrypted_payload_readable_and_encode_reverses_it():
    http, codec = client()
    (sealed,) = await encrypted_converter(codec).encode([{"order_id": "SO-1", "reason": "瓶子漏液"}])
    r = http.post("/codec/decode", json=body([sealed]), headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    (plain,) = r.json()["payloads"]
    assert base64.b64decode(plain["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(plain["data"])) == {"order_id": "SO-1", "reason": "瓶子漏液"}
    again = http.post("/codec/encode", json={"payloads": [plain]}, headers={"Authorization": f"Bearer {TOKEN}"})
    (resealed,) = again.json()["payloads"]
    assert base64.b64decode(resealed["metadata"]["encoding"]) == ENCODING and resealed["data"] != plain["data"]


async def test_without_the_token_nothing_is_decoded():
    http, codec = client()
    (sealed,) = await encrypted_converter(codec).encode(["secret"])
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        r = http.post("/codec/decode", json=body([sealed]), headers=headers)
        assert r.status_code == 401 and "secret" not in r.text
    nobody = TestClient(codec_app(codec, bearer_token(""), (UI,)))  # no token configured: no one
    assert nobody.post("/codec/decode", json=body([sealed]), headers={"Authorization": "Bearer "}).status_code == 401


def test_the_temporal_ui_origin_may_call_it_and_others_may_not():
    http, _ = client()
    pre = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    ok = http.options("/codec/decode", headers={"Origin": UI, **pre})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == UI
    other = http.options("/codec/decode", headers={"Origin": "https://evil.example", **pre})
    assert "access-control-allow-origin" not in other.headers


async def test_a_payload_under_an_unknown_key_is_refused_not_passed_through():
    http, _ = client()
    stranger = EncryptionCodec(Keyring(active="k9", keys={"k9": os.urandom(32)}, pseudonym_secret=os.urandom(32)))
    (sealed,) = await encrypted_converter(stranger).encode(["x"])
    r = http.post("/codec/decode", json=body([sealed]), headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422 and "k9" in r.text


async def test_the_api_serves_the_codec_behind_the_front_doors_credentials(tmp_path):
    """Issue 12 behind issue 11: operations supervisors decode with their own token; others may not."""
    from runtime.settings import Settings
    from runtime.temporal import codec_for
    from service.context import Context
    from starter.front_door import build_app
    from tests.front_door import with_issuer

    settings = with_issuer(Settings(), tmp_path)
    app = build_app(Context(settings=settings))
    http = TestClient(app)
    (sealed,) = await encrypted_converter(codec_for(settings)).encode([{"reason": "瓶子漏液"}])
    identity = app.state.identity
    as_ops = {"Authorization": f"Bearer {identity.mint('wu.ops', 600)}"}
    as_first_line = {"Authorization": f"Bearer {identity.mint('li.first', 600)}"}
    ok = http.post("/codec/decode", json=body([sealed]), headers=as_ops)
    assert ok.status_code == 200 and json.loads(base64.b64decode(ok.json()["payloads"][0]["data"])) == {
        "reason": "瓶子漏液"
    }
    refused = http.post("/codec/decode", json=body([sealed]), headers=as_first_line)
    assert refused.status_code == 403 and "瓶子" not in refused.text and refused.json()["rule"] == "read_payloads.role"
    assert http.post("/codec/decode", json=body([sealed])).status_code == 401
    pre = {"Origin": UI, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    assert http.options("/codec/decode", headers=pre).headers["access-control-allow-origin"] == UI

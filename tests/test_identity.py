"""Identity: tokens verified for signature, issuer, audience and expiry; the subject maps to
an actor of the registry (its role from there) or to a customer; the embedded issuer's key
is created once, mode 0600; production keys come from a JWKS URL."""

from __future__ import annotations

import dataclasses
import json
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.identity import BadCredential, Identity, ensure_signing_key, parse_ttl, subject_for_customer
from domain.actors import Role, load_actors
from runtime.settings import ROOT, Settings
from service.context import Context
from starter.cli import run

ACTORS = load_actors(ROOT / "policies" / "actors.toml")


def settings(tmp_path: Path, **changes) -> Settings:
    base = dict(
        data_dir=tmp_path,
        auth_signing_key_file="",
        auth_jwks_url="",
        auth_issuer="aftersales-embedded",
        auth_audience="aftersales-api",
    )
    return dataclasses.replace(Settings(), **{**base, **changes})


def test_the_key_is_made_once_and_only_the_owner_can_read_it(tmp_path):
    ident = Identity(settings(tmp_path), ACTORS)
    key = tmp_path / "api-signing-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    again = Identity(settings(tmp_path), ACTORS)
    assert key.read_bytes() == before
    assert again.verify(ident.mint("wu.ops", 60)).actor.actor_id == "wu.ops"


def test_role_comes_from_the_registry_and_customers_are_themselves(tmp_path):
    ident = Identity(settings(tmp_path), ACTORS)
    staff = ident.verify(ident.mint("wu.ops", 3600))
    assert staff.role == Role.OPERATIONS_SUPERVISOR and staff.customer_id is None
    customer = ident.verify(ident.mint(subject_for_customer("cust-liu-yang"), 3600))
    assert customer.role == Role.CUSTOMER and customer.customer_id == "cust-liu-yang"


def test_a_role_claim_in_the_token_is_ignored(tmp_path):
    ident = Identity(settings(tmp_path), ACTORS)
    key = ensure_signing_key(tmp_path / "api-signing-key.pem")
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": "aftersales-embedded",
            "aud": "aftersales-api",
            "sub": "li.first",
            "iat": now,
            "exp": now + 60,
            "role": "operations_supervisor",
        },
        key,
        algorithm="ES256",
    )
    assert ident.verify(token).role == Role.FIRST_LINE


@pytest.mark.parametrize(
    "case, words",
    [
        ("expired", "expired"),
        ("forged", "signature"),
        ("audience", "audience"),
        ("issuer", "issuer"),
        ("unknown_actor", "registry"),
        ("garbage", "invalid"),
        ("no_exp", "invalid"),
        ("none_alg", "invalid"),
    ],
)
def test_bad_tokens_are_refused(tmp_path, case, words):
    ident = Identity(settings(tmp_path), ACTORS)
    key = ensure_signing_key(tmp_path / "api-signing-key.pem")
    other = ensure_signing_key(tmp_path / "other.pem")
    now = int(time.time())
    claims = {"iss": "aftersales-embedded", "aud": "aftersales-api", "sub": "wu.ops", "iat": now, "exp": now + 60}
    token = {
        "expired": lambda: ident.mint("wu.ops", 60, now=now - 3600),
        "forged": lambda: jwt.encode(claims, other, algorithm="ES256"),
        "audience": lambda: jwt.encode({**claims, "aud": "someone-else"}, key, algorithm="ES256"),
        "issuer": lambda: jwt.encode({**claims, "iss": "https://evil.example"}, key, algorithm="ES256"),
        "unknown_actor": lambda: jwt.encode({**claims, "sub": "mallory"}, key, algorithm="ES256"),
        "garbage": lambda: "not.a.token",
        "no_exp": lambda: jwt.encode({k: v for k, v in claims.items() if k != "exp"}, key, algorithm="ES256"),
        "none_alg": lambda: jwt.encode(claims, None, algorithm="none"),
    }[case]()
    with pytest.raises(BadCredential, match=words):
        ident.verify(token)


def test_minting_refuses_an_unknown_actor_and_a_bad_ttl(tmp_path):
    ident = Identity(settings(tmp_path), ACTORS)
    with pytest.raises(BadCredential):
        ident.mint("mallory", 60)
    assert parse_ttl("8h") == 8 * 3600 and parse_ttl("15m") == 900
    for bad in ("8", "0h", "-1h", "8w", ""):
        with pytest.raises(ValueError):
            parse_ttl(bad)


class _Jwks(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_production_keys_come_from_the_jwks_url(tmp_path):
    """The identity provider (an outside system, faked here by a JWKS endpoint) signs; we only verify."""
    idp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(idp_key.public_key()))
    _Jwks.body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()
    server = HTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/jwks.json"
        ident = Identity(settings(tmp_path, auth_jwks_url=url, auth_issuer="https://idp.shop.example"), ACTORS)
        assert not ident.embedded and not (tmp_path / "api-signing-key.pem").exists()
        now = int(time.time())
        claims = {
            "iss": "https://idp.shop.example",
            "aud": "aftersales-api",
            "sub": "zhao.returns",
            "iat": now,
            "exp": now + 60,
        }
        good = jwt.encode(claims, idp_key, algorithm="RS256", headers={"kid": "k1"})
        assert ident.verify(good).role == Role.RETURN_SPECIALIST
        with pytest.raises(BadCredential):
            ident.verify(
                jwt.encode(
                    claims,
                    rsa.generate_private_key(public_exponent=65537, key_size=2048),
                    algorithm="RS256",
                    headers={"kid": "k1"},
                )
            )
        with pytest.raises(RuntimeError):
            ident.mint("wu.ops", 60)
    finally:
        server.shutdown()


async def test_token_issue_mints_a_token_the_api_accepts(tmp_path, capsys):
    ctx = Context(settings=settings(tmp_path))
    assert await run(["token", "issue", "--actor", "wu.ops", "--ttl", "8h"], ctx) == 0
    token = capsys.readouterr().out.strip()
    principal = Identity(settings(tmp_path), ACTORS).verify(token)
    assert principal.actor.actor_id == "wu.ops"
    assert jwt.decode(token, options={"verify_signature": False})["exp"] - int(time.time()) in range(
        8 * 3600 - 60, 8 * 3600 + 1
    )
    assert await run(["token", "issue", "--customer", "cust-liu-yang"], ctx) == 0
    assert Identity(settings(tmp_path), ACTORS).verify(capsys.readouterr().out.strip()).customer_id == "cust-liu-yang"
    assert await run(["token", "issue", "--actor", "mallory"], ctx) == 2
    assert "registry" in capsys.readouterr().err


async def test_login_keeps_the_token_for_the_user_only(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert await run(["login", "--token", "abc.def.ghi"], Context(settings=settings(tmp_path))) == 0
    kept = tmp_path / "config" / "aftersales" / "token"
    assert kept.read_text().strip() == "abc.def.ghi" and stat.S_IMODE(kept.stat().st_mode) == 0o600

"""Who is calling: bearer JWTs verified with PyJWT (signature, issuer, audience, expiry),
the subject mapped to an actor of the registry or to a customer id. The role always comes
from the registry, never from the token or the request.

Two issuers:
- embedded (default): the API is its own issuer; an EC P-256 key is created on first start
  in the data directory (mode 0600) and `aftersales token issue` mints tokens with it, so
  only someone with file access to the server can mint;
- production (AUTH_JWKS_URL set): the shop's identity provider (OIDC); its public keys
  come from the JWKS URL and nothing here can mint."""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from domain.actors import ActorDirectory, ActorRef, Role
from runtime.settings import Settings

ALGORITHM = "ES256"
OIDC_ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]
CUSTOMER_PREFIX = "customer:"  # a customer's subject; staff and partners are registry actor ids
LEEWAY_SECONDS = 30  # clock skew between the issuer and us
_TTL = re.compile(r"^(\d+)([smhd])$")


class BadCredential(Exception):
    """No, malformed, forged, expired or foreign token, or a subject we do not know: 401."""


@dataclass(frozen=True)
class Principal:
    """The verified caller. `actor` is what the API puts in the payloads it builds."""

    subject: str
    actor: ActorRef
    customer_id: str | None = None

    @property
    def role(self) -> Role:
        return self.actor.role


def parse_ttl(text: str) -> int:
    """'8h' → seconds. Units s, m, h, d."""
    m = _TTL.match(text.strip())
    if not m or int(m.group(1)) == 0:
        raise ValueError(f"--ttl {text!r}: write a number and a unit, e.g. 15m, 8h, 7d")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def ensure_signing_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The embedded issuer's key, created on first use with mode 0600 (O_EXCL: two processes
    starting at once never overwrite each other's key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago; read theirs
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return loaded


def subject_for_customer(customer_id: str) -> str:
    return CUSTOMER_PREFIX + customer_id


class Identity:
    """Verifies tokens for the API; mints them when it is the embedded issuer."""

    def __init__(self, settings: Settings, actors: ActorDirectory):
        self.issuer = settings.auth_issuer
        self.audience = settings.auth_audience
        self.actors = actors
        self.jwks_url = settings.auth_jwks_url
        self._jwks = jwt.PyJWKClient(self.jwks_url, cache_keys=True) if self.jwks_url else None
        self._key = None if self.jwks_url else ensure_signing_key(settings.signing_key_path)

    @property
    def embedded(self) -> bool:
        return self._key is not None

    def mint(self, subject: str, ttl_seconds: int, *, now: float | None = None) -> str:
        if self._key is None:
            raise RuntimeError("tokens come from the identity provider (AUTH_JWKS_URL); this server cannot mint")
        self.principal_for(subject)  # never mint a token nobody can use
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The caller behind a bearer token, or BadCredential saying why not."""
        try:
            if self._key is not None:
                key: Any = self._key.public_key()
                algorithms = [ALGORITHM]
            else:
                assert self._jwks is not None
                key = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = OIDC_ALGORITHMS
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise BadCredential("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise BadCredential("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise BadCredential("the token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise BadCredential("the token's signature does not verify") from None
        except jwt.PyJWKClientError as e:
            raise BadCredential(f"no key for this token at the identity provider ({e})") from None
        except jwt.InvalidTokenError as e:
            raise BadCredential(f"invalid token ({e})") from None
        return self.principal_for(str(claims["sub"]))

    def principal_for(self, subject: str) -> Principal:
        if subject.startswith(CUSTOMER_PREFIX):
            customer = subject.removeprefix(CUSTOMER_PREFIX)
            if not customer or len(customer) > 64:
                raise BadCredential(f"subject {subject!r} names no customer")
            return Principal(subject, ActorRef(actor_id=customer, role=Role.CUSTOMER), customer_id=customer)
        try:
            return Principal(subject, self.actors.find(subject))
        except KeyError:
            raise BadCredential(f"subject {subject!r} is not in the actor registry") from None

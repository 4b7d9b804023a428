"""Signed pushes from the outside systems: HMAC-SHA256 over the timestamp and the exact
body, checked within a replay window. A shared static token can leak in a log and be
replayed forever; a signature is bound to one body and one moment."""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP = "X-Webhook-Timestamp"
SIGNATURE = "X-Webhook-Signature"
REPLAY_WINDOW_SECONDS = 300
DEFAULT_SECRETS = ("", "change-me", "changeme", "secret")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {TIMESTAMP: str(timestamp), SIGNATURE: signature(secret, timestamp, body)}


def problem(
    secret: str, timestamp: str, given: str, body: bytes, now: float, window: int = REPLAY_WINDOW_SECONDS
) -> str | None:
    """Why this push is not authentic, or None."""
    try:
        at = int(timestamp)
    except ValueError:
        return f"missing or malformed {TIMESTAMP}"
    if abs(now - at) > window:
        return f"{TIMESTAMP} is outside the {window} s replay window"
    if not hmac.compare_digest(given, signature(secret, at, body)):
        return f"missing or wrong {SIGNATURE}"
    return None


def weak(secret: str) -> bool:
    return secret.strip().lower() in DEFAULT_SECRETS or len(secret) < 16

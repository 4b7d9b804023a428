"""The keyring: AES-256 keys for the payload codec and the secret for keyed pseudonyms.

One source per process, in this order:
- `AFTERSALES_KEYS`: the keyring document itself (a secret manager injecting an env var);
- `AFTERSALES_KEY_FILE`: a path to it (a secret manager mounting a file); it must exist;
- otherwise `<AFTERSALES_DATA_DIR>/keys.json`, generated on first start with mode 0600,
  so the embedded server never writes a history in the clear.

The document: {"active": "<key id>", "keys": {"<key id>": "<base64 32 bytes>", ...},
"pseudonym_secret": "<base64 32 bytes>"}. The active key encrypts; every listed key
decrypts, so rotating means adding a key and making it active, and old keys stay until
no history that needs them is retained. The pseudonym secret never rotates: payer
references and account digests must stay the same for the same account.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from runtime.settings import Settings

KEY_BYTES = 32


class KeyringError(Exception):
    """The keyring is missing, unreadable or malformed: no process may run without it."""


@dataclass(frozen=True)
class Keyring:
    active: str
    keys: dict[str, bytes]
    pseudonym_secret: bytes
    source: str = ""

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise KeyringError(f"the active key {self.active!r} is not in the keyring")
        for kid, key in self.keys.items():
            if len(key) != KEY_BYTES:
                raise KeyringError(f"key {kid!r} is {len(key)} bytes, not {KEY_BYTES}")
        if len(self.pseudonym_secret) < 16:
            raise KeyringError("the pseudonym secret is shorter than 16 bytes")

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active]

    def to_json(self) -> str:
        return json.dumps(
            {
                "active": self.active,
                "keys": {kid: _b64(k) for kid, k in self.keys.items()},
                "pseudonym_secret": _b64(self.pseudonym_secret),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: str = "") -> Keyring:
        try:
            doc = json.loads(text)
            return cls(
                active=str(doc["active"]),
                keys={str(kid): base64.b64decode(v, validate=True) for kid, v in doc["keys"].items()},
                pseudonym_secret=base64.b64decode(doc["pseudonym_secret"], validate=True),
                source=source,
            )
        except KeyringError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise KeyringError(f"malformed keyring {source or ''}: {type(e).__name__} {e}") from None

    @classmethod
    def generate(cls, source: str = "") -> Keyring:
        kid = new_key_id()
        return cls(
            active=kid,
            keys={kid: secrets.token_bytes(KEY_BYTES)},
            pseudonym_secret=secrets.token_bytes(KEY_BYTES),
            source=source,
        )

    def rotated(self) -> Keyring:
        """A new active key; the old ones stay so that old payloads still decrypt."""
        kid = new_key_id()
        while kid in self.keys:
            kid = new_key_id()
        return Keyring(
            active=kid,
            keys={**self.keys, kid: secrets.token_bytes(KEY_BYTES)},
            pseudonym_secret=self.pseudonym_secret,
            source=self.source,
        )


def new_key_id() -> str:
    # Dated so an operator can tell which key is older; the suffix keeps two rotations on
    # one day apart. Key ids travel in payload metadata: they must reveal nothing.
    return f"k{datetime.now(timezone.utc):%Y%m%d}-{secrets.token_hex(3)}"


def default_key_file(settings: Settings) -> Path:
    return settings.data_dir / "keys.json"


def load_keyring(settings: Settings | None = None) -> Keyring:
    settings = settings or Settings()
    if settings.keys:
        return Keyring.from_json(settings.keys, source="AFTERSALES_KEYS")
    if settings.key_file is not None:
        path = settings.key_file
        if not path.exists():
            # An explicit key file is a mounted secret: generating one here would write
            # histories no other process can read.
            raise KeyringError(f"AFTERSALES_KEY_FILE {path} does not exist")
        return read_key_file(path)
    path = default_key_file(settings)
    if not path.exists():
        write_key_file(path, Keyring.generate(source=str(path)), exclusive=True)
    return read_key_file(path)


def read_key_file(path: Path) -> Keyring:
    try:
        return Keyring.from_json(path.read_text(encoding="utf-8"), source=str(path))
    except OSError as e:
        raise KeyringError(f"cannot read the keyring {path}: {e.strerror}") from None


def write_key_file(path: Path, keyring: Keyring, *, exclusive: bool = False) -> None:
    """Written with mode 0600 from the start (never readable by others, not even
    briefly) and moved into place, so a reader never sees half a keyring."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(keyring.to_json())
        if exclusive:
            try:
                os.link(tmp, path)  # two processes starting at once: the first one's keys win
            except FileExistsError:
                pass
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")

"""What a request works with, from the CLI or the API: settings, the Temporal client, the
case store and the actor directory, each made on first use. Tests pass their own client and store."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from pydantic import ValidationError
from temporalio.client import Client

from domain.actors import ActorDirectory, load_actors
from runtime.codec import Sealer
from runtime.keys import KeyringError, load_keyring
from runtime.settings import Settings
from runtime.temporal import connect
from service.errors import ServiceError, Unavailable
from store import CaseStore, open_store
from store.vault import Vault


@dataclass
class Context:
    settings: Settings = field(default_factory=Settings)
    client: Client | None = None
    store: CaseStore | None = None
    out: TextIO = field(default_factory=lambda: sys.stdout)
    api: Any = None  # the CLI's HTTP client for the case API (tests pass one bound to the app)
    token: str | None = None  # the CLI's bearer token when not from AFTERSALES_TOKEN or `aftersales login`
    api_owned: bool = False  # the client was made here, so it is closed here
    _actors: ActorDirectory | None = None

    async def temporal(self) -> Client:
        if self.client is None:
            try:
                self.client = await connect(self.settings)
            except RuntimeError as e:
                raise Unavailable(
                    f"cannot reach Temporal at {self.settings.temporal_address} ({_first_line(e)}); "
                    "start it with `aftersales up` or `aftersales server`"
                ) from None
        return self.client

    def cases(self) -> CaseStore:
        if self.store is None:
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            try:
                sealer = Sealer(load_keyring(self.settings))
            except KeyringError as e:
                raise ServiceError(str(e)) from None
            self.store = open_store(self.settings.store_url)
            self.store.sealer = sealer  # orders' contact details and paying account sealed at rest
        return self.store

    def actors(self) -> ActorDirectory:
        if self._actors is None:
            try:
                self._actors = load_actors(self.settings.actors_file)
            except ValueError as e:
                raise ServiceError(str(e)) from None
        return self._actors

    def pseudonym_secret(self) -> bytes:
        """The keyring's secret for payer references and account digests (§6)."""
        try:
            return load_keyring(self.settings).pseudonym_secret
        except KeyringError as e:
            raise ServiceError(str(e)) from None

    def vault(self) -> Vault:
        try:
            return Vault(self.cases(), Sealer(load_keyring(self.settings)))
        except KeyringError as e:
            raise ServiceError(str(e)) from None

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)


def one_line(e: ValidationError) -> str:
    """A pydantic error as one readable line: where, and what is wrong."""
    first = e.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return f"{where}: {msg}{more}" if where else f"{msg}{more}"


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:160] if text else type(e).__name__

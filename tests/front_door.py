"""The CLI's acting commands are clients of the case API; tests serve the API in process
(httpx over ASGI, same Temporal test server and store) and log in as whoever acts."""
from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from api.identity import Identity, subject_for_customer
from domain.actors import load_actors
from runtime.settings import ROOT, Settings
from service.context import Context

ACTORS = load_actors(ROOT / "policies" / "actors.toml")


def with_issuer(settings: Settings, data_dir: Path) -> Settings:
    """The embedded issuer, its key in a test's own directory."""
    return dataclasses.replace(settings, data_dir=data_dir, auth_signing_key_file="", auth_jwks_url="",
                               auth_issuer="aftersales-embedded", auth_audience="aftersales-api")


@dataclasses.dataclass
class FrontDoor:
    http: httpx.AsyncClient
    identity: Identity

    def token_for(self, who: str) -> str:
        """A registry actor's token, or a customer's for anyone else."""
        try:
            ACTORS.find(who)
            return self.identity.mint(who, 3600)
        except KeyError:
            return self.identity.mint(subject_for_customer(who), 3600)


@asynccontextmanager
async def front_door(settings: Settings, client: Any, store: Any) -> AsyncIterator[FrontDoor]:
    app = create_app(Context(settings=settings, client=client, store=store), Identity(settings, ACTORS))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        yield FrontDoor(http, app.state.identity)


def acting(argv: tuple[str, ...]) -> tuple[list[str], str | None]:
    """Tests say who acts as `--as WHO` anywhere in argv; the CLI itself has no such flag."""
    args, who = list(argv), None
    if "--as" in args:
        i = args.index("--as")
        who = args[i + 1]
        del args[i:i + 2]
    return args, who

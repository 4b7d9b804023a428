"""The CLI's acting commands are clients of the case API; tests serve the API in process
(httpx over ASGI, same Temporal test server and store) and log in as whoever acts."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
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
from starter import cli

ACTORS = load_actors(ROOT / "policies" / "actors.toml")


def with_issuer(settings: Settings, data_dir: Path) -> Settings:
    """The embedded issuer, its key in a test's own directory."""
    return dataclasses.replace(
        settings,
        data_dir=data_dir,
        auth_signing_key_file="",
        auth_jwks_url="",
        auth_issuer="aftersales-embedded",
        auth_audience="aftersales-api",
    )


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
        del args[i : i + 2]
    return args, who


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self):
        return json.loads(self.out)


def shell_for(settings, store, door, outside, default_client):
    """`aftersales ARGV` in process; `--as WHO` in argv logs in as WHO (the order's customer by default)."""

    async def aftersales(*argv: str, client=default_client) -> Result:
        args, who = acting(argv)
        out, err = io.StringIO(), io.StringIO()
        token = door.token_for(who or _customer_of(store, args))
        ctx = Context(settings=settings, client=client, store=store, out=out, api=door.http, token=token)
        with contextlib.redirect_stderr(err):
            try:
                code = await cli.run(args, ctx)
            except SystemExit as e:  # argparse usage errors
                code = int(e.code or 0)
        return Result(code, out.getvalue(), err.getvalue())

    aftersales.outside = outside  # type: ignore[attr-defined]
    return aftersales


def _customer_of(store, args: list[str]) -> str:
    """Who acts when a test names nobody: the customer of the order (or case) in argv or in its --file."""
    if "--file" in args:
        try:
            doc = json.loads(Path(args[args.index("--file") + 1]).read_text(encoding="utf-8"))
            args = [*args, str(doc.get("order_id"))] if isinstance(doc, dict) else args
        except (OSError, ValueError):
            pass
    for a in args:
        o = store.get_order(a)
        if o is not None:
            return o.customer_id
        c = store.get_case(a)
        if c is not None:
            return c["customer_id"]
    return "cust-nobody"

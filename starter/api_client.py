"""The CLI's acting commands as a client of the case API: the token comes from
AFTERSALES_TOKEN or `aftersales login`, never from a flag naming who you are; a problem
document becomes the CLI's one `aftersales: …` line."""

from __future__ import annotations

from typing import Any

import httpx

from service.context import Context
from starter.cli import CliError
from starter.tokens import saved_token

TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def token_of(ctx: Context) -> str:
    token = ctx.token or ctx.settings.token or saved_token()
    if not token:
        raise CliError(
            "no credential: set AFTERSALES_TOKEN or run `aftersales login` "
            "(an operator mints one with `aftersales token issue`)"
        )
    return token


def http_of(ctx: Context) -> httpx.AsyncClient:
    if ctx.api is None:
        ctx.api = httpx.AsyncClient(base_url=ctx.settings.api_url, timeout=TIMEOUT)
        ctx.api_owned = True
    return ctx.api


async def call(
    ctx: Context,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
    token: str | None = None,
) -> Any:
    """The answer's JSON, or CliError with the problem's detail (and the refusing rule)."""
    headers = {"Authorization": f"Bearer {token or token_of(ctx)}"}
    try:
        r = await http_of(ctx).request(method, path, json=json, params=params, headers=headers)
    except httpx.TransportError as e:
        raise CliError(
            f"cannot reach the case API at {ctx.settings.api_url} ({type(e).__name__}); "
            "start it with `aftersales up` or `aftersales api`, or set API_URL"
        ) from None
    if r.status_code >= 400:
        try:
            problem = r.json()
            detail = str(problem.get("detail") or problem.get("title"))
            rule = problem.get("rule")
        except ValueError:
            detail, rule = r.text[:200] or r.reason_phrase, None
        raise CliError(f"{detail}" + (f" [rule {rule}]" if rule else ""))
    return r.json()

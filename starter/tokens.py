"""Credentials from the command line. `token issue` is an operator command: it mints with
the embedded issuer's key, so it works only where that key file can be read (the server).
`login` keeps a token in the user's config directory for the acting commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from api.identity import BadCredential, Identity, parse_ttl, subject_for_customer
from service.context import Context
from starter.cli import CliError


def token_file() -> Path:
    """Where `aftersales login` keeps the token: the user's config directory (XDG)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "aftersales" / "token"


def saved_token() -> str:
    try:
        return token_file().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


async def cmd_issue(args: argparse.Namespace, ctx: Context) -> int:
    if ctx.settings.auth_jwks_url:
        raise CliError("tokens come from the identity provider (AUTH_JWKS_URL is set); this server cannot mint")
    try:
        ttl = parse_ttl(args.ttl)
    except ValueError as e:
        raise CliError(str(e)) from None
    subject = subject_for_customer(args.customer) if args.customer else args.actor
    try:
        token = Identity(ctx.settings, ctx.actors()).mint(subject, ttl)
    except BadCredential as e:
        raise CliError(str(e)) from None
    except PermissionError as e:
        raise CliError(
            f"cannot read the signing key {ctx.settings.signing_key_path}: {e.strerror}; "
            "only an operator on the API's server can mint"
        ) from None
    ctx.say(token)
    return 0


async def cmd_login(args: argparse.Namespace, ctx: Context) -> int:
    token = (args.token or sys.stdin.readline()).strip()
    if not token:
        raise CliError("give the token: aftersales login --token TOKEN (or on standard input)")
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    ctx.say(f"token kept in {path}; acting commands present it to {ctx.settings.api_url}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("token", help="operator: mint API tokens with the embedded issuer's key")
    tsub = p.add_subparsers(dest="token_command", required=True)
    i = tsub.add_parser("issue", help="mint a bearer token for an actor of the registry or a customer")
    who = i.add_mutually_exclusive_group(required=True)
    who.add_argument("--actor", help="an actor id from the actor registry (its role comes from there)")
    who.add_argument("--customer", help="a customer id: the token acts on that customer's orders only")
    i.add_argument("--ttl", default="8h", help="lifetime, e.g. 15m, 8h, 7d (default 8h)")
    i.set_defaults(afunc=cmd_issue)

    p = sub.add_parser("login", help="keep a token in the user's config directory for the acting commands")
    p.add_argument("--token", help="the token (default: read one line from standard input)")
    p.set_defaults(afunc=cmd_login)

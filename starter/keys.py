"""`aftersales keys`: the keyring of the payload codec and the keyed pseudonyms
(runtime/keys.py). `rotate` adds a key and makes it the one that encrypts; the old keys
stay in the keyring so every history written under them still decrypts and replays."""

from __future__ import annotations

import argparse
import json

from runtime.keys import Keyring, KeyringError, default_key_file, load_keyring, write_key_file
from service.context import Context
from starter.cli import CliError


def _keyring(ctx: Context) -> Keyring:
    try:
        return load_keyring(ctx.settings)
    except KeyringError as e:
        raise CliError(str(e)) from None


async def cmd_keys_show(args: argparse.Namespace, ctx: Context) -> int:
    ring = _keyring(ctx)
    # ids only: key material never goes to a terminal or a log
    if args.json:
        ctx.say(json.dumps({"source": ring.source, "active": ring.active, "keys": sorted(ring.keys)}))
    else:
        ctx.say(f"keyring {ring.source}")
        for kid in sorted(ring.keys):
            ctx.say(f"  {kid}{'  (active: encrypts)' if kid == ring.active else '  (decrypts)'}")
    return 0


async def cmd_keys_init(args: argparse.Namespace, ctx: Context) -> int:
    """Create the key file if there is none (a one-shot container before the others
    start, or an operator preparing the secret to mount); an existing one is kept."""
    path = ctx.settings.key_file or default_key_file(ctx.settings)
    if path.exists():
        ctx.say(f"keyring {path} exists; kept")
        return 0
    write_key_file(path, Keyring.generate(source=str(path)), exclusive=True)
    ctx.say(f"new keyring {path} (mode 0600)")
    return 0


async def cmd_keys_rotate(args: argparse.Namespace, ctx: Context) -> int:
    if ctx.settings.keys:
        raise CliError(
            "the keyring comes from AFTERSALES_KEYS: rotate it in the secret manager "
            "(add a key, make it active, keep the old ones) and restart the processes"
        )
    ring = _keyring(ctx)
    path = ctx.settings.key_file or default_key_file(ctx.settings)
    new = ring.rotated()
    write_key_file(path, new)
    ctx.say(f"new active key {new.active} in {path}; {len(new.keys) - 1} older key(s) kept for decryption")
    ctx.say(
        "restart the worker, webhooks and codec server so they encrypt with it "
        "(until then they keep encrypting with the old key, which stays valid)"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("keys", help="the payload encryption keyring: show, rotate")
    ksub = p.add_subparsers(dest="keys", required=True)
    s = ksub.add_parser("show", help="key ids and which one encrypts (never the keys)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(afunc=cmd_keys_show)
    i = ksub.add_parser("init", help="create the key file (AFTERSALES_KEY_FILE or the data directory's) if absent")
    i.set_defaults(afunc=cmd_keys_init)
    r = ksub.add_parser("rotate", help="add a new key that encrypts from now on; old keys keep decrypting")
    r.set_defaults(afunc=cmd_keys_rotate)

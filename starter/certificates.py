"""`aftersales tls init`: the compose stack's mTLS certificates (runtime/certificates.py)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from runtime.certificates import make_certificates
from service.context import Context


async def cmd_tls_init(args: argparse.Namespace, ctx: Context) -> int:
    names = args.server_name or ["temporal"]
    files = make_certificates(Path(args.dir), names, overwrite=args.force)
    # each key readable only by the one process user that presents it (needs root to hand over)
    for name, uid in (
        ("server", args.server_key_owner),
        ("admin", args.server_key_owner),
        ("client", args.client_key_owner),
    ):
        if uid is not None:
            os.chown(files.key(name), uid, -1)
    ctx.say(
        f"CA {files.ca}; Temporal frontend {files.cert('server')} ({', '.join(names)}); "
        f"our services {files.cert('client')}"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tls", help="mTLS certificates between Temporal and our services")
    tsub = p.add_subparsers(dest="tls_command", required=True)
    i = tsub.add_parser(
        "init", help="make a CA, the Temporal frontend's and our services' certificates (kept if present)"
    )
    i.add_argument("--dir", required=True, help="where to write them (a volume shared with Temporal)")
    i.add_argument(
        "--server-name", action="append", default=None, help="DNS name of the Temporal frontend (repeatable)"
    )
    i.add_argument("--force", action="store_true", help="make new ones even if they exist")
    i.add_argument(
        "--server-key-owner",
        type=int,
        help="uid that owns the frontend's and the admin key (the Temporal images' user)",
    )
    i.add_argument("--client-key-owner", type=int, help="uid that owns our services' key (our image's user)")
    i.set_defaults(afunc=cmd_tls_init)

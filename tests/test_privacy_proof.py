"""The proof of issue 12: the demo batch (every case kind) runs on the embedded dev server
as a user runs it, every history is exported with the `temporal` CLI, and neither the raw
export, nor the store, nor the logs of the run hold any phone, address, paying account,
payee account or real name of the demo orders and payees. Through the codec server the
same export decodes to readable payloads, still without them."""

from __future__ import annotations

import base64
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from runtime.binaries import binary
from starter.demo import DEMO_PAYEES
from tests.test_devserver_e2e import CLEARED, leftovers

AFTERSALES = str(Path(sys.executable).parent / "aftersales")
ORDERS = Path(__file__).resolve().parent.parent / "starter" / "demo_data" / "orders.json"
TOKEN = "proof-token"


def personal_data() -> set[str]:
    """Every phone, address and paying account of the demo orders (and the account's own
    part, a phone or a wechat id), every payee account id and real name."""
    found: set[str] = set()
    for o in json.loads(ORDERS.read_text(encoding="utf-8"))["orders"]:
        for key in ("phone", "address", "paying_account"):
            if o.get(key):
                found.add(o[key])
        found.add(o["paying_account"].split(":", 1)[-1])
    for payee in DEMO_PAYEES:
        found |= {payee["account_id"], payee["real_name"]}
    return found


def payload_texts(node: Any) -> str:
    if isinstance(node, dict):
        own = (
            base64.b64decode(node["data"]).decode("utf-8", "replace")
            if isinstance(node.get("data"), str) and "metadata" in node
            else ""
        )
        return own + "".join(payload_texts(v) for v in node.values())
    if isinstance(node, list):
        return "".join(payload_texts(v) for v in node)
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hits(text: str, secrets: set[str]) -> dict[str, int]:
    return {s: text.count(s) for s in secrets if s in text}


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise AssertionError(f"nothing listens on {port}")


def test_no_personal_data_in_histories_store_or_logs(tmp_path: Path):
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and k != "AFTERSALES_KEY_FILE"}
    env["AFTERSALES_DATA_DIR"] = str(data)  # the embedded default: a keyring generated in here
    port, ui = free_port(), free_port()
    env["TEMPORAL_ADDRESS"] = f"127.0.0.1:{port}"
    done = subprocess.run(
        [AFTERSALES, "up", "--port", str(port), "--ui-port", str(ui), "--exit-after-demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(next((data / "demo-runs").glob("*.json")).read_text(encoding="utf-8"))
    assert all(c["outcome"] == c["expect"] for c in summary), summary
    assert len({c["kind"] for c in summary}) == 16, sorted({c["kind"] for c in summary})
    assert stat.S_IMODE((data / "keys.json").stat().st_mode) == 0o600
    secrets = personal_data()
    assert len(secrets) >= 12

    # the dev server again on the same state, to export what the run left
    server = subprocess.Popen(
        [AFTERSALES, "server", "--port", str(port), "--ui-port", str(ui)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    codec_port = free_port()
    codec = subprocess.Popen(
        [AFTERSALES, "codec-server", "--port", str(codec_port)],
        env={**env, "CODEC_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(port)
        wait_port(codec_port)
        temporal = [binary("temporal"), "--address", f"127.0.0.1:{port}"]
        listed = subprocess.run(
            [*temporal, "workflow", "list", "-o", "json", "--limit", "1000"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        ids = sorted({w["execution"]["workflowId"] for w in json.loads(listed)})
        assert len(ids) >= len(summary)  # every case and every child it started

        def export(*codec_flags: str) -> list[str]:
            return [
                subprocess.run(
                    [*temporal, "workflow", "show", "-w", wid, "-o", "json", *codec_flags],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=True,
                ).stdout
                for wid in ids
            ]

        raw_docs = export()
        decoded_docs = export(
            "--codec-endpoint", f"http://127.0.0.1:{codec_port}/codec", "--codec-auth", f"Bearer {TOKEN}"
        )
    finally:
        for proc in (codec, server):
            proc.terminate()
            proc.wait(timeout=30)
    # The export as text, and every payload's data base64-decoded (the CLI prints payload
    # data as base64), so a value is found whichever way it is stored.
    raw = "\n".join(raw_docs) + "\n".join(payload_texts(json.loads(d)) for d in raw_docs)
    decoded = "\n".join(decoded_docs) + "\n".join(payload_texts(json.loads(d)) for d in decoded_docs)

    # raw: ciphertext only, so not even the order ids can be read
    assert hits(raw, secrets) == {}
    assert "SO-20261118-0002" not in raw and "YmluYXJ5L2VuY3J5cHRlZA==" in raw  # binary/encrypted
    # decoded: readable payloads, and still none of it (minimised before encrypting)
    assert "SO-20261118-0002" in decoded and "payee:" in decoded and "order_id" in decoded
    assert hits(decoded, secrets) == {}

    # the store, every table: the orders too, whose contact details and paying account are
    # sealed at rest (readable by the CLI with the keyring, for the paying account only)
    with sqlite3.connect(data / "cases.db") as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] >= 5
        dumped = "\n".join(repr(row) for t in tables for row in db.execute(f'SELECT * FROM "{t}"'))
        vaulted = db.execute("SELECT COUNT(*) FROM vault").fetchone()[0]
    assert vaulted >= 2 and "vault" in tables  # the demo's payee and its invoice title
    assert hits(dumped, secrets) == {}

    # the logs of the same run: the worker's, the server's, and what `up` printed
    logs = (
        done.stdout + done.stderr + "".join(p.read_text(encoding="utf-8", errors="replace") for p in data.glob("*.log"))
    )
    assert hits(logs, secrets) == {}
    # the server's own database holds the histories: no clear text there either
    server_db = (data / "temporal.db").read_bytes()
    assert [s for s in secrets if s.encode("utf-8") in server_db] == []
    assert not leftovers(data)
    print(f"proof: {len(ids)} histories, {len(secrets)} values searched; hits raw 0, decoded 0, store 0, logs 0")

"""Recorded histories hold no personal data in clear (rulebook §6): every history written since the
payload codec (the baseline folder, and the retired ones, sealed afterwards) has each case payload
sealed. What the SDK core and the server write themselves stays plain and holds no case data.

The older folders were recorded before the codec and replay as recorded; they are not checked here."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from runtime.codec import ENCODING, history_payloads

TESTS = Path(__file__).resolve().parent
SEALED_FOLDERS = [TESTS / "histories" / "baseline-2026-12", TESTS / "retired_histories"]
FILES = sorted(p for folder in SEALED_FOLDERS for p in folder.rglob("*.json"))


# What the SDK core and the server write themselves, never through the codec: patch markers and the
# patch search attribute, local-activity marker metadata, the server's cancellation reason.
CORE_WRITES = (b'"activity_type"', b'"deprecated"', b'["baseline-', b'"ACTIVITY_ID_NOT_STARTED"')


def core_marker(payload_text: bytes) -> bool:
    return any(mark in payload_text for mark in CORE_WRITES)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_case_payload_is_sealed(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    plain = [
        p.data
        for e in history.events
        for p in history_payloads(e)
        if p.metadata.get("encoding") != ENCODING and not core_marker(p.data)
    ]
    assert not plain, f"{path.name}: {len(plain)} payloads in clear, e.g. {plain[0][:120]!r}"


def test_the_sealed_folders_hold_histories():
    assert len(FILES) >= 12 + 10

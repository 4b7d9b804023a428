"""The payload codec (runtime/codec.py) and its keyring (runtime/keys.py): payloads leave
every client encrypted under the active key, name their key, decrypt under a rotated
keyring, and payloads written before the codec pass through."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import uuid
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

import worker
from domain.actors import ActorRef, Role
from domain.models import CaseKind
from domain.returns import ReturnRefundInput, ReturnRefundResult, ReviewDecision
from runtime.codec import ENCODING, KEY_ID, CodecError, EncryptionCodec, encrypted_converter, history_payloads
from runtime.keys import Keyring, KeyringError, load_keyring
from runtime.settings import Settings
from service.context import Context
from starter.cli import run
from tests.factories import DEFAULT_POLICY, header
from tests.support import in_state
from workflows.patches import BASELINE
from workflows.return_refund import ReturnRefund

PHONE = "13812345678"


def ring(kid: str = "k-old") -> Keyring:
    return Keyring(active=kid, keys={kid: os.urandom(32)}, pseudonym_secret=os.urandom(32))


def key_ids(history: WorkflowHistory) -> list[str]:
    return [p.metadata[KEY_ID].decode() for e in history.events for p in history_payloads(e) if KEY_ID in p.metadata]


async def test_a_payload_is_encrypted_under_the_active_key_and_named_by_it():
    converter = encrypted_converter(EncryptionCodec(ring("k-1")))
    case = header(CaseKind.RETURN_REFUND, reason=f"call me {PHONE}")
    (payload,) = await converter.encode([ReturnRefundInput(case=case, policy=DEFAULT_POLICY)])
    assert payload.metadata["encoding"] == ENCODING and payload.metadata[KEY_ID] == b"k-1"
    assert PHONE.encode() not in payload.data and case.case_id.encode() not in payload.data
    (back,) = await converter.decode([payload], [ReturnRefundInput])
    assert back.case == case


async def test_payloads_written_before_the_codec_pass_through():
    plain = encrypted_converter(None)
    (payload,) = await plain.encode([{"order_id": "O-1"}])
    (back,) = await encrypted_converter(EncryptionCodec(ring())).decode([payload], [dict])
    assert back == {"order_id": "O-1"}


async def test_a_rotated_keyring_decrypts_old_payloads_and_encrypts_with_the_new_key():
    old = ring("k-old")
    (payload,) = await encrypted_converter(EncryptionCodec(old)).encode(["before"])
    new = old.rotated()
    codec = EncryptionCodec(new)
    (again,) = await encrypted_converter(codec).encode(["after"])
    assert again.metadata[KEY_ID].decode() == new.active != "k-old"
    assert await encrypted_converter(codec).decode([payload, again], [str, str]) == ["before", "after"]


async def test_an_unknown_key_or_a_tampered_payload_is_refused():
    (payload,) = await encrypted_converter(EncryptionCodec(ring("k-a"))).encode(["secret"])
    with pytest.raises(CodecError, match="no key 'k-a'"):
        EncryptionCodec(ring("k-b")).decrypt(payload)
    tampered = Payload(metadata=dict(payload.metadata), data=payload.data[:-1] + bytes([payload.data[-1] ^ 1]))
    codec = EncryptionCodec(ring("k-a"))
    with pytest.raises(CodecError):
        codec.decrypt(tampered)


async def test_an_unknown_key_id_reloads_a_shared_key_file_once():
    old = ring("k-old")
    new = old.rotated()
    (payload,) = await encrypted_converter(EncryptionCodec(new)).encode(["x"])
    codec = EncryptionCodec(old, reload=lambda: new)  # another process rotated the file
    assert await encrypted_converter(codec).decode([payload], [str]) == ["x"]
    assert codec.keyring.active == new.active


def test_the_embedded_default_generates_a_private_key_file_once(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, key_file=None, keys="")
    first = load_keyring(settings)
    path = tmp_path / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(settings) == first  # the second start reads, never regenerates


def test_an_explicit_key_file_must_exist_and_the_environment_wins(tmp_path: Path):
    with pytest.raises(KeyringError, match="does not exist"):
        load_keyring(Settings(data_dir=tmp_path, key_file=tmp_path / "mounted.json", keys=""))
    doc = ring("k-env").to_json()
    assert load_keyring(Settings(data_dir=tmp_path, key_file=tmp_path / "absent", keys=doc)).active == "k-env"
    with pytest.raises(KeyringError, match="malformed"):
        load_keyring(Settings(data_dir=tmp_path, keys='{"active": "x"}'))


async def test_keys_rotate_adds_an_active_key_and_keeps_the_old(tmp_path: Path, capsys):
    settings = Settings(data_dir=tmp_path, key_file=None, keys="")
    before = load_keyring(settings)
    assert await run(["keys", "rotate"], Context(settings=settings)) == 0
    after = load_keyring(settings)
    assert after.active != before.active and set(after.keys) == {before.active, after.active}
    assert after.keys[before.active] == before.keys[before.active] and after.pseudonym_secret == before.pseudonym_secret
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600
    assert await run(["keys", "show", "--json"], Context(settings=settings)) == 0
    shown = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert shown["active"] == after.active and sorted(shown["keys"]) == sorted(after.keys)
    # key material never reaches the terminal
    assert all(v.hex() not in json.dumps(shown) for v in after.keys.values())
    refused = await run(["keys", "rotate"], Context(settings=Settings(data_dir=tmp_path, keys=before.to_json())))
    assert refused == 2


async def test_a_case_begun_under_the_old_key_resumes_and_replays_under_the_new(env: WorkflowEnvironment, store):
    """Rotation with a case open: the worker restarted with the rotated keyring rebuilds
    the case from a history written under the old key, the case finishes under the new
    key, and the whole history replays with the rotated keyring (and not without it)."""
    old = ring("k-old")
    new = old.rotated()

    def client_with(keyring: Keyring) -> Client:
        return Client(
            env.client.service_client,
            namespace=env.client.namespace,
            data_converter=encrypted_converter(EncryptionCodec(keyring)),
        )

    case = header(CaseKind.RETURN_REFUND, reason="leaking bottle")
    outside = worker.Outside.simulated()
    tq = f"tq-{uuid.uuid4().hex[:8]}"
    before = client_with(old)
    # no cache in either worker: the case's next task goes to the shared queue, not to a
    # stopped worker's sticky queue (which the time-skipping server never times out)
    async with worker.build_worker(before, store, outside, task_queue=tq, max_cached_workflows=0):
        h = await before.start_workflow(
            "ReturnRefund",
            ReturnRefundInput(case=case, policy=DEFAULT_POLICY),
            id=case.workflow_id,
            task_queue=tq,
            result_type=ReturnRefundResult,
        )
        await in_state(h, "awaiting_review")
    after = client_with(new)
    # a fresh worker, so the case is rebuilt from the history written under the old key
    async with worker.build_worker(after, store, outside, task_queue=tq, max_cached_workflows=0):
        h2 = after.get_workflow_handle(case.workflow_id, result_type=ReturnRefundResult)
        await h2.execute_update(
            ReturnRefund.review,
            ReviewDecision(
                reviewer=ActorRef(actor_id="zhao.returns", role=Role.RETURN_SPECIALIST), approve=True, pickup=False
            ),
        )
        result = await asyncio.wait_for(h2.result(), timeout=60)
    assert result.outcome.value == "advance_compensated"
    history = await h2.fetch_history()
    ids = key_ids(history)
    assert ids[0] == "k-old" and ids[-1] == new.active and set(ids) == {"k-old", new.active}
    # What the SDK core writes itself stays plain: patch markers, the patch search
    # attribute and local-activity marker metadata (ids, attempt, type). None of it is case data.
    plain = [p.data for e in history.events for p in history_payloads(e) if p.metadata.get("encoding") != ENCODING]
    assert plain and all(b"activity_type" in d or BASELINE.encode() in d for d in plain), plain
    assert not [d for d in plain if case.case_id.encode() in d or case.order.order_id.encode() in d]
    replayed = await Replayer(
        workflows=worker.WORKFLOWS, data_converter=after.data_converter, workflow_runner=worker.sandbox_runner()
    ).replay_workflow(history, raise_on_replay_failure=False)
    assert replayed.replay_failure is None
    without_old = Keyring(active=new.active, keys={new.active: new.active_key}, pseudonym_secret=new.pseudonym_secret)
    refused = await Replayer(
        workflows=worker.WORKFLOWS,
        data_converter=client_with(without_old).data_converter,
        workflow_runner=worker.sandbox_runner(),
    ).replay_workflow(history, raise_on_replay_failure=False)
    assert refused.replay_failure is not None

"""Logs (runtime/logs.py): JSON lines with the case bound, and nothing private in the
clear (rulebook §6) — neither in structlog events nor in stdlib records (Temporal's own)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload

from adapters.simulators import Scenario, SimulatorConfig
from domain.actors import ActorRef, Role
from domain.models import CaseKind, payer_reference
from domain.returns import ReturnOutcome, ReturnRefundInput, ReturnRefundResult, ReviewDecision
from runtime import logs
from runtime.temporal import codec_for
from tests.factories import DEFAULT_POLICY, header, order, secret
from tests.support import advance, running_worker
from workflows.return_refund import ReturnRefund

PHONE = "13812345678"
ADDRESS = "上海市浦东新区世纪大道100号"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """logs.configure() writing to a buffer; the previous logging set-up restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    buf = io.StringIO()
    logs.configure("debug", stream=buf)
    yield buf
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    structlog.reset_defaults()


def _payload_texts(node: Any, decrypt: bool = True) -> Iterator[str]:
    """The data of every payload in a history's JSON form, decrypted with the tests'
    keyring (decrypt=False: as stored on the server)."""
    if isinstance(node, dict):
        if isinstance(node.get("data"), str) and "metadata" in node:
            payload = json_format.ParseDict(node, Payload(), ignore_unknown_fields=True)
            yield (codec_for().decrypt(payload) if decrypt else payload).data.decode("utf-8", "replace")
        for value in node.values():
            yield from _payload_texts(value, decrypt)
    elif isinstance(node, list):
        for value in node:
            yield from _payload_texts(value, decrypt)


def lines(buf: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]


def test_structlog_events_are_json_lines_with_the_case_bound(captured):
    log = logs.case_logger("RR-1", workflow_id="case-RR-1", activity="pay_refund")
    log.info("paid", amount_fen=13350)
    log.warning("second line", attempt=2)
    first, second = lines(captured)
    assert first["event"] == "paid" and first["level"] == "info"
    assert (first["case_id"], first["workflow_id"], first["activity"], first["amount_fen"]) == (
        "RR-1",
        "case-RR-1",
        "pay_refund",
        13350,
    )
    assert first["timestamp"].endswith("Z")
    assert second["level"] == "warning" and second["attempt"] == 2


def test_stdlib_records_become_json_lines_too(captured):
    logging.getLogger("temporalio.worker").info("worker %s polling %d queues", "w-1", 2, extra={"task_queue": "tq"})
    (line,) = lines(captured)
    assert line["event"] == "worker w-1 polling 2 queues"
    assert line["task_queue"] == "tq" and line["level"] == "info"


PRIVATE_TEXT = [
    PHONE,
    "+8613812345678",
    "+86 13812345678",
    "+86-138-1234-5678",
    "138 1234 5678",
    "138-1234-5678",
    "021-62898155",
    "(021) 62898155",
    "0755-12345678",
    ADDRESS,
    "北京市朝阳区建国路88号",
    "上海市延安中路841号东方海外大厦2601室",
    "zhang.san@example.com",
    "alipay:zhang.san",
    "6222021234567890123",
]


@pytest.mark.parametrize("secret", PRIVATE_TEXT)
def test_private_details_in_free_text_are_redacted_in_structlog_events(captured, secret):
    logs.case_logger("RR-1").info(f"customer said: send it to {secret} today", note=f"ring {secret}")
    out = captured.getvalue()
    assert secret not in out
    (line,) = lines(captured)
    assert line["event"].startswith("customer said: send it to [redacted]")
    assert line["note"].startswith("ring [redacted]")


@pytest.mark.parametrize("secret", PRIVATE_TEXT)
def test_private_details_in_free_text_are_redacted_in_stdlib_records(captured, secret):
    logging.getLogger("temporalio.activity").warning("callback to %s failed", secret)
    out = captured.getvalue()
    assert secret not in out
    assert lines(captured)[0]["event"] == "callback to [redacted] failed"


def test_ordinary_identifiers_and_amounts_are_left_alone(captured):
    text = "case RR-20261120-0001 order O-1234567890 refund 13350 fen at 2026-11-20T15:00:00Z run 0b5c9e2e-8d1f-4c3a"
    logs.case_logger("RR-20261120-0001").info(text)
    assert lines(captured)[0]["event"] == text


@pytest.mark.parametrize(
    "key", ["phone", "address", "paying_account", "account_ref", "account", "real_name", "account_id"]
)
def test_private_keys_are_redacted_whatever_their_value(captured, key):
    logs.case_logger("RR-1").info("contact", **{key: "Zhang San, room 5"})
    logging.getLogger("x").info("stdlib contact", extra={key: "Zhang San, room 5"})
    out = captured.getvalue()
    assert "Zhang San" not in out
    assert [line[key] for line in lines(captured)] == ["[redacted]", "[redacted]"]


def test_nested_structures_and_whole_models_are_redacted(captured):
    the_order = order("O-42")
    logs.case_logger("RR-1").info(
        "opened",
        detail={"customer": {"phone": PHONE, "name": "ok"}, "calls": [f"called {PHONE}", {"address": ADDRESS}]},
        order=the_order,
    )
    out = captured.getvalue()
    assert PHONE not in out and ADDRESS not in out and "alipay:" not in out
    line = lines(captured)[0]
    assert line["detail"] == {
        "customer": {"phone": "[redacted]", "name": "ok"},
        "calls": ["called [redacted]", {"address": "[redacted]"}],
    }
    assert line["order"]["order_id"] == "O-42"
    assert (line["order"]["phone"], line["order"]["address"], line["order"]["paying_account"]) == ("[redacted]",) * 3


def test_exceptions_keep_their_traceback_but_not_the_private_details(captured):
    try:
        raise ValueError(f"courier rejected {PHONE} at {ADDRESS}")
    except ValueError:
        logs.case_logger("RR-1").exception("booking failed")
        logging.getLogger("temporalio.activity").exception("activity failed")
    out = captured.getvalue()
    assert PHONE not in out and ADDRESS not in out
    for line in lines(captured):
        assert "Traceback" in line["exception"]
        assert "ValueError: courier rejected [redacted] at [redacted]" in line["exception"]


async def test_a_return_refund_run_logs_the_case_per_activity_and_nothing_private(env, store, captured):
    the_order = order()
    assert (the_order.phone, the_order.address) == (PHONE, ADDRESS)
    case = header(CaseKind.RETURN_REFUND, the_order)
    config = SimulatorConfig(scenarios={case.order.order_id: Scenario(payment_fails=1, pickup_fails=1)})
    async with running_worker(env, store, config) as (tq, _outside):
        h = await env.client.start_workflow(
            "ReturnRefund",
            ReturnRefundInput(case=case, policy=DEFAULT_POLICY),
            id=case.workflow_id,
            task_queue=tq,
            result_type=ReturnRefundResult,
        )
        await advance(env, by=60)
        await h.execute_update(
            ReturnRefund.review,
            ReviewDecision(
                reviewer=ActorRef(actor_id="zhao.returns", role=Role.RETURN_SPECIALIST), approve=True, pickup=True
            ),
        )
        result = await h.result()
        history = await h.fetch_history()
    assert result.outcome == ReturnOutcome.REFUNDED
    # the history carries no contact details and no paying account: only a payer reference (§6)
    stored = " ".join(_payload_texts(json.loads(history.to_json()), decrypt=False))
    assert case.order.order_id not in stored and "alipay" not in stored  # ciphertext on the server
    payloads = " ".join(_payload_texts(json.loads(history.to_json())))
    assert '"order_id"' in payloads, "the payloads were read"
    assert ADDRESS not in payloads and PHONE not in payloads
    assert "alipay:" not in payloads and payer_reference("alipay:13812345678", secret()) in payloads
    out = captured.getvalue()
    assert PHONE not in out
    assert ADDRESS not in out and "世纪大道" not in out
    assert case.order.paying_account not in out
    records = lines(captured)  # every line is JSON
    ours = [r for r in records if r.get("case_id") == case.case_id]
    by_activity = {r.get("activity") for r in ours}
    assert {"record_timeline", "book_pickup", "pay_refund"} <= by_activity
    for r in ours:
        assert r["workflow_id"] == case.workflow_id
        assert r["attempt"] >= 1
    retried = [r for r in ours if r["event"] == "transient failure, will retry"]
    assert {r["activity"] for r in retried} == {"book_pickup", "pay_refund"}
    paid = [r for r in ours if r["event"] == "paid"]
    assert len(paid) == 1 and paid[0]["amount_fen"] == case.order.paid_fen and paid[0]["attempt"] == 2

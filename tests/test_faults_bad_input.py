"""Bad input: malformed or hostile answers from the outside services (wrong types,
negative or other amounts, unknown orders, garbage) end in a clear non-retryable
failure or a retry, never in a wrong payment. Property-based over the request and
response models of domain/external.py."""

from __future__ import annotations

import asyncio
import functools
import uuid
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError

import worker
from adapters.errors import BusinessError, TransientError
from adapters.http import HttpCourier, HttpPayment, HttpWarehouse
from adapters.simulators.service import FaultSettings, create_app
from domain.external import (
    PaymentReceipt,
    PaymentRequest,
    PickupBooking,
    PickupRequest,
    ReceiptQuery,
    ReceiptStatus,
    idempotency_key,
)
from domain.returns import ReturnRefundResult
from tests.outside_services import return_case

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
KINDS = ["refund", "cash_compensation", "coupon", "postage_refund", "price_difference"]
ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=30)

requests = st.builds(
    lambda case_id, step, order_id, kind, amount, account: PaymentRequest(
        idempotency_key=idempotency_key(case_id, step),
        case_id=case_id,
        order_id=order_id,
        kind=kind,
        amount_fen=amount,
        account_ref=account,
    ),
    ids,
    st.sampled_from(["refund", "compensation", "postage"]),
    ids,
    st.sampled_from(KINDS),
    st.integers(min_value=1, max_value=10**9),
    st.text(min_size=1, max_size=40),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def answering(status: int = 200, body: Any = None, raw: bytes | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if raw is not None:
            return httpx.Response(status, content=raw)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


def pay_with(transport: httpx.MockTransport, request: PaymentRequest) -> PaymentReceipt:
    return asyncio.run(HttpPayment("http://pay/v1", transport=transport, timeout=1).pay(request))


# --- the models ---------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(requests)
def test_payment_requests_survive_the_wire_and_keep_their_fingerprint(request):
    again = PaymentRequest.model_validate_json(request.model_dump_json())
    assert again == request and again.fingerprint() == request.fingerprint()


@settings(max_examples=60, deadline=None)
@given(ids, st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_keys_are_derived_from_case_and_step_only(case_id, step, other_step):
    assert idempotency_key(case_id, step) == idempotency_key(case_id, step)
    if step != other_step:
        assert idempotency_key(case_id, step) != idempotency_key(case_id, other_step)


@settings(max_examples=60, deadline=None)
@given(requests, st.integers(max_value=0))
def test_a_request_for_nothing_or_less_cannot_be_made(request, amount):
    with pytest.raises(ValueError):
        PaymentRequest.model_validate({**request.model_dump(), "amount_fen": amount})


# --- hostile answers ------------------------------------------------------------


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests, json_values)
def test_any_json_answer_is_either_the_exact_receipt_or_refused(request, body):
    try:
        receipt = pay_with(answering(200, body), request)
    except BusinessError as e:
        assert e.type == "MalformedResponse"
        return
    assert (receipt.idempotency_key, receipt.kind, receipt.amount_fen) == (
        request.idempotency_key,
        request.kind,
        request.amount_fen,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests, st.sampled_from(["amount_fen", "kind", "idempotency_key", "payment_id", "paid_at"]), json_values)
def test_a_receipt_with_one_field_tampered_is_never_taken_for_another_payment(request, field, value):
    honest = PaymentReceipt(
        idempotency_key=request.idempotency_key,
        payment_id="PAY-1",
        kind=request.kind,
        amount_fen=request.amount_fen,
        paid_at=NOW,
    ).model_dump(mode="json")
    try:
        receipt = pay_with(answering(200, {**honest, field: value}), request)
    except BusinessError as e:
        assert e.type == "MalformedResponse"
        return
    assert receipt.amount_fen == request.amount_fen and receipt.kind == request.kind
    assert receipt.idempotency_key == request.idempotency_key


@settings(max_examples=60, deadline=None)
@given(requests, st.integers(min_value=100, max_value=599))
def test_every_status_is_classified(request, status):
    honest = PaymentReceipt(
        idempotency_key=request.idempotency_key,
        payment_id="PAY-1",
        kind=request.kind,
        amount_fen=request.amount_fen,
        paid_at=NOW,
    ).model_dump(mode="json")
    try:
        pay_with(answering(status, honest), request)
        outcome = "paid"
    except TransientError:
        outcome = "retry"
    except BusinessError as e:
        outcome = e.type
    if status >= 500 or status in (408, 425, 429, 401, 403, 404):  # 404 naming no order: a wrong base URL
        assert outcome == "retry"
    elif status == 409:
        assert outcome == "IdempotencyConflict"
    elif status >= 400:
        assert outcome == "RequestRejected"
    elif status == 200:
        assert outcome == "paid"
    else:
        assert outcome == "MalformedResponse"


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        ({"error": "UnknownOrder", "message": "order O-1 is not known"}, "UnknownOrder"),
        ({"detail": "Not Found"}, "retry"),
        (None, "retry"),
    ],
)
def test_a_404_is_an_unknown_order_only_when_the_service_says_so(body, outcome):
    request = PaymentRequest(
        idempotency_key="C-1:refund", case_id="C-1", order_id="O-1", kind="refund", amount_fen=100, account_ref="acct"
    )
    try:
        pay_with(answering(404, body), request)
    except TransientError as e:
        assert outcome == "retry" and "PAYMENT_URL" in str(e)
    except BusinessError as e:
        assert e.type == outcome
    else:
        pytest.fail("a 404 was taken as a payment")


@pytest.mark.parametrize("raw", [b"", b"<html>502 Bad Gateway</html>", b"\xff\xfe", b"[1, 2]", b"null"])
def test_garbage_bodies_are_malformed(raw):
    request = PaymentRequest(
        idempotency_key="C-1:refund", case_id="C-1", order_id="O-1", kind="refund", amount_fen=100, account_ref="acct"
    )
    with pytest.raises(BusinessError) as e:
        pay_with(answering(200, raw=raw), request)
    assert e.value.type == "MalformedResponse"


async def test_courier_and_warehouse_answers_about_someone_else_are_refused():
    booking = PickupBooking(booking_id="PU-C-2", case_id="C-2", order_id="O-2", booked_at=NOW)
    courier = HttpCourier("http://c/v1", transport=answering(200, booking.model_dump(mode="json")))
    with pytest.raises(BusinessError, match="another case, order"):
        await courier.book_pickup(PickupRequest(case_id="C-1", order_id="O-1", as_of=NOW))
    status = ReceiptStatus(booking_id="PU-C-2", received=True, received_at=NOW)
    warehouse = HttpWarehouse("http://w/v1", transport=answering(200, status.model_dump(mode="json")))
    mine = PickupBooking(booking_id="PU-C-1", case_id="C-1", order_id="O-1", booked_at=NOW)
    with pytest.raises(BusinessError, match="another booking"):
        await warehouse.return_receipt(ReceiptQuery(booking=mine, as_of=NOW))
    wrong_type = {**status.model_dump(mode="json"), "booking_id": "PU-C-1", "received": "maybe"}
    warehouse = HttpWarehouse("http://w/v1", transport=answering(200, wrong_type))
    with pytest.raises(BusinessError, match="received"):
        await warehouse.return_receipt(ReceiptQuery(booking=mine, as_of=NOW))


@pytest.fixture(scope="module")
def payment_service(tmp_path_factory):
    return create_app(f"sqlite:///{tmp_path_factory.mktemp('sim') / 'sim.db'}")


not_money = st.one_of(
    st.integers(max_value=0),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)),
    st.text(alphabet="abx-. ", max_size=5),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.fixed_dictionaries(
        {
            "idempotency_key": st.just("C-9:refund"),
            "case_id": st.just("C-9"),
            "order_id": st.just("O-9"),
            "kind": st.sampled_from([*KINDS, "bonus", ""]),
            "amount_fen": not_money,
            "account_ref": st.text(max_size=5),
        }
    )
)
def test_the_payment_service_refuses_hostile_requests_and_pays_nothing(payment_service, body):
    async def attempt() -> tuple[int, list[Any]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=payment_service), base_url="http://sim") as c:
            r = await c.post("/payment/v1/payments", json=body, headers={"Idempotency-Key": "C-9:refund"})
            return r.status_code, (await c.get("/payment/v1/ledger")).json()

    status, ledger = asyncio.run(attempt())
    assert status == 422 and ledger == []


# --- on a case ------------------------------------------------------------------


async def _run_case_against(env, store, payment: HttpPayment, inp: Any = None) -> tuple[Any, Any]:
    """A return that needs no pickup, paid through `payment`; it must fail."""
    outside = worker.Outside.simulated()
    outside.payment = payment
    tq = f"bad-{uuid.uuid4().hex[:6]}"
    inp = inp or return_case(pickup=False)
    async with worker.build_worker(env.client, store, outside, task_queue=tq):
        h = await env.client.start_workflow(
            "ReturnRefund", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReturnRefundResult
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await h.result()
    return inp, failed.value


async def test_a_receipt_for_another_amount_fails_the_case_clearly_and_records_no_payment(env, store):
    def tampered(request: httpx.Request) -> httpx.Response:
        sent = PaymentRequest.model_validate_json(request.content)
        return httpx.Response(
            200,
            json=PaymentReceipt(
                idempotency_key=sent.idempotency_key,
                payment_id="PAY-X",
                kind=sent.kind,
                amount_fen=sent.amount_fen * 10,
                paid_at=NOW,
            ).model_dump(mode="json"),
        )

    inp, failure = await _run_case_against(
        env, store, HttpPayment("http://pay/v1", transport=httpx.MockTransport(tampered))
    )
    assert isinstance(failure.cause, ApplicationError) and failure.cause.type == "CaseFailed"  # ended visibly
    assert isinstance(failure.cause.cause, ActivityError)
    cause = failure.cause.cause.cause
    assert isinstance(cause, ApplicationError) and cause.type == "MalformedResponse" and cause.non_retryable
    assert "amount" in cause.message
    assert store.payments(inp.case.case_id) == []
    assert store.get_case(inp.case.case_id)["outcome"] == "failed"


async def test_an_unknown_order_fails_the_case_with_a_type_to_branch_on(env, store, tmp_path):
    inp = return_case(pickup=False)
    app = create_app(f"sqlite:///{tmp_path / 'sim.db'}", FaultSettings(unknown_orders=[inp.case.order.order_id]))
    payment = HttpPayment("http://sim/payment/v1", transport=httpx.ASGITransport(app=app))
    inp, failure = await _run_case_against(env, store, payment, inp)
    cause = failure.cause.cause.cause  # CaseFailed <- the activity <- the adapter's answer
    assert isinstance(cause, ApplicationError) and cause.type == "UnknownOrder" and cause.non_retryable
    assert app.state.sim.ledger() == [] and store.payments(inp.case.case_id) == []


@functools.cache
def _reader(system: str) -> Any:
    from adapters.http.service import Service

    return Service(system, "http://x/v1")


def _all_answers() -> list[tuple[str, Any]]:
    from adapters.http.operations import operations
    from adapters.simulators.service.app import PROTOCOLS

    return [
        (f"{system}.{name}", answer)
        for system, protocol in PROTOCOLS.items()
        for name, (_, answer) in operations(protocol).items()
    ]


@pytest.mark.parametrize(("operation", "answer"), _all_answers(), ids=[op for op, _ in _all_answers()])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=json_values)
def test_any_answer_to_any_operation_is_its_model_or_malformed(operation, answer, body):
    try:
        parsed = _reader(operation.split(".")[0])._read(operation, httpx.Response(200, json=body), answer)
    except BusinessError as e:
        assert e.type == "MalformedResponse"
        return
    assert isinstance(parsed, answer)

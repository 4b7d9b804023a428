"""The HTTP adapters against the simulator service (in process, over ASGI): what each
answer becomes, and the payment provider's idempotency as a real one enforces it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from adapters.errors import IdempotencyConflict, TransientError, UnknownOrder
from adapters.http import HttpCourier, HttpPayment, HttpWarehouse
from adapters.simulators import Scenario
from adapters.simulators.service import FaultSettings, create_app
from adapters.simulators.service.app import SERVICES, openapi_for
from adapters.simulators.service.state import SimulatorState
from domain.external import PaymentRequest, PickupRequest, ReceiptQuery, idempotency_key

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(tmp_path):
    return create_app(f"sqlite:///{tmp_path / 'sim.db'}")


def adapters(app, timeout: float = 5.0):
    t = httpx.ASGITransport(app=app)
    base = "http://sim"
    return (
        HttpWarehouse(f"{base}/warehouse/v1", transport=t, timeout=timeout),
        HttpCourier(f"{base}/courier/v1", transport=t, timeout=timeout),
        HttpPayment(f"{base}/payment/v1", transport=t, timeout=timeout),
    )


def payment(case_id: str = "C-1", amount: int = 1590, account: str = "alipay:13812345678") -> PaymentRequest:
    return PaymentRequest(
        idempotency_key=idempotency_key(case_id, "refund"),
        case_id=case_id,
        order_id="O-1",
        kind="refund",
        amount_fen=amount,
        account_ref=account,
    )


async def ledger(app) -> list[dict]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        return (await c.get("/payment/v1/ledger")).json()


async def test_same_key_same_request_pays_once_and_answers_the_first_receipt(app):
    _, _, pay = adapters(app)
    first = await pay.pay(payment())
    again = await pay.pay(payment())
    assert again == first
    assert [e["payment_id"] for e in await ledger(app)] == [first.payment_id]


async def test_same_key_different_request_is_a_conflict_and_pays_nothing_more(app):
    _, _, pay = adapters(app)
    await pay.pay(payment(amount=1590))
    with pytest.raises(IdempotencyConflict):
        await pay.pay(payment(amount=9999))
    assert [e["amount_fen"] for e in await ledger(app)] == [1590]


async def test_key_header_must_match_the_body(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        r = await c.post(
            "/payment/v1/payments",
            json=payment().model_dump(mode="json"),
            headers={"Idempotency-Key": "someone-else:refund"},
        )
        assert r.status_code == 422
        r = await c.post("/payment/v1/payments", json=payment().model_dump(mode="json"))
        assert r.status_code == 422
    assert await ledger(app) == []


def test_keys_are_kept_at_least_a_day(tmp_path):
    with pytest.raises(ValueError):
        SimulatorState(f"sqlite:///{tmp_path / 'short.db'}", key_retention=timedelta(hours=23))
    state = SimulatorState(f"sqlite:///{tmp_path / 'sim.db'}")
    first, new = state.pay(payment(), now=NOW)
    assert new
    again, new = state.pay(payment(), now=NOW + timedelta(hours=23, minutes=59))
    assert (again, new) == (first, False)
    # only after the retention is the key forgotten, and a reuse then is a new payment
    _, new = state.pay(payment(), now=NOW + timedelta(hours=25))
    assert new
    assert len(state.ledger()) == 2


async def test_server_errors_are_transient_and_pay_nothing(app):
    app.state.faults.settings = FaultSettings(error_rate=1.0)
    _, courier, pay = adapters(app)
    with pytest.raises(TransientError):
        await pay.pay(payment())
    with pytest.raises(TransientError):
        await courier.book_pickup(PickupRequest(case_id="C-1", order_id="O-1", as_of=NOW))
    assert await ledger(app) == []
    assert app.state.faults.stats()["faults_injected"] == 2


async def test_a_lost_answer_times_out_after_the_payment_and_the_retry_gets_the_same_receipt(app):
    app.state.faults.settings = FaultSettings(lost_rate=1.0, hang_seconds=0.5)
    _, _, pay = adapters(app, timeout=0.3)
    with pytest.raises(TransientError):  # over ASGI the hang ends in a 504; over TCP the client times out
        await pay.pay(payment())
    assert len(await ledger(app)) == 1
    app.state.faults.settings = FaultSettings()
    receipt = await pay.pay(payment())
    assert [e["payment_id"] for e in await ledger(app)] == [receipt.payment_id]


async def test_unknown_order_is_a_business_error(app):
    app.state.faults.settings = FaultSettings(unknown_orders=["O-404"])
    _, courier, _ = adapters(app)
    with pytest.raises(UnknownOrder) as e:
        await courier.book_pickup(PickupRequest(case_id="C-1", order_id="O-404", as_of=NOW))
    assert e.value.type == "UnknownOrder"


async def test_scripted_scenarios_pickup_fails_twice_then_books_and_parcel_is_lost(app):
    app.state.faults.settings = FaultSettings(scenarios={"O-1": Scenario(pickup_fails=2, parcel_lost=True)})
    warehouse, courier, _ = adapters(app)
    request = PickupRequest(case_id="C-1", order_id="O-1", as_of=NOW)
    for _ in range(2):
        with pytest.raises(TransientError):
            await courier.book_pickup(request)
    booking = await courier.book_pickup(request)
    assert booking.booking_id == "PU-C-1"
    assert await courier.book_pickup(request) == booking
    status = await warehouse.return_receipt(ReceiptQuery(booking=booking, as_of=NOW + timedelta(days=3)))
    assert status.lost and not status.received


async def test_goods_arrive_after_the_scripted_time(app):
    app.state.faults.settings = FaultSettings(scenarios={"O-1": Scenario.model_validate({"receive_after": "5h"})})
    warehouse, courier, _ = adapters(app)
    booking = await courier.book_pickup(PickupRequest(case_id="C-1", order_id="O-1", as_of=NOW))
    early = await warehouse.return_receipt(ReceiptQuery(booking=booking, as_of=NOW + timedelta(hours=4)))
    late = await warehouse.return_receipt(ReceiptQuery(booking=booking, as_of=NOW + timedelta(hours=5)))
    assert (early.received, late.received, late.received_at) == (False, True, NOW + timedelta(hours=5))


async def test_fault_dice_are_the_same_for_the_same_seed(tmp_path):
    async def run(seed: int) -> list[bool]:
        app = create_app(
            f"sqlite:///{tmp_path / f'sim{seed}-{len(outcomes)}.db'}", FaultSettings(seed=seed, error_rate=0.5)
        )
        _, courier, _ = adapters(app)
        seen = []
        for i in range(20):
            try:
                await courier.book_pickup(PickupRequest(case_id=f"C-{i}", order_id="O-1", as_of=NOW))
                seen.append(True)
            except TransientError:
                seen.append(False)
        outcomes.append(seen)
        return seen

    outcomes: list[list[bool]] = []
    assert await run(1) == await run(1)
    assert await run(1) != await run(2)
    assert 3 < outcomes[0].count(False) < 17


def test_committed_openapi_documents_match_the_service(app):
    for service in SERVICES:
        committed = json.loads((ROOT / "docs" / "openapi" / f"{service}.json").read_text())
        assert committed == json.loads(json.dumps(openapi_for(app, service))), (
            f"docs/openapi/{service}.json is stale: run `aftersales simulators --openapi docs/openapi`"
        )
        assert all(path.startswith(f"/{service}/v1/") for path in committed["paths"])


async def test_backfill_arrives_after_the_scripted_hours_over_http(app):
    from domain.fulfilment import BackfillRequest, StockQuery

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        r = await c.put("/admin/faults", json={"scenarios": {"O-1": {"backfill_after": "6h"}}})
        assert r.status_code == 200
    warehouse, _, _ = adapters(app)
    ticket = await warehouse.request_backfill(BackfillRequest(case_id="C-1", order_id="O-1", requested_at=NOW))
    before = await warehouse.stock_status(StockQuery(ticket=ticket, as_of=NOW + timedelta(hours=5)))
    after = await warehouse.stock_status(StockQuery(ticket=ticket, as_of=NOW + timedelta(hours=6)))
    assert (before.available, after.available, after.arrived_at) == (False, True, NOW + timedelta(hours=6))


async def test_signer_unknown_and_known_over_http(app):
    from domain.findings import SignerQuery

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        r = await c.put("/admin/faults", json={"scenarios": {"O-2": {"signer_name": "Li Lei"}}})
        assert r.status_code == 200
    _, courier, _ = adapters(app)
    unknown = await courier.signer_proof(SignerQuery(case_id="C-1", order_id="O-1"))
    known = await courier.signer_proof(SignerQuery(case_id="C-2", order_id="O-2"))
    assert (unknown.proven, known.proven, known.signer_name) == (False, True, "Li Lei")


async def test_faults_reach_every_operation(app):
    from domain.findings import SignerQuery

    app.state.faults.settings = FaultSettings(error_rate=1.0)
    _, courier, _ = adapters(app)
    with pytest.raises(TransientError):
        await courier.signer_proof(SignerQuery(case_id="C-1", order_id="O-1"))


def test_every_protocol_operation_is_served_and_called(app):
    import adapters.http
    from adapters.http.operations import operations, path_of
    from adapters.simulators.service.app import PROTOCOLS

    explicit = {"return_receipt": "receipt-queries", "book_pickup": "pickups", "pay": "payments"}
    for service, protocol in PROTOCOLS.items():
        adapter = getattr(adapters.http, f"Http{protocol.__name__}")
        paths = openapi_for(app, service)["paths"]
        for name in operations(protocol):
            assert callable(getattr(adapter, name, None)), f"{adapter.__name__}.{name} is missing"
            assert f"/{service}/v1/{explicit.get(name, path_of(name))}" in paths, f"{service}.{name} is not served"


def test_configuration_chooses_the_adapters():
    import worker
    from runtime.settings import Settings

    outside = worker.Outside.from_settings(Settings(adapters="http", payment_url="http://pay.test/payment/v1"))
    assert isinstance(outside.payment, HttpPayment)
    assert str(outside.payment.service.client.base_url) == "http://pay.test/payment/v1/"
    assert all(
        type(a).__name__.startswith("Http")
        for a in (outside.warehouse, outside.courier, outside.platform, outside.finance, outside.catalogue)
    )
    assert not isinstance(worker.Outside.from_settings(Settings(adapters="inprocess")).payment, HttpPayment)
    with pytest.raises(ValueError, match="ADAPTERS"):
        worker.Outside.from_settings(Settings(adapters="carrier-pigeon"))


async def test_other_systems_answer_over_http(app):
    from adapters.http import HttpPlatform
    from domain.fulfilment import CloseOrderRequest

    platform = HttpPlatform("http://sim/platform/v1", transport=httpx.ASGITransport(app=app))
    request = CloseOrderRequest(case_id="C-1", order_id="O-1", closed_as="cancelled")
    assert await platform.close_order(request) is True
    assert await platform.close_order(request) is False


async def test_faults_can_be_changed_one_setting_at_a_time(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'sim.db'}", FaultSettings(seed=11, latency_ms=5))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        r = await c.patch("/admin/faults", json={"error_rate": 0.2})
        assert r.status_code == 200
        assert (r.json()["seed"], r.json()["latency_ms"], r.json()["error_rate"]) == (11, 5, 0.2)
        assert (await c.patch("/admin/faults", json={"error_rate": 0.9, "lost_rate": 0.5})).status_code == 422
        assert (await c.patch("/admin/faults", json={"no_such_thing": 1})).status_code == 422
        assert (await c.get("/admin/faults")).json()["error_rate"] == 0.2


async def test_the_in_process_simulator_config_drives_the_service_too(tmp_path):
    from adapters.simulators import SimulatorConfig
    from adapters.simulators.service.app import faults_from

    world = SimulatorConfig.from_file(ROOT / "starter" / "demo_data" / "simulators.json")
    app = create_app(f"sqlite:///{tmp_path / 'sim.db'}", faults_from(world), world)
    order_id, scenario = next((o, s) for o, s in world.scenarios.items() if s.pickup_fails)
    assert app.state.faults.settings.scenarios[order_id] == scenario
    _, courier, _ = adapters(app)
    request = PickupRequest(case_id="C-1", order_id=order_id, as_of=NOW)
    for _ in range(scenario.pickup_fails):
        with pytest.raises(TransientError):
            await courier.book_pickup(request)
    assert (await courier.book_pickup(request)).order_id == order_id

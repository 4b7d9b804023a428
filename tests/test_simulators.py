"""The in-process simulators of the outside world: idempotent like the real systems,
deterministic by seed, scripted per order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from adapters.errors import IdempotencyConflict, TransientError
from adapters.simulators import CourierSimulator, PaymentSimulator, Scenario, SimulatorConfig, WarehouseSimulator
from adapters.simulators.scenario import FaultInjector
from domain.external import PaymentRequest, PickupBooking, PickupRequest, ReceiptQuery, idempotency_key

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def pay_request(amount: int = 13350, key: str = "RR-1:refund", account: str = "alipay:acct-1") -> PaymentRequest:
    return PaymentRequest(
        idempotency_key=key, case_id="RR-1", order_id="O-1", kind="refund", amount_fen=amount, account_ref=account
    )


async def test_same_key_and_request_returns_the_first_receipt_and_pays_once():
    sim = PaymentSimulator()
    first = await sim.pay(pay_request())
    again = await sim.pay(pay_request())
    assert again == first
    assert len(sim.ledger) == 1 and sim.ledger[0].amount_fen == 13350


@pytest.mark.parametrize("change", [{"amount": 100}, {"account": "alipay:someone-else"}])
async def test_same_key_with_a_different_request_is_refused(change):
    sim = PaymentSimulator()
    await sim.pay(pay_request())
    with pytest.raises(IdempotencyConflict, match="different request"):
        await sim.pay(pay_request(**change))
    assert len(sim.ledger) == 1


async def test_another_step_is_another_payment():
    sim = PaymentSimulator()
    a = await sim.pay(pay_request(key=idempotency_key("RR-1", "refund")))
    b = await sim.pay(pay_request(key=idempotency_key("RR-1", "compensation"), amount=500))
    assert a.payment_id != b.payment_id and len(sim.ledger) == 2


async def test_scripted_payment_failures_then_success_pays_once():
    sim = PaymentSimulator(SimulatorConfig(scenarios={"O-1": Scenario(payment_fails=2)}))
    for attempt in (1, 2):
        with pytest.raises(TransientError, match=f"scripted {attempt}/2"):
            await sim.pay(pay_request())
    await sim.pay(pay_request())
    await sim.pay(pay_request())
    assert len(sim.ledger) == 1


async def test_courier_books_once_per_case_after_scripted_failures():
    sim = CourierSimulator(SimulatorConfig(scenarios={"O-1": Scenario(pickup_fails=2)}))
    req = PickupRequest(case_id="RR-1", order_id="O-1", as_of=T0)
    for _ in range(2):
        with pytest.raises(TransientError):
            await sim.book_pickup(req)
    first = await sim.book_pickup(req)
    later = await sim.book_pickup(req.model_copy(update={"as_of": T0 + timedelta(hours=1)}))
    assert first == later and first.booked_at == T0 and list(sim.bookings) == ["RR-1"]


async def test_warehouse_receipt_follows_the_booking_time_and_the_scenario():
    config = SimulatorConfig(scenarios={"O-1": Scenario(receive_after="6h"), "O-LOST": Scenario(parcel_lost=True)})
    sim = WarehouseSimulator(config)
    booking = PickupBooking(booking_id="PU-1", case_id="RR-1", order_id="O-1", booked_at=T0)
    before = await sim.return_receipt(
        ReceiptQuery(booking=booking, as_of=T0 + timedelta(hours=6) - timedelta(seconds=1))
    )
    at = await sim.return_receipt(ReceiptQuery(booking=booking, as_of=T0 + timedelta(hours=6)))
    assert (before.received, at.received, at.received_at) == (False, True, T0 + timedelta(hours=6))
    # an order without a scenario: the default 48 h
    other = booking.model_copy(update={"order_id": "O-2"})
    assert not (await sim.return_receipt(ReceiptQuery(booking=other, as_of=T0 + timedelta(hours=47)))).received
    assert (await sim.return_receipt(ReceiptQuery(booking=other, as_of=T0 + timedelta(hours=48)))).received
    lost = booking.model_copy(update={"order_id": "O-LOST"})
    status = await sim.return_receipt(ReceiptQuery(booking=lost, as_of=T0 + timedelta(days=30)))
    assert (status.received, status.lost) == (False, True)


async def _fates(seed: int, rate: float = 0.3, calls: int = 200) -> list[bool]:
    faults = FaultInjector(SimulatorConfig(seed=seed, failure_rate=rate), "payment")
    fates = []
    for i in range(calls):
        try:
            await faults.call("pay", f"key-{i}")
            fates.append(True)
        except TransientError:
            fates.append(False)
    return fates


async def test_injected_failures_are_deterministic_by_seed_and_near_the_rate():
    a, b, c = await _fates(7), await _fates(7), await _fates(8)
    assert a == b
    assert a != c
    assert 0.2 < a.count(False) / len(a) < 0.4


async def test_no_failure_rate_no_failures():
    assert all(await _fates(7, rate=0.0))


def test_simulator_config_from_file(tmp_path):
    p = tmp_path / "sim.json"
    p.write_text('{"seed": 3, "scenarios": {"O-9": {"pickup_fails": 2, "receive_after": "30h"}}}', encoding="utf-8")
    config = SimulatorConfig.from_file(p)
    assert config.seed == 3
    assert config.scenario("O-9").pickup_fails == 2 and str(config.scenario("O-9").receive_after) == "30h"
    assert config.scenario("O-unknown") == Scenario()
    p.write_text('{"scenarios": {"O-9": {"pickup_fail": 2}}}', encoding="utf-8")
    with pytest.raises(Exception, match="pickup_fail"):
        SimulatorConfig.from_file(p)

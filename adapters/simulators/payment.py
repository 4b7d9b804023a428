from __future__ import annotations

from datetime import datetime, timezone

from adapters.errors import IdempotencyConflict
from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.external import PaymentReceipt, PaymentRequest


class PaymentSimulator:
    """A payment provider that honours idempotency keys the way real ones do."""

    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "payment")
        self._by_key: dict[str, tuple[str, PaymentReceipt]] = {}
        self.ledger: list[PaymentReceipt] = []

    async def pay(self, request: PaymentRequest) -> PaymentReceipt:
        scripted = self.config.scenario(request.order_id).payment_fails
        await self.faults.call("pay", request.idempotency_key, scripted)
        fingerprint = request.fingerprint()
        seen = self._by_key.get(request.idempotency_key)
        if seen:
            if seen[0] != fingerprint:
                raise IdempotencyConflict(f"idempotency key {request.idempotency_key} was used for a different request")
            return seen[1]
        receipt = PaymentReceipt(
            idempotency_key=request.idempotency_key,
            payment_id=f"PAY-{len(self.ledger) + 1:06d}",
            kind=request.kind,
            amount_fen=request.amount_fen,
            paid_at=datetime.now(timezone.utc),
        )
        self._by_key[request.idempotency_key] = (fingerprint, receipt)
        self.ledger.append(receipt)
        return receipt

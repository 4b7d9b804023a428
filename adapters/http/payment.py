from __future__ import annotations

import httpx

from adapters.http.operations import speaks
from adapters.http.service import DEFAULT_TIMEOUT_SECONDS, Service, mismatch
from adapters.payment import Payment
from domain.external import PaymentReceipt, PaymentRequest


@speaks(Payment)
class HttpPayment:
    """The payment provider. Every request carries an Idempotency-Key derived from the
    case and the step (domain.external.idempotency_key), so a retry never pays twice."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.service = Service("payment", base_url, timeout=timeout, transport=transport)

    async def pay(self, request: PaymentRequest) -> PaymentReceipt:
        receipt = await self.service.post(
            "payments", request, PaymentReceipt, headers={"Idempotency-Key": request.idempotency_key}
        )
        # A receipt for another key, kind or amount is not proof this payment was made right.
        mismatch(
            "payment",
            idempotency_key=(request.idempotency_key, receipt.idempotency_key),
            kind=(request.kind, receipt.kind),
            amount=(request.amount_fen, receipt.amount_fen),
        )
        return receipt

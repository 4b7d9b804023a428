from __future__ import annotations

from typing import Protocol

from domain.external import PaymentReceipt, PaymentRequest


class Payment(Protocol):
    async def pay(self, request: PaymentRequest) -> PaymentReceipt:
        """Pay once per idempotency key: the same key and request returns the first
        receipt; the same key with a different request raises IdempotencyConflict."""
        ...

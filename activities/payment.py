from __future__ import annotations

import asyncio

from temporalio import activity

from activities.conduct import outside_call
from adapters.payment import Payment
from domain.external import PaymentReceipt, PaymentRequest
from store import CaseStore


class PaymentActivities:
    def __init__(self, payment: Payment, store: CaseStore):
        self.payment, self.store = payment, store

    async def _settle(self, request: PaymentRequest) -> PaymentReceipt:
        with outside_call(request.case_id, "payment.pay") as log:
            receipt = await self.payment.pay(request)
        # A retry after this point pays nothing new: the provider returns the first receipt.
        await asyncio.to_thread(self.store.record_payment, request, receipt)
        log.info("paid", kind=receipt.kind, amount_fen=receipt.amount_fen, payment_id=receipt.payment_id,
                 idempotency_key=receipt.idempotency_key)
        return receipt

    @activity.defn
    async def pay_refund(self, request: PaymentRequest) -> PaymentReceipt:
        return await self._settle(request)

    @activity.defn
    async def grant_compensation(self, request: PaymentRequest) -> PaymentReceipt:
        return await self._settle(request)

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.conduct import outside_call
from adapters.payment import Payment
from domain.external import PaymentReceipt, PaymentRequest
from domain.manual_refund import PAYEE_REF_PREFIX
from store import CaseStore
from store.vault import Vault


class PaymentActivities:
    def __init__(self, payment: Payment, store: CaseStore, vault: Vault | None = None):
        self.payment, self.store, self.vault = payment, store, vault

    async def _to_provider(self, request: PaymentRequest) -> PaymentRequest:
        """The request as the provider needs it: a payee vault reference becomes the
        account it stands for here, and only here (§6: never in a history)."""
        if not request.account_ref.startswith(PAYEE_REF_PREFIX):
            return request
        if self.vault is None:
            raise RuntimeError("this worker has no vault to resolve payee references with")
        payee = await asyncio.to_thread(self.vault.resolve_payee, request.account_ref)
        return request.model_copy(update={"account_ref": str(payee.account_id)})

    async def _settle(self, request: PaymentRequest) -> PaymentReceipt:
        with outside_call(request.case_id, "payment.pay") as log:
            receipt = await self.payment.pay(await self._to_provider(request))
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

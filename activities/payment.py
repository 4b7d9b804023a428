"""Money leaves only through a reservation against the order's ledger: reserve (one
transaction, the order's row locked), pay exactly what was reserved, then mark it paid;
a payment the provider refuses for good releases its reservation."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.conduct import outside_call
from adapters.payment import Payment
from domain.external import PaymentReceipt, PaymentRequest
from domain.ledger import REFUND_CAPPED, Refusal
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
        ledger = self.store.ledger
        decision = await asyncio.to_thread(ledger.reserve, request)
        if isinstance(decision, Refusal):
            raise ApplicationError(
                decision.reason,
                decision.model_dump(mode="json"),
                type="IdempotencyConflict" if decision.conflict else REFUND_CAPPED,
                non_retryable=True,
            )
        if decision.entry.amount_fen != request.amount_fen:
            # only what was reserved is paid; every retry of this key asks for the same amount
            request = request.model_copy(update={"amount_fen": decision.entry.amount_fen})
        try:
            with outside_call(request.case_id, "payment.pay") as log:
                receipt = await self.payment.pay(await self._to_provider(request))
        except ApplicationError as e:
            if e.non_retryable:
                await asyncio.to_thread(ledger.release, request.idempotency_key)
            raise
        # A retry after this point pays nothing new: the provider returns the first receipt.
        await asyncio.to_thread(ledger.settle, request.idempotency_key, receipt.payment_id)
        await asyncio.to_thread(self.store.record_payment, request, receipt)
        log.info(
            "paid",
            kind=receipt.kind,
            amount_fen=receipt.amount_fen,
            payment_id=receipt.payment_id,
            idempotency_key=receipt.idempotency_key,
            capped=decision.capped,
        )
        return receipt

    @activity.defn
    async def pay_refund(self, request: PaymentRequest) -> PaymentReceipt:
        return await self._settle(request)

    @activity.defn
    async def grant_compensation(self, request: PaymentRequest) -> PaymentReceipt:
        return await self._settle(request)

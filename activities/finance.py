from __future__ import annotations

import asyncio

from temporalio import activity

from activities.conduct import outside_call
from adapters.finance import Finance
from domain.findings import InvoiceIssue, InvoiceReceipt
from store.vault import Vault, is_text_ref


class FinanceActivities:
    def __init__(self, finance: Finance, vault: Vault | None = None):
        self.finance, self.vault = finance, vault

    async def _to_finance(self, issue: InvoiceIssue) -> InvoiceIssue:
        """The invoice's title (the buyer's name) travels as a vault reference; finance
        gets the name itself, from here only (§6)."""
        if not is_text_ref(issue.title):
            return issue
        if self.vault is None:
            raise RuntimeError("this worker has no vault to resolve the invoice title with")
        return issue.model_copy(update={"title": await asyncio.to_thread(self.vault.resolve_text, issue.title)})

    @activity.defn
    async def issue_invoice(self, issue: InvoiceIssue) -> InvoiceReceipt:
        with outside_call(issue.case_id, "finance.issue_invoice") as log:
            receipt = await self.finance.issue_invoice(await self._to_finance(issue))
        log.info(
            "invoice issued",
            invoice_no=receipt.invoice_no,
            invoice_type=issue.invoice_type,
            postage_paid_by=issue.postage_paid_by,
        )
        return receipt

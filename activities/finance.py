from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call
from adapters.finance import Finance
from domain.findings import InvoiceIssue, InvoiceReceipt


class FinanceActivities:
    def __init__(self, finance: Finance):
        self.finance = finance

    @activity.defn
    async def issue_invoice(self, issue: InvoiceIssue) -> InvoiceReceipt:
        with outside_call(issue.case_id, "finance.issue_invoice") as log:
            receipt = await self.finance.issue_invoice(issue)
        log.info("invoice issued", invoice_no=receipt.invoice_no, invoice_type=issue.invoice_type,
                 postage_paid_by=issue.postage_paid_by)
        return receipt

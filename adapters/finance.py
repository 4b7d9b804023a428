"""Finance issues invoices (§4.2): the invoice specialist asks, the supervisor checks, finance issues and posts."""

from __future__ import annotations

from typing import Protocol

from domain.findings import InvoiceIssue, InvoiceReceipt


class Finance(Protocol):
    async def issue_invoice(self, issue: InvoiceIssue) -> InvoiceReceipt:
        """Issue and post an invoice; the same case and `replaces` twice is one invoice."""
        ...

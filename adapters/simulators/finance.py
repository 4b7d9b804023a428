from __future__ import annotations

from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.findings import InvoiceIssue, InvoiceReceipt


class FinanceSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "finance")
        self.issued: dict[str, tuple[InvoiceIssue, InvoiceReceipt]] = {}

    async def issue_invoice(self, issue: InvoiceIssue) -> InvoiceReceipt:
        key = f"{issue.case_id}:{issue.replaces or 'new'}"
        await self.faults.call("issue_invoice", key)
        if key not in self.issued:
            receipt = InvoiceReceipt(
                invoice_no=f"INV-{len(self.issued) + 1:06d}", case_id=issue.case_id, issued_at=issue.requested_at
            )
            self.issued[key] = (issue, receipt)
        return self.issued[key][1]

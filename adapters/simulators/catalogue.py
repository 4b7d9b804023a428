from __future__ import annotations

from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.findings import ListingFix, ListingFixAck


class CatalogueSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "catalogue")
        self.fixes: dict[str, ListingFix] = {}

    async def fix_listing(self, fix: ListingFix) -> ListingFixAck:
        key = f"{fix.case_id}:{fix.sku}"
        await self.faults.call("fix_listing", key)
        self.fixes.setdefault(key, fix)
        return ListingFixAck(ticket=f"LST-{key}", sku=fix.sku)

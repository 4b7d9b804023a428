from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call
from adapters.catalogue import Catalogue
from domain.findings import ListingFix, ListingFixAck


class CatalogueActivities:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue

    @activity.defn
    async def fix_listing(self, fix: ListingFix) -> ListingFixAck:
        with outside_call(fix.case_id, "catalogue.fix_listing") as log:
            ack = await self.catalogue.fix_listing(fix)
        log.info("listing fix requested", ticket=ack.ticket, sku=fix.sku)
        return ack

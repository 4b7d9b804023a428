"""The merchandising department: corrects a product page that misdescribes the goods (§4.5)."""

from __future__ import annotations

from typing import Protocol

from domain.findings import ListingFix, ListingFixAck


class Catalogue(Protocol):
    async def fix_listing(self, fix: ListingFix) -> ListingFixAck:
        """Ask for the listing of fix.sku to be corrected; one ticket per case and sku."""
        ...

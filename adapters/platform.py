from __future__ import annotations

from typing import Protocol

from domain.fulfilment import CloseOrderRequest, OversoldAnswer, OversoldCheck, ReshipOrder, ReshipOrderRequest


class Platform(Protocol):
    """The marketplace: answers oversold checks, pays for reships, closes orders."""

    async def check_oversold(self, check: OversoldCheck) -> OversoldAnswer:
        """Has the platform answered whether this oversold order can ship, by check.as_of?"""
        ...

    async def place_reship(self, request: ReshipOrderRequest) -> ReshipOrder:
        """Place the reship order, paid by the platform; once per case."""
        ...

    async def close_order(self, request: CloseOrderRequest) -> bool:
        """Close the original order with the given status; closing twice is a no-op."""
        ...

"""The marketplace platform: oversold checks, reships it pays for, closing orders."""

from __future__ import annotations

from temporalio import activity

from activities.conduct import outside_call, poll_attempt
from adapters.platform import Platform
from domain.fulfilment import CloseOrderRequest, OversoldAnswer, OversoldCheck, ReshipOrder, ReshipOrderRequest


class PlatformActivities:
    def __init__(self, platform: Platform):
        self.platform = platform

    @activity.defn
    async def check_oversold(self, check: OversoldCheck) -> OversoldAnswer:
        with outside_call(check.case_id, "platform.check_oversold") as log:
            answer = await self.platform.check_oversold(check)
        log.info("oversold check", answered=answer.answered, can_ship=answer.can_ship)
        return answer

    @activity.defn
    async def poll_oversold(self, check: OversoldCheck) -> OversoldAnswer:
        """check_oversold, retried by the workflow's poll until the platform has answered (or its
        last look, as of the deadline)."""
        return await poll_attempt(check, self.check_oversold, lambda a: a.answered, "the platform's oversold answer")

    @activity.defn
    async def place_reship(self, request: ReshipOrderRequest) -> ReshipOrder:
        with outside_call(request.case_id, "platform.place_reship") as log:
            order = await self.platform.place_reship(request)
        log.info("reship placed", reship_order_id=order.reship_order_id, paid_by=order.paid_by)
        return order

    @activity.defn
    async def close_order(self, request: CloseOrderRequest) -> bool:
        with outside_call(request.case_id, "platform.close_order") as log:
            first = await self.platform.close_order(request)
        log.info("original order closed", closed_as=request.closed_as, first=first)
        return first

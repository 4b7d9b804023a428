from __future__ import annotations

from adapters.simulators.pushes import Announced
from adapters.simulators.scenario import FaultInjector, SimulatorConfig
from domain.fulfilment import CloseOrderRequest, OversoldAnswer, OversoldCheck, ReshipOrder, ReshipOrderRequest


class PlatformSimulator:
    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.faults = FaultInjector(self.config, "platform")
        self.announced = Announced()
        self.reships: dict[str, ReshipOrder] = {}
        self.closed: dict[str, str] = {}

    async def check_oversold(self, check: OversoldCheck) -> OversoldAnswer:
        """Stateless: answered once platform_answer_after has passed since the question."""
        await self.faults.call("check_oversold", f"{check.case_id}@{check.as_of.isoformat()}")
        scenario = self.config.scenario(check.order_id)
        after = scenario.platform_answer_after
        if after is None or check.as_of < check.asked_at + after.plain:
            if after is not None:
                self.announced.once("platform", "oversold-answered", check.case_id, check.asked_at + after.plain)
            return OversoldAnswer(order_id=check.order_id, answered=False)
        return OversoldAnswer(order_id=check.order_id, answered=True, can_ship=scenario.can_ship)

    async def place_reship(self, request: ReshipOrderRequest) -> ReshipOrder:
        await self.faults.call("place_reship", request.case_id)
        existing = self.reships.get(request.case_id)
        if existing:
            return existing
        order = ReshipOrder(
            reship_order_id=f"RS-{request.order_id}",
            order_id=request.order_id,
            paid_by=request.paid_by,
            paid_at=request.as_of,
        )
        self.reships[request.case_id] = order
        return order

    async def close_order(self, request: CloseOrderRequest) -> bool:
        await self.faults.call("close_order", request.case_id)
        first = request.order_id not in self.closed
        self.closed.setdefault(request.order_id, request.closed_as)
        return first

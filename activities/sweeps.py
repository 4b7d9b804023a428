"""Opening the cases a daily sweep found. Started from an activity with the worker's own
client: the workflow id is the case's, and REJECT_DUPLICATE means a second sweep (or a
retried activity) finds the case already there instead of opening another."""

from __future__ import annotations

from temporalio import activity
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.conduct import outside_call, step_logger
from adapters.warehouse import Warehouse
from domain.fulfilment import LateOrderQuery, LateOrders
from domain.models import order_for_case
from domain.oversold import OversoldInput
from domain.shipment_tracking import ShipmentTrackingInput
from domain.sweeps import SweepCase, SweepKind


class SweepActivities:
    @activity.defn
    async def open_sweep_case(self, c: SweepCase) -> bool:
        """True if this call opened the case, False if it was already open (or closed)."""
        arg: ShipmentTrackingInput | OversoldInput
        if c.kind == SweepKind.SHIPMENT_TRACKING:
            workflow, arg = (
                "ShipmentTracking",
                ShipmentTrackingInput(case=c.case, policy=c.policy, export_date=c.export_date),
            )
        else:
            workflow, arg = "Oversold", OversoldInput(case=c.case, policy=c.policy)
        log = step_logger(c.case.case_id)
        try:
            await activity.client().start_workflow(
                workflow,
                arg,
                id=c.case.workflow_id,
                task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            log.info("sweep case already open", sweep=c.kind.value)
            return False
        log.info("sweep case opened", sweep=c.kind.value, workflow=workflow)
        return True


class LateOrderActivities:
    """The late orders a sweep opens cases for, as the cases may carry them: no phone,
    no address, the payer as a keyed reference. The sweep's history keeps this result,
    so nothing personal is in it (§6); the plain warehouse list never leaves the worker."""

    def __init__(self, warehouse: Warehouse, pseudonym_secret: bytes):
        self.warehouse = warehouse
        self.secret = pseudonym_secret

    @activity.defn
    async def list_late_orders_for_cases(self, query: LateOrderQuery) -> LateOrders:
        with outside_call(f"sweep-{query.kind}", "warehouse.late_orders") as log:
            found = await self.warehouse.late_orders(query)
        log.info("late orders listed", kind=query.kind, count=len(found.orders))
        return LateOrders(orders=tuple(order_for_case(o, self.secret) for o in found.orders))

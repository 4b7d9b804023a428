"""Opening the cases a daily sweep found. Started from an activity with the worker's own
client: the workflow id is the case's, and REJECT_DUPLICATE means a second sweep (or a
retried activity) finds the case already there instead of opening another."""
from __future__ import annotations

from temporalio import activity
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.conduct import step_logger
from domain.oversold import OversoldInput
from domain.shipment_tracking import ShipmentTrackingInput
from domain.sweeps import SweepCase, SweepKind


class SweepActivities:
    @activity.defn
    async def open_sweep_case(self, c: SweepCase) -> bool:
        """True if this call opened the case, False if it was already open (or closed)."""
        if c.kind == SweepKind.SHIPMENT_TRACKING:
            workflow, arg = "ShipmentTracking", ShipmentTrackingInput(case=c.case, policy=c.policy, export_date=c.export_date)
        else:
            workflow, arg = "Oversold", OversoldInput(case=c.case, policy=c.policy)
        log = step_logger(c.case.case_id)
        try:
            await activity.client().start_workflow(
                workflow, arg, id=c.case.workflow_id, task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            log.info("sweep case already open", sweep=c.kind.value)
            return False
        log.info("sweep case opened", sweep=c.kind.value, workflow=workflow)
        return True

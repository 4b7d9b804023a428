"""Scripted people for the bench: for each case kind, what a case's input looks like
and how the customer, specialist or supervisor answers it, as a realistic mix.

Returns and the approver-only kinds are driven here; the other kinds by business in
drivers_fulfilment (held orders, manual refunds), drivers_after_sales (§4.2–§4.8) and
drivers_complaints (§4.12, §5), on the shared pieces of bench.people. A kind registered
in service.catalogue without a driver is left out of the mix and reported as undriven;
adding a driver is one class and one entry in DRIVERS."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle

from adapters.simulators.scenario import Scenario
from bench import drivers_after_sales, drivers_complaints, drivers_fulfilment
from bench.inbox import Inbox
from bench.people import Answer, BenchDesk, Case, Driver, bench_header, bench_order, no_answer
from domain.actors import ActorRef, Role
from domain.models import CaseKind, Order
from domain.policy import Policy
from domain.returns import ReturnOrigin, ReturnRefundInput, ReviewDecision
from people.approvers import approve_everything
from people.returns import review
from service.catalogue import KINDS

__all__ = [
    "DRIVERS",
    "WEIGHTS",
    "Answer",
    "Case",
    "Driver",
    "approve_everything",
    "bench_header",
    "bench_order",
    "driven_kinds",
    "mix",
    "no_answer",
    "simulator_config",
    "undriven_kinds",
]


# How often each kind comes in, per 100 cases, in a supermarket's after-sales.
WEIGHTS: dict[CaseKind, int] = {
    CaseKind.RETURN_REFUND: 22,
    CaseKind.SHIPMENT_TRACKING: 12,
    CaseKind.MISSING_ITEM: 10,
    CaseKind.DAMAGED_GOODS: 8,
    CaseKind.HELD_ORDER: 8,
    CaseKind.WRONG_ITEM: 6,
    CaseKind.SHIPPED_NOT_SIGNED: 6,
    CaseKind.INVOICE: 6,
    CaseKind.PRICE_DISPUTE: 5,
    CaseKind.MANUAL_REFUND: 4,
    CaseKind.RESHIP: 3,
    CaseKind.REFUSAL: 3,
    CaseKind.COMPLAINT: 3,
    CaseKind.OVERSOLD: 2,
    CaseKind.ABNORMAL_SIGN_OFF: 1,
    CaseKind.AGENT_COMPLAINT: 1,
}


class ReturnRefundDriver:
    """60% approved with pickup, 25% approved without, 10% rejected, 5% refused parcels."""

    kind = CaseKind.RETURN_REFUND
    reviewer = ActorRef(actor_id="bench.returns", role=Role.RETURN_SPECIALIST)

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        slot = n % 20
        origin = ReturnOrigin.PARCEL_REFUSED if slot == 19 and answered else ReturnOrigin.CUSTOMER_REQUEST
        header = bench_header(self.kind, n)
        inp = ReturnRefundInput(case=header, policy=policy, origin=origin)
        if origin == ReturnOrigin.PARCEL_REFUSED or not answered:
            return Case(self.kind.value, "ReturnRefund", inp, header.workflow_id)
        if slot < 12:
            decision = ReviewDecision(reviewer=self.reviewer, approve=True, pickup=True)
        elif slot < 17:
            decision = ReviewDecision(reviewer=self.reviewer, approve=True, pickup=False)
        else:
            decision = ReviewDecision(reviewer=self.reviewer, approve=False, reason="opened food cannot be returned")

        async def reviewer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            await review(BenchDesk(inbox, client), header.case_id, decision)

        return Case(self.kind.value, "ReturnRefund", inp, header.workflow_id, reviewer)


class ApprovingDriver:
    """A kind whose only people are approvers: its input is the case plus `extra`, its
    outside systems do what `scenario` says (None: the simulators' defaults)."""

    def __init__(
        self,
        kind: CaseKind,
        extra: Callable[[int, Order], dict[str, Any]] = lambda n, o: {},
        scenario: Callable[[int, Policy], Scenario | None] = lambda n, p: None,
    ):
        self.kind, self.extra, self.scenario = kind, extra, scenario

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        spec = KINDS[self.kind]
        header = bench_header(self.kind, n)
        inp = spec.input_model(case=header, policy=policy, **self.extra(n, header.order))

        async def approve(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            await approve_everything(BenchDesk(inbox, client), header.case_id)

        return Case(
            self.kind.value,
            spec.workflow,
            inp,
            header.workflow_id,
            approve if answered else no_answer,
            self.scenario(n, policy),
        )


DRIVERS: dict[CaseKind, Driver] = {
    d.kind: d
    for d in [
        ReturnRefundDriver(),
        ApprovingDriver(CaseKind.SHIPMENT_TRACKING),
        ApprovingDriver(CaseKind.OVERSOLD, scenario=drivers_fulfilment.oversold_platform),
        ApprovingDriver(
            CaseKind.RESHIP, lambda n, o: {"cause": ("lost_in_transit", "damaged_in_transit", "oversold")[n % 3]}
        ),
        ApprovingDriver(CaseKind.REFUSAL, lambda n, o: {"how": "customer_refused"}),
        *drivers_fulfilment.DRIVERS,
        *drivers_after_sales.DRIVERS,
        *drivers_complaints.DRIVERS,
    ]
}


def driven_kinds() -> list[CaseKind]:
    return [k for k in KINDS if k in DRIVERS]


def undriven_kinds() -> list[str]:
    return sorted(k.value for k in KINDS if k not in DRIVERS)


def mix(
    count: int, policy: Policy, *, seed: int = 7, answered: bool = True, kinds: list[CaseKind] | None = None
) -> list[Case]:
    """`count` cases of every driven kind, drawn by WEIGHTS with a fixed seed."""
    kinds = kinds or driven_kinds()
    rng = random.Random(seed)
    weights = [WEIGHTS.get(k, 1) for k in kinds]
    picks = rng.choices(kinds, weights=weights, k=count)
    return [DRIVERS[k].case(n, policy, answered=answered) for n, k in enumerate(picks)]


def simulator_config(cases: list[Case], base: str = "{}") -> str:
    """The simulators' config (JSON, as bench.worker_process takes it) with the scenario
    of every case that has one, so the warehouse, courier and platform answer each
    order as its driver meant (a lost parcel, a split shipment, a known signer)."""
    config = json.loads(base)
    scenarios = config.setdefault("scenarios", {})
    for c in cases:
        if c.scenario is not None:
            scenarios[c.input.case.order.order_id] = c.scenario.model_dump(mode="json", exclude_defaults=True)
    return json.dumps(config)


def input_size(model: BaseModel) -> int:
    return len(model.model_dump_json())

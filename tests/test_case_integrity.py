"""No case left half done or silent (issue 10): each defect the issue names, tested on
the time-skipping server; every one of these failed on the code before it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import ClassVar

import pytest
from temporalio.client import WorkflowFailureError

import worker
from adapters.errors import BusinessError
from adapters.simulators import Scenario, SimulatorConfig
from domain.actors import ActorRef, Role
from domain.approvals import ApprovalDecision
from domain.child_cases import CaseResult
from domain.external import PaymentReceipt, PaymentRequest
from domain.findings import DeliveryQuery, DeliveryState, DeliveryStatus
from domain.held_order import CustomerChoice, HeldOrderAnswer, HeldOrderInput, HeldOrderResult, HeldOutcome, HoldCause
from domain.models import CaseKind, LineQuantity, OrderLine
from domain.returns import ReturnOrigin, ReturnOutcome, ReturnRefundInput, ReturnRefundResult
from domain.shipped_not_signed import CourierReport, ShippedNotSignedInput
from domain.timeline import Entry
from store.metrics import Metrics
from tests.factories import DEFAULT_POLICY, header, order
from tests.support import advance, deadline, in_state, kinds, pending, refused, until
from workflows.held_order import HeldOrder
from workflows.return_refund import ReturnRefund
from workflows.shipped_not_signed import ShippedNotSigned

CUSTOMER = ActorRef(actor_id="cust-1", role=Role.CUSTOMER)
SECOND_LINE = ActorRef(actor_id="wang.second", role=Role.SECOND_LINE)
COURIER = ActorRef(actor_id="courier", role=Role.COURIER)


async def with_worker(env, store, outside: worker.Outside):
    tq = f"tq-{uuid.uuid4().hex[:8]}"
    return tq, worker.build_worker(env.client, store, outside, task_queue=tq)


class ClosedAccount:
    """A payment provider that refuses for good: the customer's account is closed."""

    ledger: ClassVar[list[PaymentReceipt]] = []

    async def pay(self, request: PaymentRequest) -> PaymentReceipt:
        raise BusinessError("the payee account is closed", type="AccountClosed")


async def test_a_payment_refused_for_good_ends_the_case_visibly_and_frees_its_reservation(env, store):
    outside = worker.Outside.simulated()
    outside.payment = ClosedAccount()
    inp = ReturnRefundInput(
        case=header(CaseKind.RETURN_REFUND, opened_by="courier"),
        policy=DEFAULT_POLICY,
        origin=ReturnOrigin.PARCEL_REFUSED,
    )
    tq, w = await with_worker(env, store, outside)
    async with w:
        h = await env.client.start_workflow("ReturnRefund", inp, id=inp.case.workflow_id, task_queue=tq)
        with pytest.raises(WorkflowFailureError) as e:
            await h.result()
    assert "pay_refund" in str(e.value.cause)
    row = store.get_case(inp.case.case_id)
    assert row["outcome"] == "failed" and row["state"] == "failed"
    closing = store.timeline(inp.case.case_id)[-1]
    assert closing.kind == Entry.CLOSED and closing.detail["step"] == "pay_refund"
    assert "account is closed" in closing.detail["reason"]
    assert Entry.REFUND_STARTED in kinds(store.timeline(inp.case.case_id))  # every queued entry was written
    listed = [r for r in Metrics(store).needs_person(closing.at) if r["case_id"] == inp.case.case_id]
    assert listed and listed[0]["subject"] == "failed"
    assert store.ledger.balance(inp.case.order.order_id).left_fen == inp.case.order.paid_fen  # released


async def test_a_gift_only_return_records_nothing_to_pay_and_closes(env, store):
    gift = OrderLine(sku="GIFT-BAG", name="赠品袋", unit_price_fen=0, quantity=1, gift=True)
    o = order(lines=(OrderLine(sku="MILK-1L", name="Milk", unit_price_fen=1590, quantity=1), gift))
    inp = ReturnRefundInput(
        case=header(CaseKind.RETURN_REFUND, o, opened_by="courier"),
        policy=DEFAULT_POLICY,
        origin=ReturnOrigin.PARCEL_REFUSED,
        lines=(LineQuantity(sku="GIFT-BAG", quantity=1),),
    )
    tq, w = await with_worker(env, store, worker.Outside.simulated())
    async with w:
        result = await env.client.execute_workflow(
            "ReturnRefund",
            inp,
            id=inp.case.workflow_id,
            task_queue=tq,
            result_type=ReturnRefundResult,
            execution_timeout=timedelta(days=30),
        )
    assert result.outcome == ReturnOutcome.NOTHING_TO_REFUND and result.refund_fen == 0
    assert Entry.NOTHING_TO_PAY in kinds(store.timeline(inp.case.case_id))
    assert store.payments(inp.case.case_id) == []


async def test_a_held_orders_refund_does_not_wait_on_a_pending_compensation_approval(env, store):
    o = order()
    inp = HeldOrderInput(
        case=header(CaseKind.HELD_ORDER, o),
        policy=DEFAULT_POLICY,
        cause=HoldCause.NO_STOCK,
        offer_kind="cash",
        offer_percent=15,
    )
    config = SimulatorConfig(scenarios={o.order_id: Scenario(backfill_after=None)})
    tq, w = await with_worker(env, store, worker.Outside.simulated(config))
    async with w:
        h = await env.client.start_workflow(
            "HeldOrder", inp, id=inp.case.workflow_id, task_queue=tq, result_type=HeldOrderResult
        )
        await advance(env, by=timedelta(hours=24, minutes=1))
        await pending(h, "compensation")  # second line has not decided the 15 % cash
        await in_state(h, "awaiting_choice")
        await h.execute_update(HeldOrder.choose, HeldOrderAnswer(customer=CUSTOMER, choice=CustomerChoice.REFUND))
        # real time: the refund child pays while the approval still waits
        await until(lambda: store.payments(f"{inp.case.case_id}-refund"), "the refund")
        assert [p["amount_fen"] for p in store.payments(f"{inp.case.case_id}-refund")] == [o.paid_fen]
        assert await pending(h, "compensation")  # still waiting: the refund went first
        await h.execute_update(
            CaseWorkflow.decide, ApprovalDecision(approval_id="compensation", approver=SECOND_LINE, approve=True)
        )
        result = await h.result()
    assert result.outcome == HeldOutcome.REFUNDED and result.compensation_fen == o.paid_fen * 15 // 100


class SlowCourier:
    """The delivery check blocks until the test lets it answer, so a report can arrive mid-call."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0
        self.in_call, self.release = asyncio.Event(), asyncio.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def delivery_status(self, query: DeliveryQuery) -> DeliveryStatus:
        self.calls += 1
        if self.calls == 2:
            self.in_call.set()
            await self.release.wait()
        return DeliveryStatus(order_id=query.order_id, state=DeliveryState.IN_TRANSIT)


async def test_a_courier_report_arriving_during_the_delivery_check_is_not_lost(env, store):
    o = order().model_copy(update={"shipped_at": await env.get_current_time()})
    inp = ShippedNotSignedInput(case=header(CaseKind.SHIPPED_NOT_SIGNED, o), policy=DEFAULT_POLICY)
    outside = worker.Outside.simulated()
    courier = SlowCourier(outside.courier)
    outside.courier = courier
    tq, w = await with_worker(env, store, outside)
    async with w:
        h = await env.client.start_workflow(
            "ShippedNotSigned", inp, id=inp.case.workflow_id, task_queue=tq, result_type=CaseResult
        )
        await in_state(h, "chasing")
        await h.execute_update(
            ShippedNotSigned.delivery_reported, CourierReport(by=COURIER)
        )  # wakes the case: check again
        await asyncio.wait_for(courier.in_call.wait(), 10)
        await h.execute_update(
            ShippedNotSigned.delivery_reported, CourierReport(by=COURIER)
        )  # arrives during the second check
        courier.release.set()
        # real time only: the clock does not move
        await until(lambda: courier.calls >= 3, "a look after the report that came during the check", within=5)
        await h.terminate()


def test_a_child_id_never_exceeds_a_case_id():
    from domain.child_cases import child_case_id
    from domain.models import CaseHeader

    parent = "WI-" + "x" * 76
    child = child_case_id(parent, "missing-gift")
    grandchild = child_case_id(child, "refund")
    assert len(child) <= 80 and len(grandchild) <= 80 and child != grandchild
    assert child_case_id(parent, "refund") != child_case_id(parent[:-1] + "y", "refund")
    CaseHeader(case_id=grandchild, kind=CaseKind.RETURN_REFUND, order=order(), customer_id="cust-1", opened_by=child)
    assert child_case_id("RR-1", "refund") == "RR-1-refund"  # short ids as before


from temporalio import workflow  # noqa: E402
from temporalio.worker import UnsandboxedWorkflowRunner  # noqa: E402

from workflows.case_workflow import CaseWorkflow  # noqa: E402
from workflows.casefile import CaseFile  # noqa: E402


@workflow.defn(sandboxed=False)
class BadData(CaseWorkflow):
    """A case whose own code builds a model from bad data."""

    @workflow.init
    def __init__(self, inp: ReturnRefundInput) -> None:
        super().__init__(CaseFile(inp.case, inp.policy, "checking"))

    @workflow.run
    async def run(self, inp: ReturnRefundInput) -> None:
        await self.file.open()
        LineQuantity(sku="MILK-1L", quantity=0)  # fails validation


async def test_bad_data_inside_a_workflow_fails_it_with_a_reason_instead_of_retrying_forever(env, store):
    inp = ReturnRefundInput(case=header(CaseKind.RETURN_REFUND), policy=DEFAULT_POLICY)
    tq = f"tq-{uuid.uuid4().hex[:8]}"
    w = worker.build_worker(
        env.client,
        store,
        worker.Outside.simulated(),
        task_queue=tq,
        workflows=[BadData],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with w:
        with pytest.raises(WorkflowFailureError) as e:
            await env.client.execute_workflow(
                BadData.run, inp, id=inp.case.workflow_id, task_queue=tq, execution_timeout=timedelta(minutes=5)
            )
    assert "case failed at workflow" in str(e.value.cause) and "quantity" in str(e.value.cause)
    assert store.get_case(inp.case.case_id)["outcome"] == "failed"


class NoReships:
    """A platform that closes orders but cannot place the reship."""

    def __init__(self, inner):
        self.inner, self.closed = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def close_order(self, request):
        self.closed.append(request.order_id)
        return await self.inner.close_order(request)

    async def place_reship(self, request):
        raise BusinessError("the platform refuses the reship: the item is delisted", type="Delisted")


async def test_a_reship_that_cannot_be_placed_after_closing_the_original_refunds_the_customer(env, store):
    from domain.reship import ReshipCause, ReshipInput, ReshipOutcome, ReshipResult

    o = order()
    inp = ReshipInput(
        case=header(CaseKind.RESHIP, o, opened_by="li.first"), policy=DEFAULT_POLICY, cause=ReshipCause.LOST_IN_TRANSIT
    )
    outside = worker.Outside.simulated()
    outside.platform = NoReships(outside.platform)
    tq, w = await with_worker(env, store, outside)
    async with w:
        result = await env.client.execute_workflow(
            "Reship", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReshipResult
        )
    assert outside.platform.closed == [o.order_id]
    assert result.outcome == ReshipOutcome.REFUNDED_INSTEAD and "delisted" in result.reason
    assert [p["amount_fen"] for p in store.payments(inp.case.case_id)] == [o.paid_fen]
    assert Entry.RESHIP_FAILED in kinds(store.timeline(inp.case.case_id))


async def test_a_return_review_past_the_24h_node_is_escalated_for_real(env, store):
    from domain.returns import ReviewDecision

    inp = ReturnRefundInput(case=header(CaseKind.RETURN_REFUND), policy=DEFAULT_POLICY)
    tq, w = await with_worker(env, store, worker.Outside.simulated())
    async with w:
        h = await env.client.start_workflow(
            "ReturnRefund", inp, id=inp.case.workflow_id, task_queue=tq, result_type=ReturnRefundResult
        )
        node = await deadline(h, "review_sla")
        by_second_line = ReviewDecision(reviewer=SECOND_LINE, approve=True, pickup=False)
        await advance(env, to=node, offset_s=-60)
        assert "return specialist" in await refused(h.execute_update(ReturnRefund.review, by_second_line))
        await advance(env, to=node, offset_s=+60)
        listed = []

        async def review_listed() -> list[dict]:
            return [
                r
                for r in Metrics(store).pending_approvals(await env.get_current_time())
                if r["case_id"] == inp.case.case_id and r["approval_id"] == "review"
            ]

        listed = await until(review_listed, "the review in the approvals list", within=5)
        assert listed and listed[0]["overdue"] and "second_line" in listed[0]["roles"]
        await h.execute_update(ReturnRefund.review, by_second_line)
        assert (await h.result()).outcome == ReturnOutcome.ADVANCE_COMPENSATED
    assert not [
        r for r in Metrics(store).pending_approvals(await env.get_current_time()) if r["case_id"] == inp.case.case_id
    ]

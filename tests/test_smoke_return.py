from __future__ import annotations

from domain.actors import ActorRef, Role
from domain.models import CaseKind
from domain.returns import ReturnOutcome, ReturnRefundInput, ReturnRefundResult, ReviewDecision
from tests.conftest import running_worker
from tests.factories import DEFAULT_POLICY, header
from tests.replay_support import keep_history


async def test_approved_return_with_pickup_is_refunded_once(env, store):
    async with running_worker(env, store) as (tq, outside):
        case = header(CaseKind.RETURN_REFUND)
        h = await env.client.start_workflow(
            "ReturnRefund", ReturnRefundInput(case=case, policy=DEFAULT_POLICY), id=case.workflow_id, task_queue=tq,
            result_type=ReturnRefundResult,
        )
        await env.sleep(60)
        await h.execute_update("review", ReviewDecision(
            reviewer=ActorRef(actor_id="zhao.returns", role=Role.RETURN_SPECIALIST), approve=True, pickup=True))
        result = await h.result()
        assert result.outcome == ReturnOutcome.REFUNDED
        assert result.refund_fen == case.order.paid_fen
        assert [p["amount_fen"] for p in store.payments(case.case_id)] == [case.order.paid_fen]
        assert len(outside.payment.ledger) == 1
        await keep_history(h, "return_refund_pickup_refunded")

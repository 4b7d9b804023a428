"""What a case process hands out at its end — a refund, a reship, a compensation — done
the one way the rest of the system does it: refunds and reships as child workflows
with ids derived from the parent case, compensation through the calculator's tiers
and the shared approval. A case owns one Remedies (self.remedies), as it owns its
CaseFile."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.actors import ActorRef, Role
    from domain.approvals import MoneyAtStake, Subject, roles_for_tier
    from domain.child_cases import CaseResult, PayeeDetails, RefundRoute, child_case_id, payee_problem, refund_route
    from domain.compensation import CompensationOffer
    from domain.external import PaymentKind
    from domain.handlers import UpdateName
    from domain.manual_refund import GOODS_REASONS, ManualRefundInput, ManualRefundReason, ManualRefundResult, Payee
    from domain.models import CaseHeader, CaseKind, CaseStatus, LineQuantity, lines_value_fen
    from domain.policy import Tier
    from domain.reship import ReshipCause, ReshipInput, ReshipResult
    from domain.returns import ReturnOrigin, ReturnRefundInput, ReturnRefundResult, ReviewDecision
    from domain.timeline import Entry
    from workflows import patches
    from workflows.case_workflow import CaseWorkflow, SeekApproval
    from workflows.casefile import CaseFile
    from workflows.payout import pay
    from workflows.refusals import refuse

NOTHING_TO_REFUND = "nothing_to_refund"

# A compensation awaiting its approval runs alongside the case: the customer's refund and
# the 48 h rule never wait on it (issue 10). Runs begun before awaited it first.
COMPENSATION_ALONGSIDE = "compensation-alongside"

# A parent process has already looked at the evidence: its finding is the review.
PROCESS_REVIEWER = ActorRef(actor_id="case-process", role=Role.SYSTEM)


def child_header(parent: CaseHeader, kind: CaseKind, step: str, reason: str) -> CaseHeader:
    return CaseHeader(
        case_id=child_case_id(parent.case_id, step),
        kind=kind,
        order=parent.order,
        customer_id=parent.customer_id,
        opened_by=parent.case_id,
        reason=reason,
    )


class Remedies:
    """What a case hands out, owned by its workflow as it owns its CaseFile: the children
    it started, what they refunded, the customer's payee (given with the case or asked
    for when a manual refund needs it), and compensation through the approval tiers."""

    def __init__(self, file: CaseFile, seek_approval: SeekApproval, payee: Payee | None = None) -> None:
        self.file, self.seek_approval, self.payee = file, seek_approval, payee
        self.children: list[str] = []
        self.refunded_fen = 0
        self.asking_payee = False

    def result(self, outcome: str, compensation_fen: int = 0) -> CaseResult:
        """The case's result: how it ended, with what its children refunded and who they were."""
        return CaseResult(
            case_id=self.file.case.case_id,
            outcome=outcome,
            refund_fen=self.refunded_fen,
            compensation_fen=compensation_fen,
            children=tuple(self.children),
        )

    async def refund(self, lines: tuple[LineQuantity, ...], *, pickup: bool, reason: str, step: str = "refund") -> str:
        """Refund `lines` (empty: the whole order) through the right child; returns its outcome."""
        f = self.file
        if lines_value_fen(f.case.order, lines) == 0:
            # a free gift: nothing was paid for it, so there is nothing to pay back
            await f.record(Entry.NOTHING_TO_REFUND, "system", lines=[lq.model_dump() for lq in lines])
            return NOTHING_TO_REFUND
        route = refund_route(f.case.order, lines)
        if route == RefundRoute.MANUAL_REFUND:
            return await self.manual_refund(lines, pickup=pickup, reason=reason, step=step)
        case = child_header(f.case, CaseKind.RETURN_REFUND, step, reason)
        decided = ReviewDecision(reviewer=PROCESS_REVIEWER, approve=True, pickup=pickup, reason=reason)
        return await self._refund_child(
            case,
            route,
            pickup,
            lines,
            ReturnRefundInput(
                case=case, policy=f.policy, lines=lines, origin=ReturnOrigin.PROCESS_OUTCOME, decided=decided
            ),
        )

    async def manual_refund(
        self,
        lines: tuple[LineQuantity, ...],
        *,
        pickup: bool,
        reason: str,
        step: str = "refund",
        reason_kind: ManualRefundReason | None = None,
        amount_fen: int | None = None,
    ) -> str:
        """A completed trade or a partial quantity (§4.9), or another manual refund kind
        (`reason_kind`, `amount_fen`): needs the customer's payee details, asked for here
        when the case did not bring them."""
        f = self.file
        order = f.case.order
        payee = await self.obtain_payee()
        if payee is None:
            await f.record(
                Entry.REFUND_NOT_STARTED,
                "system",
                why="the customer gave no payment account within the window",
                window="customer_answer",
            )
            return "payee_missing"
        kind = reason_kind or (
            ManualRefundReason.COMPLETED_TRADE if order.trade_completed else ManualRefundReason.PARTIAL_QUANTITY
        )
        amount = lines_value_fen(order, lines) if amount_fen is None else amount_fen
        case = child_header(f.case, CaseKind.MANUAL_REFUND, step, reason)
        return await self._refund_child(
            case,
            RefundRoute.MANUAL_REFUND,
            pickup,
            lines,
            ManualRefundInput(
                case=case,
                policy=f.policy,
                reason_kind=kind,
                amount_fen=amount,
                lines=lines,
                payee=payee,
                pickup=pickup if kind in GOODS_REASONS else None,
                note=reason[:500],
            ),
        )

    async def _refund_child(
        self,
        case: CaseHeader,
        route: RefundRoute,
        pickup: bool,
        lines: tuple[LineQuantity, ...],
        inp: ReturnRefundInput | ManualRefundInput,
    ) -> str:
        """Start the refund child of `route` (its workflow type) and wait for its outcome."""
        f = self.file
        await f.record(
            Entry.REFUND_STARTED,
            "system",
            child=case.workflow_id,
            route=route.value,
            pickup=pickup,
            lines=[lq.model_dump() for lq in lines],
        )
        result_type = ReturnRefundResult if route == RefundRoute.RETURN_REFUND else ManualRefundResult
        result = await workflow.execute_child_workflow(
            route.value, inp, id=case.workflow_id, result_type=result_type, memo=patches.child_memo()
        )
        amount = result.refund_fen if isinstance(result, ReturnRefundResult) else result.amount_fen
        await f.record(
            Entry.REFUND_FINISHED, "system", child=case.workflow_id, outcome=result.outcome.value, amount_fen=amount
        )
        self.children.append(case.workflow_id)
        self.refunded_fen += amount
        return result.outcome.value

    async def reship(
        self, lines: tuple[LineQuantity, ...], *, cause: ReshipCause, note: str, step: str = "reship"
    ) -> str:
        f = self.file
        case = child_header(f.case, CaseKind.RESHIP, step, note)
        await f.record(
            Entry.RESHIP_STARTED,
            "system",
            child=case.workflow_id,
            cause=cause.value,
            lines=[lq.model_dump() for lq in lines],
        )
        result: ReshipResult = await workflow.execute_child_workflow(
            "Reship",
            ReshipInput(case=case, policy=f.policy, cause=cause, lines=lines, customer_insists=True, note=note[:500]),
            id=case.workflow_id,
            result_type=ReshipResult,
            memo=patches.child_memo(),
        )
        await f.record(
            Entry.RESHIP_FINISHED,
            "system",
            child=case.workflow_id,
            outcome=result.outcome.value,
            reship_order_id=result.reship_order_id,
            reason=result.reason,
        )
        self.children.append(case.workflow_id)
        return result.outcome.value

    async def obtain_payee(self) -> Payee | None:
        if self.payee is None:
            f = self.file
            self.asking_payee = True
            due = f.deadline_after("payee", workflow.now(), f.policy.windows.customer_answer)
            await f.record(Entry.PAYEE_REQUESTED, "system", due_at=due.isoformat())
            await f.wait_until(lambda: self.payee is not None, due)
            f.clear_deadline("payee")
            self.asking_payee = False
        return self.payee

    async def compensate(self, offer: CompensationOffer, *, basis_fen: int, step: str, why: str) -> int:
        """Grant `offer` (first line: at once; above: after the shared approval). Returns
        the fen granted, 0 when the approver said no."""
        f = self.file
        amount = offer.amount_fen
        if offer.needs_approval:
            decision = await self.seek_approval(
                step,
                Subject.COMPENSATION,
                roles_for_tier(offer.tier),
                _sla_for(offer.tier),
                summary=why,
                money=MoneyAtStake(
                    situation=offer.situation, kind=offer.kind, amount_fen=amount, paid_fen=basis_fen, tier=offer.tier
                ),
            )
            if decision is None or not decision.approve:
                await f.record(Entry.COMPENSATION_REFUSED, "system", step=step, situation=offer.situation.value)
                return 0
            amount = decision.amount_fen or amount
        kind: PaymentKind = (
            "price_difference"
            if offer.kind == "refund_difference"
            else ("coupon" if offer.kind == "coupon" else "cash_compensation")
        )
        receipt = await pay(f, step=step, kind=kind, amount_fen=amount, reason=why, compensation=True)
        if receipt is None:
            return 0
        await f.record(
            Entry.COMPENSATION_GRANTED,
            "payment",
            step=step,
            situation=offer.situation.value,
            payment_kind=kind,
            amount_fen=receipt.amount_fen,
            payment_id=receipt.payment_id,
            tier=offer.tier.value,
        )
        return receipt.amount_fen


class RemedyCase(CaseWorkflow):
    """A case process that may end in a refund or a reship: it owns a Remedies and takes
    the payee Update a manual refund may have to ask for."""

    def __init__(self, file: CaseFile, *, payee: Payee | None = None) -> None:
        super().__init__(file)
        self.remedies = Remedies(file, self.seek_approval, payee)

    @workflow.update(name=UpdateName.PROVIDE_PAYEE)
    async def provide_payee(self, details: PayeeDetails) -> CaseStatus:
        self.remedies.payee = details.payee
        return self.file.status()

    @provide_payee.validator
    def _validate_payee(self, details: PayeeDetails) -> None:
        problem = payee_problem(details, self.file.case, asked=self.remedies.asking_payee)
        refuse(problem)


def _sla_for(tier: Tier) -> str:
    return "platform_answer" if tier == Tier.PLATFORM else "second_line_callback"

"""ShippedNotSigned (rulebook §4.6): tracked against the 96 h signature target."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.actors import Role
    from domain.approvals import Subject
    from domain.child_cases import CaseResult
    from domain.compensation import standard_offer
    from domain.findings import CourierNotice, DeliveryQuery, DeliveryState, DeliveryStatus
    from domain.handlers import SignalName, UpdateName
    from domain.models import CaseStatus
    from domain.policy import Situation
    from domain.problems import Code, Problem
    from domain.replies import customer_problem
    from domain.shipped_not_signed import (
        CourierReport,
        DeliveryAppointment,
        NextStep,
        NotSignedOutcome,
        NotSignedState,
        OfferAnswer,
        ShippedNotSignedInput,
        appointment_problem,
        next_step,
        report_problem,
        reship_cause,
        sign_deadline,
    )
    from domain.timeline import Entry
    from workflows import activity_calls, carryover, patches
    from workflows.casefile import CaseFile
    from workflows.refusals import refuse
    from workflows.remedies import RemedyCase

REPORT_RESET_FIRST = "report-reset-before-check"

DONE = ("refunded", "advance_compensated", "paid", "reshipped")


@workflow.defn
class ShippedNotSigned(RemedyCase):
    @workflow.init
    def __init__(self, inp: ShippedNotSignedInput) -> None:
        self.inp = inp
        super().__init__(CaseFile(inp.case, inp.policy, NotSignedState.CHECKING), payee=inp.payee)
        self.appointment: DeliveryAppointment | None = None
        self.offer_answer: OfferAnswer | None = None
        self.reported = False
        self.file.continue_with = lambda carried: inp.model_copy(update={"carried": carried})

    @workflow.run
    async def run(self, inp: ShippedNotSignedInput) -> CaseResult:
        f, case = self.file, inp.case
        shipped_at = case.order.shipped_at
        assert shipped_at is not None
        due = sign_deadline(inp.policy, shipped_at)
        if inp.carried is None:
            await f.open(shipped_at=shipped_at.isoformat())
            f.set_deadline("sign_target", due)
        else:  # a wait on the courier woken again and again continued as new: resume it
            f.resume(inp.carried)
        chased = Entry.COURIER_CHASED in [e.kind for e in f.timeline]
        first = True
        while True:
            if not first:  # between two looks at the courier, nothing in flight
                await carryover.continue_if_long(f, "sign_target")
            first = False
            if patches.patched(REPORT_RESET_FIRST):
                # reset before asking, so a courier report arriving during the calls is kept
                self.reported = False
            status: DeliveryStatus = await activity_calls.check_delivery(
                DeliveryQuery(
                    case_id=case.case_id, order_id=case.order.order_id, shipped_at=shipped_at, as_of=workflow.now()
                )
            )
            late = workflow.now() >= due
            step = next_step(status.state, late)
            await f.record(Entry.DELIVERY_CHECKED, "courier", delivery=status.state.value, step=step.value)
            if step == NextStep.CLOSE_SIGNED:
                await f.close(NotSignedOutcome.SIGNED, "courier")
                return CaseResult(case_id=case.case_id, outcome=NotSignedOutcome.SIGNED)
            if step == NextStep.SECOND_DELIVERY:
                return await self._second_delivery()
            if step == NextStep.OFFER_REFUND:
                if status.state == DeliveryState.IN_TRANSIT:
                    await f.record(Entry.SLA_BREACHED, "system", window="sign_target", treated_as="lost")
                return await self._offer_refund(status.state)
            if not chased:
                ack = await activity_calls.notify_courier(
                    CourierNotice(
                        case_id=case.case_id,
                        order_id=case.order.order_id,
                        kind="chase",
                        note="normal transit: deliver within 96 h",
                    )
                )
                await f.record(
                    Entry.COURIER_CHASED, "first_line", state=NotSignedState.CHASING, reference=ack.reference
                )
                chased = True
            if not patches.patched(REPORT_RESET_FIRST):
                self.reported = False  # runs begun before: a report during the calls was lost here
            await f.wait_until(lambda: self.reported, due)

    async def _second_delivery(self) -> CaseResult:
        f, case = self.file, self.inp.case
        f.clear_deadline("sign_target")
        await f.record(Entry.APPOINTMENT_ASKED, "first_line", state=NotSignedState.AWAITING_APPOINTMENT)
        answer_by = f.deadline_after("appointment", workflow.now(), self.inp.policy.windows.customer_answer)
        agreed = await f.wait_until(lambda: self.appointment is not None, answer_by)
        deliver_at = self.appointment.deliver_at if agreed and self.appointment else None
        ack = await activity_calls.notify_courier(
            CourierNotice(
                case_id=case.case_id,
                order_id=case.order.order_id,
                kind="second_delivery",
                deliver_at=deliver_at,
                note="time agreed with the customer" if agreed else "customer did not answer: courier's next round",
            )
        )
        await f.close(
            NotSignedOutcome.SECOND_DELIVERY,
            "first_line",
            reference=ack.reference,
            agreed=agreed,
            deliver_at=deliver_at.isoformat() if deliver_at else None,
        )
        return CaseResult(case_id=case.case_id, outcome=NotSignedOutcome.SECOND_DELIVERY)

    async def _offer_refund(self, state: DeliveryState) -> CaseResult:
        f = self.file
        f.clear_deadline("sign_target")
        await f.record(
            Entry.REFUND_OFFERED, "first_line", state=NotSignedState.AWAITING_OFFER_ANSWER, delivery=state.value
        )
        answer_by = f.deadline_after("offer_answer", workflow.now(), self.inp.policy.windows.customer_answer)
        if not await f.wait_until(lambda: self.offer_answer is not None, answer_by):
            await f.record(Entry.OFFER_DEFAULTED, "system", window="customer_answer", default="refund")
        f.clear_deadline("offer_answer")
        refuses = self.offer_answer is not None and not self.offer_answer.accept_refund
        if refuses:
            await f.record(Entry.ESCALATED, "first_line", state=NotSignedState.AWAITING_SECOND_LINE, to="second_line")
            decision = await self.seek_approval(
                "reship",
                Subject.COMPLAINT_RESOLUTION,
                (Role.SECOND_LINE,),
                "second_line_callback",
                summary=f"parcel {state.value}; customer refuses a refund and wants the goods: reship?",
            )
            if decision is not None and decision.approve:
                await f.record(Entry.RESHIP_AGREED, decision.approver.actor_id, state=NotSignedState.RESHIPPING)
                child = await self.remedies.reship((), cause=reship_cause(state), note=f"parcel {state.value}")
                return await self._close(NotSignedOutcome.RESHIPPED, child)
        await f.record(Entry.REFUND_AGREED, "first_line", state=NotSignedState.REFUNDING)
        child = await self.remedies.refund((), pickup=False, reason=f"parcel {state.value} in transit")
        return await self._close(NotSignedOutcome.REFUNDED, child)

    async def _close(self, outcome: NotSignedOutcome, child: str) -> CaseResult:
        if child not in DONE:
            outcome = NotSignedOutcome.INCOMPLETE
        coupon = 0
        if self.offer_answer is not None and self.offer_answer.wants_compensation:
            paid = self.inp.case.order.paid_fen
            coupon = await self.remedies.compensate(
                standard_offer(self.inp.policy, Situation.DELIVERY_DELAY, paid),
                basis_fen=paid,
                step="delivery-delay-coupon",
                why="parcel lost or damaged in transit: the customer asked for compensation",
            )
        await self.file.close(outcome, "system", child_outcome=child, coupon_fen=coupon)
        return self.remedies.result(outcome, coupon)

    @workflow.update(name=UpdateName.AGREE_DELIVERY_TIME)
    async def agree_delivery_time(self, appointment: DeliveryAppointment) -> CaseStatus:
        self.appointment = appointment
        return self.file.status()

    @agree_delivery_time.validator
    def _validate_appointment(self, appointment: DeliveryAppointment) -> None:
        problem = customer_problem(appointment.by, self.inp.case)
        if not problem and self.file.state != NotSignedState.AWAITING_APPOINTMENT:
            problem = Problem(Code.WRONG_STATE, f"the case is {self.file.state}; no second delivery is being arranged")
        problem = problem or appointment_problem(appointment, workflow.now())
        refuse(problem)

    @workflow.update(name=UpdateName.ANSWER_OFFER)
    async def answer_offer(self, answer: OfferAnswer) -> CaseStatus:
        self.offer_answer = answer
        return self.file.status()

    @answer_offer.validator
    def _validate_offer(self, answer: OfferAnswer) -> None:
        problem = customer_problem(answer.by, self.inp.case)
        if not problem and self.file.state != NotSignedState.AWAITING_OFFER_ANSWER:
            problem = Problem(Code.WRONG_STATE, f"the case is {self.file.state}; no refund offer is open")
        refuse(problem)

    @workflow.update(name=UpdateName.DELIVERY_REPORTED)
    async def delivery_reported(self, report: CourierReport) -> CaseStatus:
        self.reported = True
        return self.file.status()

    @delivery_reported.validator
    def _validate_report(self, report: CourierReport) -> None:
        problem = report_problem(report)
        refuse(problem)

    @workflow.signal(name=SignalName.DELIVERY_STATUS_REPORTED)
    def delivery_status_reported(self) -> None:
        """The courier's push (adapters/http/pushes.py): the parcel's status changed; the
        case asks the courier itself, so a forged or repeated push costs one check."""
        self.reported = True

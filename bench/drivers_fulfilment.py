"""Drivers for held orders (§4.1) and manual refunds (§4.9): the customer's choice after
the apology, the return specialist's pickup decision, the two-person check; and the
platform's answer to an oversold check (§4.1), for drivers.py's approver-only driver."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client, WorkflowHandle

from adapters.simulators.scenario import Scenario
from bench.inbox import Inbox
from bench.people import BenchDesk, Case, bench_header, bench_order, bench_payee, case_for, customer
from domain.actors import ActorRef, Role
from domain.held_order import CustomerChoice, HeldOrderInput, HoldCause
from domain.manual_refund import ManualRefundInput, ManualRefundReason, needs_assessment
from domain.models import CaseKind, LineQuantity, Order, lines_value_fen
from domain.policy import Policy
from domain.windows import Window
from people.fulfilment import held_order_people, manual_refund_people

WAIT, REFUND, INSIST = CustomerChoice.WAIT, CustomerChoice.REFUND, CustomerChoice.INSIST

# Per n % 20: (stock arrives after this share of the backfill window, or never; the
# agent's offer as (percent, kind); the customer's choice, None = silent; paid).
HELD_PLAN: list[tuple[float | None, tuple[int, str], CustomerChoice | None, bool]] = [
    (0.5, (10, "coupon"), None, True),
    (0.8, (10, "coupon"), None, True),  # backfilled in time: nobody asked
    (None, (10, "coupon"), REFUND, True),
    (None, (10, "coupon"), REFUND, True),
    (None, (10, "coupon"), REFUND, True),
    (None, (10, "coupon"), REFUND, True),
    (None, (15, "cash"), REFUND, True),
    (None, (10, "coupon"), REFUND, True),
    (None, (10, "coupon"), WAIT, True),
    (None, (10, "coupon"), WAIT, True),
    (None, (15, "cash"), WAIT, True),
    (1.5, (10, "coupon"), WAIT, True),  # stock comes while the customer waits
    (None, (10, "coupon"), INSIST, True),
    (None, (10, "coupon"), INSIST, True),
    (None, (10, "coupon"), INSIST, True),
    (None, (15, "cash"), INSIST, True),
    (None, (10, "coupon"), None, True),
    (None, (10, "coupon"), None, True),  # silent: waits, refunded at 48 h
    (None, (10, "coupon"), REFUND, False),
    (None, (10, "coupon"), WAIT, False),  # unpaid: cancelled, never reshipped
]


class HeldOrderDriver:
    """10% backfilled within 24 h (nobody is asked); otherwise the apology and an offer
    (second-line cash for 15% of all), then 30% refund at once, 20% wait (a quarter of
    them see the stock come), 20% insist (reshipped at 48 h), 10% silent (refunded at
    48 h), 10% unpaid (cancelled)."""

    kind = CaseKind.HELD_ORDER

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        stock_share, (percent, offer_kind), choice, paid = HELD_PLAN[n % 20]
        header = bench_header(self.kind, n, bench_order(n, paid=paid))
        lines = () if n % 3 else (LineQuantity(sku="RICE-5KG", quantity=1),)  # the whole order, or its rice line
        inp = HeldOrderInput(
            case=header,
            policy=policy,
            cause=tuple(HoldCause)[n % 4],
            lines=lines,
            offer_percent=percent,
            offer_kind=offer_kind,
        )
        scenario = None
        if stock_share is not None:  # scenario times are wall-clock: a share of this policy's window
            scenario = Scenario(backfill_after=share_of(policy.windows.backfill, stock_share))
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            await held_order_people(
                BenchDesk(inbox, client), header.case_id, who, cash_offer=offer_kind == "cash", choice=choice
            )

        return case_for(self.kind, inp, answer, answered, scenario)


def share_of(window: Window, share: float) -> Window:
    """A scenario time (wall-clock) as a share of a policy window, so it scales with the
    policy: seconds under the bench's, hours under the default one in the week. A window
    counted in days ends at the end of a day at least that many days on, so a share of
    its days comes before its deadline."""
    length = window.plain if window.is_plain else timedelta(days=window.amount)
    return Window(amount=max(1, int(length * share / timedelta(seconds=1))), unit="s")


# Per n % 10: (the platform answers after this share of the oversold_check window; its
# answer: the order can ship after all).
OVERSOLD_PLAN: list[tuple[float, bool]] = [
    *[(0.1, False)] * 8,  # cannot ship: compensated, and refunded where paid
    (0.2, True),
    (0.2, True),  # found stock: ships late with an apology
]


def oversold_platform(n: int, policy: Policy) -> Scenario:
    """The platform answers every oversold check within the window, 2 in 10 "can ship".
    The simulator's default answer comes 4 h after the question, longer than the bench
    policy's whole window, which made every bench oversold case a breach. A silent
    platform (the breach, treated as "cannot ship") is tests/test_oversold.py's; the
    bench's people and systems answer in time, and its week must count no breach."""
    share, ships = OVERSOLD_PLAN[n % 10]
    return Scenario(platform_answer_after=share_of(policy.windows.oversold_check, share), can_ship=ships)


RETURNS = ActorRef(actor_id="bench.returns", role=Role.RETURN_SPECIALIST)


def part_of_a_line(order: Order) -> tuple[LineQuantity, ...]:
    line = next(line for line in order.lines if line.quantity > 1)
    return (LineQuantity(sku=line.sku, quantity=1),)


# Per n % 20: (reason, goods come back?, review passes, second check passes). Partial
# quantities sit on slots with n % 4 != 0, where bench_order has a line of several units.
MANUAL_PLAN: list[tuple[ManualRefundReason, bool, bool, bool]] = [
    *[(ManualRefundReason.SHIPPING_FEE, False, True, True)] * 5,
    (ManualRefundReason.PARTIAL_QUANTITY, False, True, True),
    (ManualRefundReason.PARTIAL_QUANTITY, False, True, True),
    (ManualRefundReason.PARTIAL_QUANTITY, True, True, True),
    (ManualRefundReason.COMPLETED_TRADE, False, True, True),
    (ManualRefundReason.PARTIAL_QUANTITY, False, True, True),
    (ManualRefundReason.PARTIAL_QUANTITY, True, True, True),
    (ManualRefundReason.COMPLETED_TRADE, True, True, True),
    (ManualRefundReason.COMPLETED_TRADE, True, True, True),
    (ManualRefundReason.COMPLETED_TRADE, False, True, True),
    (ManualRefundReason.INVOICE_POSTAGE, False, True, True),
    (ManualRefundReason.INVOICE_POSTAGE, False, True, True),
    (ManualRefundReason.COMPENSATION_PAYOUT, False, True, True),
    (ManualRefundReason.COMPENSATION_PAYOUT, False, True, True),
    (ManualRefundReason.SHIPPING_FEE, False, False, True),  # review refuses: the fee was already refunded
    (ManualRefundReason.PARTIAL_QUANTITY, False, True, False),  # second check refuses: amount does not match
]
assert all(n % 4 for n, row in enumerate(MANUAL_PLAN) if row[0] == ManualRefundReason.PARTIAL_QUANTITY)


class ManualRefundDriver:
    """30% shipping fees, 30% part of a line, 20% completed trades (the goods come back
    for 4 in 10 goods refunds), 10% invoice postage, 10% compensation payouts; 1 in 20
    refused at review, 1 in 20 at the second check."""

    kind = CaseKind.MANUAL_REFUND

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        reason, pickup, review_ok, second_ok = MANUAL_PLAN[n % 20]
        order = bench_order(n, trade_completed=reason == ManualRefundReason.COMPLETED_TRADE)
        header = bench_header(self.kind, n, order)
        lines: tuple[LineQuantity, ...] = ()
        if reason == ManualRefundReason.PARTIAL_QUANTITY:
            lines = part_of_a_line(order)
        elif reason == ManualRefundReason.COMPLETED_TRADE:
            lines = (LineQuantity(sku="RICE-5KG", quantity=1),)
        amount = {
            ManualRefundReason.SHIPPING_FEE: 1000,
            ManualRefundReason.INVOICE_POSTAGE: 500,
            ManualRefundReason.COMPENSATION_PAYOUT: order.paid_fen // 10,
        }.get(reason) or lines_value_fen(order, lines)
        inp = ManualRefundInput(
            case=header,
            policy=policy,
            reason_kind=reason,
            amount_fen=amount,
            lines=lines,
            payee=bench_payee(n),
            note="bench",
        )

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            await manual_refund_people(
                BenchDesk(inbox, client),
                header.case_id,
                assessor=RETURNS if needs_assessment(inp) else None,
                pickup=pickup,
                review_ok=review_ok,
                second_ok=second_ok,
                review_note="already refunded on the platform",
                second_note="amount does not match the order",
            )

        return case_for(self.kind, inp, answer, answered)


DRIVERS = [HeldOrderDriver(), ManualRefundDriver()]

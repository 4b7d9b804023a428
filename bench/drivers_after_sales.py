"""Drivers for the after-sales processes of §4.2–§4.8: invoices, price disputes,
abnormal sign-offs, parcels shipped but not signed, missing, damaged and wrong items.

Each plan is a table of 20 rows picked by n % 20. Where a row needs the outside world
to behave a certain way (a lost parcel, a split shipment) it carries a Scenario; the
people never rely on it, they answer whatever the case goes on to ask."""

from __future__ import annotations

from datetime import datetime, timezone

from temporalio.client import Client, WorkflowHandle

from adapters.simulators.scenario import Scenario
from bench.inbox import Inbox
from bench.people import (
    BenchDesk,
    Case,
    bench_header,
    bench_order,
    bench_payee,
    case_for,
    customer,
)
from domain.abnormal_sign_off import AbnormalSignOffInput, SignerAnswer
from domain.actors import ActorRef, Role
from domain.damaged_goods import DamageCondition, DamagedGoodsInput, DamagedLine
from domain.findings import DeliveryState
from domain.invoice import InvoiceContent, InvoiceInput, InvoiceProblem, VatDetails
from domain.missing_item import MissingItemInput, Remedy
from domain.models import CaseKind, EvidenceRef, LineQuantity
from domain.policy import Policy
from domain.price_dispute import PriceDisputeInput, PriceFinding, classify
from domain.shipped_not_signed import ShippedNotSignedInput
from domain.timeline import Entry
from domain.windows import Window
from domain.wrong_item import Complaint, WrongItemInput
from people.after_sales import (
    damaged_goods_people,
    invoice_people,
    missing_item_customer,
    not_signed_customer,
    price_approvers,
    wrong_item_people,
)
from people.refunds import refund_people
from workflows.abnormal_sign_off import AbnormalSignOff

RICE, MILK, EGGS = "RICE-5KG", "MILK-1L", "EGGS-12"


def one(sku: str, quantity: int = 1) -> tuple[LineQuantity, ...]:
    return (LineQuantity(sku=sku, quantity=quantity),)


# -- invoices (§4.2) -------------------------------------------------------------------

INVOICES = ActorRef(actor_id="bench.invoices", role=Role.INVOICE_SPECIALIST)
VAT = VatDetails(
    taxpayer_certificate=EvidenceRef(kind="document", uri="mail://bench/taxpayer-certificate.pdf"),
    company_name="Bench Trading Co., Ltd.",
    tax_number="91310115MA1K3Y2B7C",
    bank="Bank of Shanghai",
    bank_account="31690300001234567",
    company_address="88 Bench Road, Pudong, Shanghai",
)
INVOICE_PLAN = (
    [InvoiceProblem.NOT_TICKED] * 7
    + [InvoiceProblem.MISSING] * 5
    + [InvoiceProblem.WRONG] * 5
    + [InvoiceProblem.VAT] * 3
)


class InvoiceDriver:
    """35% not ticked, 25% missing from the parcel, 25% wrong (the invoice specialist logs
    it back from the post), 15% VAT. Every customer confirms the new invoice: the case
    counts silence past the delivery window as a breach."""

    kind = CaseKind.INVOICE

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        problem = INVOICE_PLAN[n % 20]
        header = bench_header(self.kind, n)
        vat = problem == InvoiceProblem.VAT
        inp = InvoiceInput(
            case=header,
            policy=policy,
            problem=problem,
            title=VAT.company_name if vat else "Bench Customer",
            content=(InvoiceContent.FOOD, InvoiceContent.DAILY_GOODS)[n % 2],
            amount_fen=header.order.paid_fen,
            vat=VAT if vat else None,
            wrong_invoice_no=f"INV-B{n:06d}" if problem == InvoiceProblem.WRONG else None,
        )
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            returned_by = INVOICES if problem == InvoiceProblem.WRONG else None
            await invoice_people(BenchDesk(inbox, client), header.case_id, who, returned_by=returned_by)

        return case_for(self.kind, inp, answer, answered)


# -- price disputes (§4.7) -------------------------------------------------------------

# Per n % 20: what the customer disputes and, for a system error, whether the platform agrees.
PRICE_PLAN = ["limit"] * 5 + ["once"] * 3 + ["agreed"] * 9 + ["declined"] * 2 + ["unpaid"]


class PriceDisputeDriver:
    """25% over the purchase limit and 15% a once-per-account promo (explained, nobody
    asked); 45% a system error the platform agrees to (difference refunded), 10% one it
    declines, 5% on an unpaid order (a second-line coupon)."""

    kind = CaseKind.PRICE_DISPUTE

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        row = PRICE_PLAN[n % 20]
        header = bench_header(self.kind, n, bench_order(n, paid=row != "unpaid"))
        many = max(header.order.lines, key=lambda line: line.quantity)
        if row == "limit" and many.quantity > 1:
            fields = dict(sku=many.sku, promo_unit_price_fen=many.unit_price_fen - 300, promo_limit=many.quantity - 1)
        else:
            fields = dict(sku=RICE, promo_unit_price_fen=5990, bought_promo_before=row in ("limit", "once"))
        inp = PriceDisputeInput(case=header, policy=policy, **fields)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            if classify(inp) != PriceFinding.SYSTEM_ERROR:
                return
            await price_approvers(
                BenchDesk(inbox, client),
                header.case_id,
                agreed=row != "declined",
                unpaid=row == "unpaid",
                note="the promo had ended before the order was paid",
            )

        return case_for(self.kind, inp, answer, answered)


# -- abnormal sign-off (§4.8) ----------------------------------------------------------

# Per n % 20: (the courier's proof: signer name, slip photo; the customer knows the
# signer; the trade is completed; payee details given up front).
SIGN_OFF_PLAN: list[tuple[str | None, bool, bool, bool, bool]] = [
    ("Wang", False, True, False, False),
    ("Wang", True, True, False, False),
    ("Li", False, True, False, False),
    ("Li", True, True, False, False),
    ("Zhao", False, True, False, False),
    ("Zhao", False, True, True, False),
    ("Chen", False, False, False, False),
    ("Chen", True, False, False, False),
    ("Sun", False, False, True, True),
    ("Sun", False, False, True, False),
    *[(None, False, False, False, False)] * 6,
    (None, False, False, True, True),
    (None, False, False, True, True),
    (None, False, False, True, False),
    (None, True, False, False, False),
]


class AbnormalSignOffDriver:
    """The courier shows a signer's name or slip for 55%: 6 in 11 of those customers know
    the signer (closed), the rest are refunded; without proof, refunded at once. A
    completed trade (30%) is refunded by a manual refund, its payee given up front or
    when asked."""

    kind = CaseKind.ABNORMAL_SIGN_OFF

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        signer, slip, knows, completed, payee_given = SIGN_OFF_PLAN[n % 20]
        header = bench_header(self.kind, n, bench_order(n, trade_completed=completed))
        payee = bench_payee(n)
        inp = AbnormalSignOffInput(case=header, policy=policy, payee=payee if payee_given else None)
        scenario = Scenario(signer_name=signer, signer_slip_photo=slip) if signer or slip else None
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            asked, _ = await inbox.wait_any(header.case_id, Entry.CUSTOMER_ASKED, Entry.REFUND_DECIDED)
            if asked == Entry.CUSTOMER_ASKED:
                await handle.execute_update(AbnormalSignOff.confirm_signer, SignerAnswer(by=who, knows_signer=knows))
                if knows:
                    return
            await refund_people(BenchDesk(inbox, client), header.case_id, who, payee)

        return case_for(self.kind, inp, answer, answered, scenario)


# -- shipped, not signed (§4.6) --------------------------------------------------------

# Shipped the afternoon the bench's orders were paid: past the 96 h signature target by
# the time any case opens, so the courier's status decides at once.
SHIPPED_AT = datetime(2026, 11, 20, 14, 0, tzinfo=timezone.utc)
LOST, DAMAGED, NOBODY_HOME = DeliveryState.LOST, DeliveryState.DAMAGED, DeliveryState.NOBODY_HOME
# Per n % 20: (what the courier reports; the customer's answer to the refund offer:
# "refund", "refund+coupon", "reship" (second line agrees), "insist" (second line says
# no: refunded), None = silent).
NOT_SIGNED_PLAN: list[tuple[DeliveryState | str, str | None]] = [
    (LOST, "refund"),
    (LOST, "refund"),
    (LOST, "refund"),
    (LOST, "refund"),
    (LOST, "refund+coupon"),
    (LOST, "reship"),
    (LOST, "reship"),
    (LOST, "insist"),
    (LOST, None),
    (DAMAGED, "refund"),
    (DAMAGED, "refund"),
    (DAMAGED, "refund+coupon"),
    (DAMAGED, "reship"),
    (DAMAGED, "insist"),
    (NOBODY_HOME, None),
    (NOBODY_HOME, None),
    ("signed", None),
    ("signed", None),
    (LOST, "refund"),
    (DAMAGED, "reship"),
]


class ShippedNotSignedDriver:
    """The courier reports 50% lost, 30% damaged, 10% nobody home (second delivery), 10%
    signed after all. Offered a refund (16 in 20): 9 take it (2 of them asking for the
    delay coupon), 6 want the goods (second line agrees to 4: reshipped), 1 is silent.

    Without the scenarios (drivers.simulator_config) every parcel is still in transit:
    the case records the 96 h target as breached, treats it as lost and offers a refund."""

    kind = CaseKind.SHIPPED_NOT_SIGNED

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        status, reply = NOT_SIGNED_PLAN[n % 20]
        header = bench_header(self.kind, n, bench_order(n, shipped_at=SHIPPED_AT))
        inp = ShippedNotSignedInput(case=header, policy=policy, payee=bench_payee(n))
        scenario = (
            Scenario(signed_after=Window.model_validate("20h"))
            if status == "signed"
            else Scenario(delivery=DeliveryState(status))
        )
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            await not_signed_customer(
                BenchDesk(inbox, client),
                header.case_id,
                who,
                reply,
                declined_note="the goods are out of stock: refund instead",
            )

        return case_for(self.kind, inp, answer, answered, scenario)


# -- missing items (§4.3) --------------------------------------------------------------

# Per n % 20: (the line reported missing; what the warehouse finds: split, short, or
# neither; the customer's choice and whether they ask for the 10 yuan coupon, None = silent).
MISSING_PLAN: list[tuple[str, str, tuple[Remedy, bool] | None]] = [
    (EGGS, "neither", (Remedy.REFUND, False)),
    (MILK, "neither", (Remedy.REFUND, False)),
    (RICE, "neither", (Remedy.REFUND, False)),
    (EGGS, "neither", (Remedy.REFUND, True)),
    (MILK, "neither", (Remedy.RESHIP, False)),
    (RICE, "neither", (Remedy.RESHIP, True)),
    (EGGS, "neither", (Remedy.RESHIP, False)),
    (MILK, "neither", (Remedy.REFUND, True)),
    (RICE, "neither", None),
    (EGGS, "neither", (Remedy.REFUND, False)),
    (MILK, "short", (Remedy.REFUND, False)),
    (RICE, "short", (Remedy.RESHIP, False)),
    (EGGS, "short", (Remedy.REFUND, True)),
    (MILK, "short", (Remedy.RESHIP, False)),
    (RICE, "short", None),
    (EGGS, "split", None),
    (MILK, "split", None),
    (RICE, "split", None),
    (MILK, "neither", (Remedy.REFUND, False)),
    (EGGS, "neither", (Remedy.RESHIP, True)),
]


class MissingItemDriver:
    """The warehouse finds 15% split shipments (courier chased, nobody asked), 25% short
    shipped, 60% neither (the customer is believed). Offered a remedy (17 in 20): 9
    refund, 6 reship, 5 of those ask for the coupon, 2 are silent (refunded). Part of a
    line is a manual refund; a quarter give no payee up front and are asked for it."""

    kind = CaseKind.MISSING_ITEM

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        sku, found, choice = MISSING_PLAN[n % 20]
        header = bench_header(self.kind, n)
        missing = one(sku, header.order.line(sku).quantity if n % 5 == 0 else 1)
        payee = bench_payee(n)
        inp = MissingItemInput(case=header, policy=policy, missing=missing, payee=None if n % 4 == 3 else payee)
        scenario = {"split": Scenario(split_shipment=True), "short": Scenario(short_lines=missing)}.get(found)
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            await missing_item_customer(BenchDesk(inbox, client), header.case_id, who, payee, choice)

        return case_for(self.kind, inp, answer, answered, scenario)


# -- damaged goods (§4.4) --------------------------------------------------------------

C = DamageCondition
# Per n % 20: (damaged line, how many (0: the whole line), condition, trade completed,
# asks for compensation, sends photos).
DAMAGED_PLAN: list[tuple[str, int, DamageCondition, bool, bool, bool]] = [
    (RICE, 1, C.BROKEN_FOOD_PACKAGE, False, False, True),
    (MILK, 1, C.LEAKED_LIQUID, False, False, True),
    (EGGS, 1, C.BROKEN_FOOD_PACKAGE, False, False, True),
    (MILK, 0, C.LEAKED_LIQUID, False, True, True),
    (RICE, 1, C.PHYSICAL_DAMAGE, False, False, True),
    (EGGS, 0, C.SPOILED_FOOD, False, False, True),
    (MILK, 1, C.OPENED_FOOD_QUALITY, False, False, True),
    (RICE, 1, C.BROKEN_FOOD_PACKAGE, False, True, True),
    (EGGS, 1, C.ROTTEN_FRUIT, False, False, True),
    (MILK, 0, C.PHYSICAL_DAMAGE, False, False, True),
    (RICE, 1, C.PHYSICAL_DAMAGE, True, False, True),
    (MILK, 1, C.LEAKED_LIQUID, True, False, True),
    (EGGS, 1, C.BROKEN_GLASS, False, True, True),
    (RICE, 1, C.SPOILED_FOOD, False, False, True),
    (MILK, 1, C.LEAKED_LIQUID, False, False, True),
    (EGGS, 0, C.PHYSICAL_DAMAGE, True, False, True),
    (RICE, 1, C.BROKEN_FOOD_PACKAGE, False, False, True),
    (MILK, 0, C.SPOILED_FOOD, False, True, True),
    (EGGS, 1, C.BROKEN_FOOD_PACKAGE, False, False, True),
    (RICE, 1, C.BROKEN_FOOD_PACKAGE, False, False, False),
]


class DamagedGoodsDriver:
    """80% scrapped on site (refunded on the photos), 20% picked up first; part of a line
    or a completed trade (15%) is a manual refund; 20% ask for the second-line coupon;
    1 in 20 never sends photos (closed at the evidence window)."""

    kind = CaseKind.DAMAGED_GOODS

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        sku, quantity, condition, completed, coupon, photos = DAMAGED_PLAN[n % 20]
        header = bench_header(self.kind, n, bench_order(n, trade_completed=completed))
        payee = bench_payee(n)
        line = DamagedLine(sku=sku, quantity=quantity or header.order.line(sku).quantity, condition=condition)
        inp = DamagedGoodsInput(
            case=header, policy=policy, damaged=(line,), payee=payee if n % 3 else None, wants_compensation=coupon
        )
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            photo = f"mail://bench/{header.case_id}/damage.jpg" if photos else None
            await damaged_goods_people(BenchDesk(inbox, client), header.case_id, who, payee, photo=photo, coupon=coupon)

        return case_for(self.kind, inp, answer, answered)


# -- wrong items (§4.5) ----------------------------------------------------------------

# Per n % 20: (the line that came wrong, the complaint, the warehouse's barcode reading:
# "other" = not what was received (warehouse error), "same" = what was received (the
# listing is wrong), "gift" = the product does have a gift; sends the photo).
WRONG_PLAN: list[tuple[str, Complaint, str, bool]] = [
    (MILK, Complaint.WRONG_GOODS, "other", True),
    (MILK, Complaint.WRONG_GOODS, "other", True),
    (MILK, Complaint.WRONG_GOODS, "other", True),
    (MILK, Complaint.WRONG_GOODS, "same", True),
    (MILK, Complaint.WRONG_GOODS, "other", True),
    (RICE, Complaint.WRONG_GOODS, "other", True),
    (RICE, Complaint.WRONG_GOODS, "other", True),
    (RICE, Complaint.WRONG_GOODS, "same", True),
    (RICE, Complaint.WRONG_GOODS, "other", True),
    (EGGS, Complaint.WRONG_GOODS, "other", True),
    (EGGS, Complaint.WRONG_GOODS, "same", True),
    (EGGS, Complaint.WRONG_GOODS, "other", True),
    (EGGS, Complaint.WRONG_GOODS, "other", True),
    (MILK, Complaint.WRONG_GOODS, "same", True),
    (RICE, Complaint.MISSING_GIFT, "gift", True),
    (RICE, Complaint.MISSING_GIFT, "gift", True),
    (RICE, Complaint.MISSING_GIFT, "same", True),
    (EGGS, Complaint.MISSING_GIFT, "gift", True),
    (RICE, Complaint.WRONG_GOODS, "other", True),
    (MILK, Complaint.WRONG_GOODS, "other", False),
]


class WrongItemDriver:
    """80% wrong goods (a quarter of them the listing's fault), 20% a missing gift (3 in 4
    a gift the product has: handled as a missing item, reshipped). Above 20 yuan the
    item is picked up and second line grants the coupon; part of a line is a manual
    refund. 1 in 20 never sends the barcode photo."""

    kind = CaseKind.WRONG_ITEM

    def case(self, n: int, policy: Policy, *, answered: bool = True) -> Case:
        sku, complaint, reading, photo = WRONG_PLAN[n % 20]
        gift = complaint == Complaint.MISSING_GIFT
        header = bench_header(self.kind, n, bench_order(n, gift=gift))
        payee = bench_payee(n)
        inp = WrongItemInput(
            case=header,
            policy=policy,
            sku=sku,
            complaint=complaint,
            gift_sku="GIFT-TOTE" if gift else None,
            payee=payee if n % 2 else None,
        )
        scenario = {"same": Scenario(barcode_matches_received=True), "gift": Scenario(barcode_has_gift=True)}.get(
            reading
        )
        who = customer(header)

        async def answer(handle: WorkflowHandle, inbox: Inbox, client: Client) -> None:
            uri = f"mail://bench/{header.case_id}/barcode.jpg" if photo else None
            await wrong_item_people(
                BenchDesk(inbox, client), header.case_id, who, payee, photo=uri, barcode=f"69{n:011d}"
            )

        return case_for(self.kind, inp, answer, answered, scenario)


DRIVERS = [
    InvoiceDriver(),
    PriceDisputeDriver(),
    AbnormalSignOffDriver(),
    ShippedNotSignedDriver(),
    MissingItemDriver(),
    DamagedGoodsDriver(),
    WrongItemDriver(),
]

"""Invoice requests (rulebook §4.2, S3): re-issue when not ticked or missing, exchange a
wrong one once it is mailed back (5 yuan postage refunded), VAT invoices on the
company's documents. Contracts and the pure decisions the Invoice workflow follows."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from domain.actors import Role
from domain.manual_refund import Payee
from domain.models import CaseInput, CaseKind, Contract, EvidenceRef
from domain.money import Fen, yuan
from domain.problems import Code, Problem
from domain.replies import Reply

POSTAGE_REFUND_FEN = yuan(5)  # S4 §2: the customer advances the postage of a wrong invoice


class InvoiceProblem(StrEnum):
    NOT_TICKED = "not_ticked"  # not ticked at order time: re-issue, merchant pays postage
    MISSING = "missing"  # ticked but not in the parcel: re-issue, warehouse pays postage
    WRONG = "wrong"  # wrong invoice: mailed back first, then a new one
    VAT = "vat"  # VAT invoice on the company's documents


class InvoiceContent(StrEnum):
    """The only contents the shop may invoice (S4 §2)."""

    OFFICE_SUPPLIES = "office supplies"
    FOOD = "food"
    DAILY_GOODS = "daily goods"
    CLOTHING = "clothing"
    ALCOHOL = "alcohol"
    COSMETICS = "cosmetics"
    BEVERAGES = "beverages"
    HOME_GOODS = "home goods"


class InvoiceState(StrEnum):
    AWAITING_RETURN = "awaiting_return"  # the wrong invoice is in the post back to us
    ISSUING = "issuing"
    AWAITING_DELIVERY = "awaiting_delivery"  # posted; the customer confirms it arrived
    CLOSED = "closed"


class InvoiceOutcome(StrEnum):
    DELIVERED = "delivered"
    DELIVERY_UNCONFIRMED = "delivery_unconfirmed"  # window passed without the customer's word
    WRONG_INVOICE_NOT_RETURNED = "wrong_invoice_not_returned"


class VatDetails(Contract):
    """Everything a VAT invoice needs (S4 §2); all required."""

    taxpayer_certificate: EvidenceRef
    company_name: str = Field(min_length=2, max_length=100)
    tax_number: str = Field(
        pattern=r"^[0-9A-Z]{15}$|^[0-9A-Z]{18}$|^[0-9A-Z]{20}$",
        description="unified social credit code (18) or the older 15/20-character number",
    )
    bank: str = Field(min_length=2, max_length=100)
    bank_account: str = Field(pattern=r"^\d{8,30}$")
    company_address: str = Field(min_length=5, max_length=200)

    @model_validator(mode="after")
    def _certificate_is_a_document(self) -> VatDetails:
        if self.taxpayer_certificate.kind != "document":
            raise ValueError("the general taxpayer certificate must be sent as a document")
        return self


class InvoiceInput(CaseInput):
    problem: InvoiceProblem
    title: str = Field(min_length=1, max_length=100, description="抬头: the buyer named on the invoice")
    content: InvoiceContent
    amount_fen: Fen
    vat: VatDetails | None = None
    wrong_invoice_no: str | None = Field(default=None, min_length=1, max_length=40)
    payee: Payee | None = Field(
        default=None, description="for the 5-yuan postage refund of a wrong invoice; asked for if absent"
    )

    @model_validator(mode="after")
    def _rules(self) -> InvoiceInput:
        problem = invoice_problem(self)
        if problem:
            raise ValueError(problem.message)
        return self


def invoice_problem(inp: InvoiceInput) -> Problem | None:
    if inp.case.kind != CaseKind.INVOICE:
        return Problem(Code.WRONG_KIND, f"an invoice case cannot be opened as {inp.case.kind.value}")
    if inp.amount_fen != inp.case.order.paid_fen:
        return Problem(
            Code.AMOUNT_MISMATCH,
            f"the invoice amount must equal the paid amount ({inp.case.order.paid_fen} fen), not {inp.amount_fen} fen",
        )
    if inp.problem == InvoiceProblem.VAT and inp.vat is None:
        return Problem(
            Code.MISSING_FIELD,
            "a VAT invoice needs the taxpayer certificate, company name, tax number, bank and address",
        )
    if inp.problem != InvoiceProblem.VAT and inp.vat is not None:
        return Problem(Code.FIELD_NOT_ALLOWED, "company documents belong to a VAT invoice request only")
    if inp.problem == InvoiceProblem.WRONG and not inp.wrong_invoice_no:
        return Problem(Code.MISSING_FIELD, "a wrong invoice is named by its number")
    if inp.problem != InvoiceProblem.WRONG and inp.payee is not None:
        return Problem(Code.FIELD_NOT_ALLOWED, "payment details belong to a wrong invoice's postage refund only")
    return None


PostagePayer = Literal["merchant", "warehouse", "customer"]


def postage_paid_by(problem: InvoiceProblem) -> PostagePayer:
    payers: dict[InvoiceProblem, PostagePayer] = {
        InvoiceProblem.NOT_TICKED: "merchant",
        InvoiceProblem.MISSING: "warehouse",
        InvoiceProblem.WRONG: "customer",  # advanced, then refunded
        InvoiceProblem.VAT: "merchant",
    }
    return payers[problem]


def delivery_window(problem: InvoiceProblem) -> str:
    """The policy window within which the customer should have the invoice."""
    return {
        InvoiceProblem.NOT_TICKED: "missing_invoice",
        InvoiceProblem.MISSING: "missing_invoice",
        InvoiceProblem.WRONG: "wrong_invoice",
        InvoiceProblem.VAT: "vat_invoice",
    }[problem]


class InvoiceArrival(Reply):
    """The invoice specialist: the wrong invoice has come back in the post."""

    note: str = Field(default="", max_length=500)


class InvoiceDelivered(Reply):
    """The customer: the new invoice has arrived."""


def arrival_problem(arrival: InvoiceArrival, state: str) -> Problem | None:
    if arrival.by.role != Role.INVOICE_SPECIALIST:
        return Problem(
            Code.WRONG_ROLE,
            f"{arrival.by.actor_id} is {arrival.by.role.value}; the invoice specialist logs returned invoices",
        )
    if state != InvoiceState.AWAITING_RETURN:
        return Problem(Code.WRONG_STATE, f"the case is {state}, not awaiting the wrong invoice")
    return None

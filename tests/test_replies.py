"""The checks every customer answer and evidence upload passes (pure, no Temporal),
and the child ids and refund routes the case processes derive."""

from __future__ import annotations

from domain.actors import ActorRef, Role
from domain.child_cases import PayeeDetails, RefundRoute, child_case_id, payee_problem, refund_route
from domain.manual_refund import Payee
from domain.models import CaseKind, EvidenceRef, LineQuantity
from domain.replies import EvidenceUpload, customer_problem, evidence_problem, role_problem
from tests.factories import CUSTOMER, FIRST_LINE, OTHER_CUSTOMER, header, order

CASE = header(CaseKind.DAMAGED_GOODS, order())
PHOTO = EvidenceRef(kind="photo", uri="mail://1.jpg")


def test_only_the_orders_customer_answers():
    assert customer_problem(CUSTOMER, CASE) is None
    assert "not the customer" in customer_problem(OTHER_CUSTOMER, CASE).message
    assert "only the customer" in customer_problem(FIRST_LINE, CASE).message
    assert "only the customer" in customer_problem(ActorRef(actor_id="cust-1", role=Role.FIRST_LINE), CASE).message


def test_evidence_kinds_and_barcode_digits():
    assert evidence_problem(EvidenceUpload(by=CUSTOMER, items=(PHOTO,)), CASE, ("photo",)) is None
    assert (
        "not accepted"
        in evidence_problem(EvidenceUpload(by=CUSTOMER, items=(PHOTO,)), CASE, ("barcode_photo",)).message
    )
    bc = EvidenceUpload(by=CUSTOMER, items=(EvidenceRef(kind="barcode_photo", uri="x://b"),))
    assert "barcode digits" in evidence_problem(bc, CASE, ("barcode_photo",), barcode=True).message
    assert (
        evidence_problem(bc.model_copy(update={"barcode": "6901234567892"}), CASE, ("barcode_photo",), barcode=True)
        is None
    )
    assert (
        "not the customer"
        in evidence_problem(EvidenceUpload(by=OTHER_CUSTOMER, items=(PHOTO,)), CASE, ("photo",)).message
    )


def test_role_problem():
    assert role_problem(FIRST_LINE, Role.FIRST_LINE, Role.SECOND_LINE) is None
    assert "needs second_line" in role_problem(FIRST_LINE, Role.SECOND_LINE).message


def test_payee_only_when_asked_and_only_from_the_customer():
    payee = Payee(payment_account="alipay:1", account_id="tb1", real_name="张三")
    assert payee_problem(PayeeDetails(by=CUSTOMER, payee=payee), CASE, asked=True) is None
    assert "no payment details" in payee_problem(PayeeDetails(by=CUSTOMER, payee=payee), CASE, asked=False).message
    assert "not the customer" in payee_problem(PayeeDetails(by=OTHER_CUSTOMER, payee=payee), CASE, asked=True).message


def test_child_ids_and_refund_routes():
    assert child_case_id("DG-1", "refund") == "DG-1-refund"
    o = order()
    assert refund_route(o, ()) == RefundRoute.RETURN_REFUND
    assert refund_route(o, (LineQuantity(sku="MILK-1L", quantity=4),)) == RefundRoute.RETURN_REFUND
    assert refund_route(o, (LineQuantity(sku="MILK-1L", quantity=3),)) == RefundRoute.MANUAL_REFUND
    assert refund_route(order(trade_completed=True), ()) == RefundRoute.MANUAL_REFUND

"""The case-kind catalogue: for each kind, its workflow type, rulebook section, title,
input contract and the answers (Updates and Signals) a person can give it, with their
help texts. What the API, the CLI, the console and the bench offer per kind; no workflow
reads it. A new case kind adds one entry (see docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from domain.abnormal_sign_off import AbnormalSignOffInput, SignerAnswer
from domain.agent_complaints import AgentComplaintInput, AgentContact, Appeal
from domain.approvals import ApprovalDecision
from domain.child_cases import PayeeDetails
from domain.complaints import ComplaintInput, CustomerReply, FollowUp
from domain.damaged_goods import DamagedGoodsInput
from domain.handlers import SignalName, UpdateName
from domain.held_order import HeldOrderAnswer, HeldOrderInput
from domain.invoice import InvoiceArrival, InvoiceDelivered, InvoiceInput
from domain.manual_refund import Assessment, ManualRefundInput
from domain.missing_item import MissingItemInput, RemedyChoice
from domain.models import CaseKind
from domain.oversold import OversoldInput
from domain.price_dispute import PriceDisputeInput
from domain.refusal import GoodsAnswer, RefusalInput
from domain.replies import EvidenceUpload
from domain.reship import ReshipInput
from domain.returns import ReturnRefundInput, ReviewDecision
from domain.shipment_tracking import ShipmentTrackingInput
from domain.shipped_not_signed import CourierReport, DeliveryAppointment, OfferAnswer, ShippedNotSignedInput
from domain.wrong_item import WrongItemInput


@dataclass(frozen=True)
class Answer:
    """Something a person tells a running case: an Update (validated, answered) or a Signal."""

    handler: UpdateName | SignalName  # the name the workflow registered it under
    model: type[BaseModel] | None
    update: bool = True
    help: str = ""


@dataclass(frozen=True)
class KindSpec:
    kind: CaseKind
    workflow: str
    section: str
    input_model: type[BaseModel]
    title: str
    answers: dict[str, Answer] = field(default_factory=dict)
    id_prefix: str = "C"


COMMON_ANSWERS = {
    "decide": Answer(UpdateName.DECIDE, ApprovalDecision, help="an approver's decision on a pending approval"),
}

PAYEE_ANSWER = {
    "payee": Answer(UpdateName.PROVIDE_PAYEE, PayeeDetails, help="customer: payment account, account id, real name")
}

KINDS: dict[CaseKind, KindSpec] = {}


def register(spec: KindSpec) -> KindSpec:
    KINDS[spec.kind] = spec
    return spec


register(
    KindSpec(
        kind=CaseKind.RETURN_REFUND,
        workflow="ReturnRefund",
        section="§4.10",
        input_model=ReturnRefundInput,
        title="Normal return / refund by day 5",
        id_prefix="RR",
        answers={
            "review": Answer(
                UpdateName.REVIEW, ReviewDecision, help="return specialist: approve (with/without pickup) or reject"
            ),
            "goods_received": Answer(
                SignalName.GOODS_REPORTED_RECEIVED, None, update=False, help="warehouse webhook: check receipt now"
            ),
            **COMMON_ANSWERS,
        },
    )
)


# -- processes-b: invoice, missing item, damaged goods, wrong item, not signed, price, abnormal sign-off --
register(
    KindSpec(
        kind=CaseKind.INVOICE,
        workflow="Invoice",
        section="§4.2",
        input_model=InvoiceInput,
        title="Invoice: re-issue (not ticked / missing), exchange a wrong one, VAT invoice",
        id_prefix="IV",
        answers={
            "invoice_returned": Answer(
                UpdateName.WRONG_INVOICE_RETURNED,
                InvoiceArrival,
                help="invoice specialist: the wrong invoice came back in the post",
            ),
            "invoice_delivered": Answer(
                UpdateName.INVOICE_DELIVERED, InvoiceDelivered, help="customer: the new invoice arrived"
            ),
            **PAYEE_ANSWER,
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.PRICE_DISPUTE,
        workflow="PriceDispute",
        section="§4.7",
        input_model=PriceDisputeInput,
        title="Price dispute: explain a purchase limit, or escalate a system error to the platform",
        id_prefix="PD",
        answers={**COMMON_ANSWERS},
    )
)
register(
    KindSpec(
        kind=CaseKind.ABNORMAL_SIGN_OFF,
        workflow="AbnormalSignOff",
        section="§4.8",
        input_model=AbnormalSignOffInput,
        title="Abnormal sign-off: courier's signer proof, customer knows the signer or is refunded",
        id_prefix="AS",
        answers={
            "signer": Answer(UpdateName.CONFIRM_SIGNER, SignerAnswer, help="customer: do you know the signer?"),
            **PAYEE_ANSWER,
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.SHIPPED_NOT_SIGNED,
        workflow="ShippedNotSigned",
        section="§4.6",
        input_model=ShippedNotSignedInput,
        title="Shipped, not signed within 96 h: chase, second delivery, or refund / reship",
        id_prefix="NS",
        answers={
            "delivery_time": Answer(
                UpdateName.AGREE_DELIVERY_TIME,
                DeliveryAppointment,
                help="customer: the agreed time for the second delivery",
            ),
            "offer": Answer(
                UpdateName.ANSWER_OFFER, OfferAnswer, help="customer: accept the refund, or insist on the goods"
            ),
            "delivery_reported": Answer(
                UpdateName.DELIVERY_REPORTED, CourierReport, help="courier webhook: status changed"
            ),
            **PAYEE_ANSWER,
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.MISSING_ITEM,
        workflow="MissingItem",
        section="§4.3",
        input_model=MissingItemInput,
        title="Missing item: split → chase; short or unexplained → reship or refund, 10 yuan coupon on request",
        id_prefix="MI",
        answers={
            "remedy": Answer(
                UpdateName.CHOOSE_REMEDY, RemedyChoice, help="customer: reship or refund, and whether to be compensated"
            ),
            **PAYEE_ANSWER,
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.DAMAGED_GOODS,
        workflow="DamagedGoods",
        section="§4.4",
        input_model=DamagedGoodsInput,
        title="Damaged goods: photos, pickup unless scrapped on site, refund by line and quantity",
        id_prefix="DG",
        answers={
            "evidence": Answer(UpdateName.SUBMIT_EVIDENCE, EvidenceUpload, help="customer: photos of the damage"),
            **PAYEE_ANSWER,
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.WRONG_ITEM,
        workflow="WrongItem",
        section="§4.5",
        input_model=WrongItemInput,
        title="Wrong item: barcode check, warehouse vs listing error, refund (pickup and coupon above 20 yuan)",
        id_prefix="WI",
        answers={
            "evidence": Answer(
                UpdateName.SUBMIT_EVIDENCE, EvidenceUpload, help="customer: barcode photo with the barcode digits"
            ),
            **PAYEE_ANSWER,
            **COMMON_ANSWERS,
        },
    )
)


# -- complaints: customer complaints (§4.12) and complaints against agents (§5) --
register(
    KindSpec(
        kind=CaseKind.COMPLAINT,
        workflow="Complaint",
        section="§4.12",
        input_model=ComplaintInput,
        title="Customer complaint: first line, second line, platform; follow-up",
        id_prefix="CP",
        answers={
            "reply": Answer(
                UpdateName.REPLY_TO_ANSWER,
                CustomerReply,
                help="customer: accept the answer, or reject it (submits again)",
            ),
            "follow_up": Answer(
                UpdateName.FOLLOW_UP, FollowUp, help="first/second line: the return visit and satisfaction score 1-5"
            ),
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.AGENT_COMPLAINT,
        workflow="AgentComplaint",
        section="§5",
        input_model=AgentComplaintInput,
        title="Complaint against an agent: notice, 48 h contact, appeal, penalty",
        id_prefix="AC",
        answers={
            "contact": Answer(
                UpdateName.CONTACT_HANDLER, AgentContact, help="agent: contact the handler (within 48 h of the notice)"
            ),
            "appeal": Answer(
                UpdateName.APPEAL_VERDICT, Appeal, help="agent: appeal within 2 working days of the notice"
            ),
            **COMMON_ANSWERS,
        },
    )
)


# -- processes-a: manual refund, reship (held order, oversold, tracking, refusal below) --
register(
    KindSpec(
        kind=CaseKind.MANUAL_REFUND,
        workflow="ManualRefund",
        section="§4.9",
        input_model=ManualRefundInput,
        title="Manual (abnormal) refund: supervisor review, second check, payment",
        id_prefix="MR",
        answers={
            "assess": Answer(UpdateName.ASSESS, Assessment, help="return specialist: do the goods come back (pickup)?"),
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.RESHIP,
        workflow="Reship",
        section="§4.11",
        input_model=ReshipInput,
        title="Reship (merchant-caused non-delivery), delivery by the 20:00 rule",
        id_prefix="RS",
        answers={**COMMON_ANSWERS},
    )
)
register(
    KindSpec(
        kind=CaseKind.HELD_ORDER,
        workflow="HeldOrder",
        section="§4.1",
        input_model=HeldOrderInput,
        title="Held order: 24 h backfill, apology and compensation, refund or reship at 48 h",
        id_prefix="HO",
        answers={
            "choose": Answer(
                UpdateName.CHOOSE, HeldOrderAnswer, help="customer: wait, refund now, or insist (reship at 48 h)"
            ),
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.REFUSAL,
        workflow="Refusal",
        section="§4.14",
        input_model=RefusalInput,
        title="Refused parcel: refund with advance compensation; courier return: reship if still wanted",
        id_prefix="RF",
        answers={
            "still_wants_goods": Answer(
                UpdateName.STILL_WANTS_GOODS,
                GoodsAnswer,
                help="customer, after a courier return: still want the goods (reship)?",
            ),
            **COMMON_ANSWERS,
        },
    )
)
register(
    KindSpec(
        kind=CaseKind.SHIPMENT_TRACKING,
        workflow="ShipmentTracking",
        section="§4.13",
        input_model=ShipmentTrackingInput,
        title="Shipment tracking: ship within 48 h; the 72 h platform rule (30 %, cap 500, coupon first)",
        id_prefix="ST",
        answers={**COMMON_ANSWERS},
    )
)
register(
    KindSpec(
        kind=CaseKind.OVERSOLD,
        workflow="Oversold",
        section="§4.1",
        input_model=OversoldInput,
        title="Oversold: the 17:00 platform check; ship late, or compensate and refund",
        id_prefix="OS",
        answers={**COMMON_ANSWERS},
    )
)


def spec_for(kind: str | CaseKind) -> KindSpec:
    try:
        return KINDS[CaseKind(kind)]
    except (ValueError, KeyError):
        known = ", ".join(sorted(k.value for k in KINDS))
        raise ValueError(f"unknown case kind {kind!r}; known kinds: {known}") from None

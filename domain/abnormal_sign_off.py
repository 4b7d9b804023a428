"""Abnormal sign-off (rulebook §4.8): the courier says signed, the customer says not
received. The courier's proof (signer name or slip photo) is put to the customer: a
signer they know closes the case; one they do not — or no proof at all — is refunded
(normal return while the trade is open, manual refund once completed). The customer
has the answer within 3 working days."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from domain.findings import SignerProof
from domain.manual_refund import Payee
from domain.models import CaseInput, CaseKind
from domain.replies import Reply


class SignOffState(StrEnum):
    AWAITING_PROOF = "awaiting_proof"
    AWAITING_CUSTOMER = "awaiting_customer"
    REFUNDING = "refunding"
    CLOSED = "closed"


class SignOffOutcome(StrEnum):
    SIGNER_KNOWN = "signer_known"
    REFUNDED = "refunded"
    NO_REPLY = "no_reply"  # told who signed; no answer within the window
    REFUND_INCOMPLETE = "refund_incomplete"  # the refund child did not pay (rejected, or no payee)


class AbnormalSignOffInput(CaseInput):
    payee: Payee | None = Field(default=None, description="for a completed trade's manual refund; asked for if absent")

    @model_validator(mode="after")
    def _kind(self) -> AbnormalSignOffInput:
        if self.case.kind != CaseKind.ABNORMAL_SIGN_OFF:
            raise ValueError(f"an abnormal sign-off cannot be opened as {self.case.kind.value}")
        return self


class SignerAnswer(Reply):
    knows_signer: bool


def masked_name(name: str | None) -> str | None:
    """The signer is a third party: the timeline keeps the first character only."""
    return None if not name else name[:1] + "*" * max(len(name) - 1, 1)


def refund_without_asking(proof: SignerProof) -> bool:
    """No name and no slip: the courier cannot show anyone signed, so the customer is believed."""
    return not proof.proven

"""What a customer (or the courier, the warehouse, a specialist) tells a running case,
and the one check every such Update makes: the right person, on the right case."""

from __future__ import annotations

from pydantic import Field

from domain.actors import ActorRef, Role
from domain.models import CaseHeader, Contract, EvidenceRef
from domain.problems import Code, Problem


class Reply(Contract):
    by: ActorRef


class EvidenceUpload(Reply):
    """Photos or a barcode photo, sent by the customer (§4.4, §4.5)."""

    items: tuple[EvidenceRef, ...] = Field(min_length=1, max_length=20)
    barcode: str | None = Field(default=None, pattern=r"^\d{8,14}$", description="the digits under the barcode")


def customer_problem(by: ActorRef, case: CaseHeader) -> Problem | None:
    """Only the customer who owns the order answers for it (§6)."""
    if by.role != Role.CUSTOMER:
        return Problem(Code.WRONG_ROLE, f"{by.actor_id} is {by.role.value}; only the customer answers this")
    if by.actor_id != case.customer_id:
        return Problem(Code.NOT_THE_CUSTOMER, f"{by.actor_id} is not the customer of this case")
    return None


def role_problem(by: ActorRef, *roles: Role) -> Problem | None:
    if by.role not in roles:
        return Problem(
            Code.WRONG_ROLE, f"{by.actor_id} is {by.role.value}; this needs {', '.join(r.value for r in roles)}"
        )
    return None


def evidence_problem(
    upload: EvidenceUpload, case: CaseHeader, kinds: tuple[str, ...], *, barcode: bool = False
) -> Problem | None:
    problem = customer_problem(upload.by, case)
    if problem:
        return problem
    wrong = sorted({e.kind for e in upload.items} - set(kinds))
    if wrong:
        return Problem(
            Code.EVIDENCE_KIND, f"evidence of kind {', '.join(wrong)} is not accepted here; send {', '.join(kinds)}"
        )
    if barcode and not upload.barcode:
        return Problem(Code.MISSING_FIELD, "a barcode photo needs the barcode digits")
    return None

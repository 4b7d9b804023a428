"""Why a request is refused, as a code and a message. Every `…_problem()` validator returns
a Problem or None: callers (the API's problem documents, the console, the workflows'
Update validators) match on the code; the message is for the person. Codes are stored in
no history as commands, only in rejected Updates' failures, so new ones may be added freely;
renaming one changes what API clients match on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    # the case is not where the request needs it
    WRONG_STATE = "wrong_state"
    ALREADY_DONE = "already_done"
    NOT_ASKED = "not_asked"
    # who asks
    WRONG_ROLE = "wrong_role"
    NOT_THE_CUSTOMER = "not_the_customer"
    NOT_THE_AGENT = "not_the_agent"
    NOT_THE_PAYER = "not_the_payer"
    SAME_PERSON = "same_person"
    OWN_ORDERS_ONLY = "own_orders_only"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    # approvals
    NO_SUCH_APPROVAL = "no_such_approval"
    BEYOND_AUTHORITY = "beyond_authority"
    AMOUNT_NOT_ALLOWED = "amount_not_allowed"
    # money and goods
    AMOUNT_TOO_HIGH = "amount_too_high"
    AMOUNT_MISMATCH = "amount_mismatch"
    QUANTITY_TOO_HIGH = "quantity_too_high"
    NOTHING_LEFT_TO_REFUND = "nothing_left_to_refund"
    UNPAID_ORDER = "unpaid_order"
    ORIGINAL_CAN_SHIP = "original_can_ship"
    GOODS_NOT_WANTED = "goods_not_wanted"
    # the request's own fields
    WRONG_ORDER = "wrong_order"
    WRONG_KIND = "wrong_kind"
    MISSING_FIELD = "missing_field"
    FIELD_NOT_ALLOWED = "field_not_allowed"
    INVALID_LINES = "invalid_lines"
    EVIDENCE_KIND = "evidence_kind"
    TIME_ZONE_MISSING = "time_zone_missing"
    NOT_IN_FUTURE = "not_in_future"


@dataclass(frozen=True)
class Problem:
    code: Code
    message: str

    def __str__(self) -> str:
        return self.message

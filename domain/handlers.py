"""The names the case workflows answer to: every Update, Signal and Query, one member
each. The workflows register their handlers under these names (`@workflow.update(name=…)`),
the kinds table lists answers by them, and the pushes map to them; clients that can import
the workflow class call it by reference instead (`handle.execute_update(ReturnRefund.review, …)`).
The values are the names recorded in histories: never change one."""

from __future__ import annotations

from enum import StrEnum


class UpdateName(StrEnum):
    DECIDE = "decide"
    REVIEW = "review"
    ASSESS = "assess"
    PROVIDE_PAYEE = "provide_payee"
    WRONG_INVOICE_RETURNED = "wrong_invoice_returned"
    INVOICE_DELIVERED = "invoice_delivered"
    CONFIRM_SIGNER = "confirm_signer"
    AGREE_DELIVERY_TIME = "agree_delivery_time"
    ANSWER_OFFER = "answer_offer"
    CHOOSE = "choose"
    CHOOSE_REMEDY = "choose_remedy"
    SUBMIT_EVIDENCE = "submit_evidence"
    STILL_WANTS_GOODS = "still_wants_goods"
    REPLY_TO_ANSWER = "reply_to_answer"
    FOLLOW_UP = "follow_up"
    CONTACT_HANDLER = "contact_handler"
    APPEAL_VERDICT = "appeal_verdict"
    DELIVERY_REPORTED = "delivery_reported"  # the courier's push, validated: an Update, not a Signal


class SignalName(StrEnum):
    GOODS_REPORTED_RECEIVED = "goods_reported_received"
    DISPATCH_REPORTED = "dispatch_reported"
    OVERSOLD_ANSWER_REPORTED = "oversold_answer_reported"
    STOCK_REPORTED = "stock_reported"
    DELIVERY_STATUS_REPORTED = "delivery_status_reported"


class QueryName(StrEnum):
    STATUS = "status"
    TIMELINE = "timeline"
    PENDING_APPROVALS = "pending_approvals"

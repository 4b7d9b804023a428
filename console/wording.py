"""A case's timeline in plain words for its customer: what happened, not the engine's entry
names. An entry without wording here is shown by its name with spaces."""

from __future__ import annotations

from domain.models import TimelineEntry
from domain.money import format_fen
from domain.problems import Code
from domain.timeline import Entry

WORDS: dict[str, str] = {  # by Entry member; a stored row carries the plain string
    Entry.OPENED: "We received your request 已收到您的申请",
    Entry.REVIEW_REQUESTED: "A return specialist is looking at it 退货专员审核中",
    Entry.REVIEWED: "Your return was reviewed 已审核",
    Entry.PICKUP_BOOKED: "A courier pickup is booked 已预约上门取件",
    Entry.GOODS_RECEIVED: "The goods are back at our warehouse 仓库已收货",
    Entry.REFUND_PAID: "Your refund was paid 已退款",
    Entry.BACKFILL_REQUESTED: "We asked the warehouse for stock 已请求仓库补货",
    Entry.APOLOGISED: "We are sorry: the item is out of stock. Please choose below 抱歉缺货，请选择",
    Entry.CUSTOMER_CHOSE: "We have your choice 已收到您的选择",
    Entry.COMPENSATION_PAID: "A compensation was paid 已补偿",
    Entry.APPROVAL_REQUESTED: "A supervisor is checking it 主管审核中",
    Entry.APPROVAL_DECIDED: "A supervisor decided 主管已处理",
    Entry.CLOSED: "Closed 已结案",
    Entry.SLA_BREACHED: "We are late on this; it has been flagged 已超时并上报",
    Entry.BACKFILL_MISSED: "The stock did not arrive in time 补货未按时到达",
    Entry.COMPENSATION_GRANTED: "A compensation was granted to you 已为您发放补偿",
    Entry.COUPON_OFFERED: "We offered you a coupon 已为您提供优惠券",
    Entry.REFUND_STARTED: "Your refund has started 退款处理中",
    Entry.REFUND_FINISHED: "Your refund is done 退款完成",
    Entry.REFUND_OFFERED: "We offered you a refund; please answer below 已为您提供退款，请答复",
    Entry.REMEDY_OFFERED: "Please choose: reship or refund 请选择补发或退款",
    Entry.REMEDY_CHOSEN: "We have your choice 已收到您的选择",
    Entry.EVIDENCE_REQUESTED: "Please send a photo 请上传照片",
    Entry.EVIDENCE_RECEIVED: "We received your photo 已收到照片",
    Entry.ANSWER_GIVEN: "We answered your complaint; please accept or reject below 已答复，请确认",
    Entry.CUSTOMER_REPLIED: "We have your reply 已收到您的答复",
    Entry.ESCALATED: "Passed to a senior colleague 已升级处理",
    Entry.DISPATCHED: "Your order was shipped 已发货",
    Entry.RESHIP_STARTED: "We are sending the goods again 正在补发",
    Entry.RESHIP_PLACED: "The goods were sent again 已补发",
    Entry.SETTLING: "Settling your case 结算中",
    Entry.PAYEE_REQUESTED: "Please give the account to pay you 请提供收款账户",
    Entry.PAID: "Paid 已付款",
    Entry.PICKUP_REQUESTED: "A pickup was requested 已申请取件",
}


# A refused answer's heading, matched on the domain's code (domain/problems.py); the
# message below it says the particulars.
REFUSALS: dict[Code, str] = {
    Code.WRONG_STATE: "The case is not waiting for this now 当前无需此操作",
    Code.ALREADY_DONE: "This was already done 已处理",
    Code.WRONG_ROLE: "Your role does not do this 您的角色无权此操作",
    Code.NOT_THE_CUSTOMER: "Only the customer of this case may answer 仅限本案客户",
    Code.SAME_PERSON: "A second person must check this 需由另一人复核",
    Code.BEYOND_AUTHORITY: "Beyond your authority: escalate 超出权限，请升级",
    Code.AMOUNT_TOO_HIGH: "The amount is too high 金额过高",
    Code.NO_SUCH_APPROVAL: "Nothing to decide here 无待审批事项",
}


def plain(entry: TimelineEntry) -> str:
    said = WORDS.get(entry.kind) or entry.kind.replace("_", " ").capitalize()
    amount = entry.detail.get("amount_fen")
    if isinstance(amount, int) and amount > 0:
        said += f" ({format_fen(amount)})"
    if entry.kind == Entry.CLOSED and entry.detail.get("outcome"):
        said += f": {str(entry.detail['outcome']).replace('_', ' ')}"
    return said

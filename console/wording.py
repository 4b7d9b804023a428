"""A case's timeline in plain words for its customer: what happened, not the engine's entry
names. An entry without wording here is shown by its name with spaces."""
from __future__ import annotations

from domain.models import TimelineEntry
from domain.money import format_fen

WORDS = {
    "opened": "We received your request 已收到您的申请",
    "review_requested": "A return specialist is looking at it 退货专员审核中",
    "reviewed": "Your return was reviewed 已审核",
    "pickup_booked": "A courier pickup is booked 已预约上门取件",
    "goods_received": "The goods are back at our warehouse 仓库已收货",
    "refund_paid": "Your refund was paid 已退款",
    "refunded": "Your refund was paid 已退款",
    "backfill_requested": "We asked the warehouse for stock 已请求仓库补货",
    "apologised": "We are sorry: the item is out of stock. Please choose below 抱歉缺货，请选择",
    "choice_received": "We have your choice 已收到您的选择",
    "customer_chose": "We have your choice 已收到您的选择",
    "compensation_paid": "A compensation was paid 已补偿",
    "approval_requested": "A supervisor is checking it 主管审核中",
    "approval_decided": "A supervisor decided 主管已处理",
    "closed": "Closed 已结案",
    "sla_breached": "We are late on this; it has been flagged 已超时并上报",
    "backfill_missed": "The stock did not arrive in time 补货未按时到达",
    "compensation_granted": "A compensation was granted to you 已为您发放补偿",
    "coupon_offered": "We offered you a coupon 已为您提供优惠券",
    "refund_started": "Your refund has started 退款处理中",
    "refund_finished": "Your refund is done 退款完成",
    "refund_offered": "We offered you a refund; please answer below 已为您提供退款，请答复",
    "remedy_offered": "Please choose: reship or refund 请选择补发或退款",
    "remedy_chosen": "We have your choice 已收到您的选择",
    "evidence_requested": "Please send a photo 请上传照片",
    "evidence_received": "We received your photo 已收到照片",
    "answer_given": "We answered your complaint; please accept or reject below 已答复，请确认",
    "customer_replied": "We have your reply 已收到您的答复",
    "escalated": "Passed to a senior colleague 已升级处理",
    "dispatched": "Your order was shipped 已发货",
    "reship_started": "We are sending the goods again 正在补发",
    "reship_placed": "The goods were sent again 已补发",
    "settling": "Settling your case 结算中",
    "payee_requested": "Please give the account to pay you 请提供收款账户",
    "paid": "Paid 已付款",
    "pickup_requested": "A pickup was requested 已申请取件",
}


def plain(entry: TimelineEntry) -> str:
    said = WORDS.get(entry.kind) or entry.kind.replace("_", " ").capitalize()
    amount = entry.detail.get("amount_fen")
    if isinstance(amount, int) and amount > 0:
        said += f" ({format_fen(amount)})"
    if entry.kind == "closed" and entry.detail.get("outcome"):
        said += f": {str(entry.detail['outcome']).replace('_', ' ')}"
    return said

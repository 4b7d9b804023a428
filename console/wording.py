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
}


def plain(entry: TimelineEntry) -> str:
    said = WORDS.get(entry.kind) or entry.kind.replace("_", " ").capitalize()
    amount = entry.detail.get("amount_fen")
    if isinstance(amount, int) and amount > 0:
        said += f" ({format_fen(amount)})"
    if entry.kind == "closed" and entry.detail.get("outcome"):
        said += f": {str(entry.detail['outcome']).replace('_', ' ')}"
    return said

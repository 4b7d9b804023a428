"""Rulebook §6 (S0, S3): only the paying account may read or change an order's
address or phone. Pure: the CLI and any activity call the same check."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from pydantic import Field

from domain.models import Contract, Order
from domain.problems import Code, Problem


class ContactAction(StrEnum):
    READ = "read_contact"
    CHANGE_ADDRESS = "change_address"
    CHANGE_PHONE = "change_phone"


class ContactRequest(Contract):
    order_id: str = Field(min_length=1)
    account: str = Field(min_length=1, description="the account asking; private")
    action: ContactAction


def contact_problem(order: Order, request: ContactRequest) -> Problem | None:
    """Why this account may not read or change the order's address or phone, or None."""
    if request.order_id != order.order_id:
        return Problem(Code.WRONG_ORDER, f"the request is for order {request.order_id}, not {order.order_id}")
    if request.account != order.paying_account:
        return Problem(
            Code.NOT_THE_PAYER,
            f"only the account that paid for order {order.order_id} may read or change its address or phone (§6)",
        )
    return None


def account_digest(account: str, secret: bytes) -> str:
    """What the store keeps of an account: enough to match repeats, nothing to read or to
    enumerate without the secret. Keyed over the unkeyed SHA-256 that was stored before,
    so the migration (0012_keyed_digests) turns each stored digest into this one without
    ever knowing the account."""
    return keyed_digest(unkeyed_digest(account), secret)


def unkeyed_digest(account: str) -> str:
    return hashlib.sha256(account.encode("utf-8")).hexdigest()


def keyed_digest(unkeyed: str, secret: bytes) -> str:
    return hmac.new(secret, unkeyed.encode("ascii"), hashlib.sha256).hexdigest()

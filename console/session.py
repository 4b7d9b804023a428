"""Who is using the console: the same bearer JWT the API takes (api/identity.py), kept in an
HttpOnly, SameSite=Strict cookie after sign-in, or sent as `Authorization: Bearer`. The role
comes from the actor registry, as for every API request.

Demo sign-in (one button per demo role) mints through the embedded issuer, and only when the
embedded issuer is in use and the process was started as the demo (`aftersales up`); with an
identity provider (AUTH_JWKS_URL) people paste a token their provider issued."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from api.identity import BadCredential, Identity, Principal, subject_for_customer

COOKIE = "aftersales_console"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class DemoPerson:
    subject: str
    label: str


# Who the demo's sign-in page offers: one of each role a person plays in the demo, and the
# demo orders' customers (starter/demo_data/orders.json).
DEMO_PEOPLE = (
    DemoPerson("li.first", "李 · first-line agent 一线"),
    DemoPerson("wang.second", "王 · second-line agent 二线"),
    DemoPerson("zhao.returns", "赵 · return specialist 退货专员"),
    DemoPerson("qian.refunds", "钱 · refund specialist 退款专员"),
    DemoPerson("wu.ops", "吴 · operations supervisor 运营主管"),
    DemoPerson("zheng.ops", "郑 · operations supervisor (second checker)"),
    DemoPerson("he.finance", "何 · finance 财务"),
    DemoPerson(subject_for_customer("cust-liu-yang"), "刘洋 · customer 顾客"),
    DemoPerson(subject_for_customer("cust-wang-fang"), "王芳 · customer 顾客"),
)


class SignedOut(Exception):
    """No credential, or one that does not verify: the console sends the browser to sign in."""


def demo_sign_in(request: Request) -> bool:
    identity: Identity | None = request.app.state.identity
    return bool(identity is not None and identity.embedded and getattr(request.app.state, "console_demo", False))


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def principal(request: Request) -> Principal:
    token = token_of(request)
    identity: Identity | None = request.app.state.identity
    if not token or identity is None:
        raise SignedOut("sign in first")
    try:
        who = identity.verify(token)
    except BadCredential as e:
        raise SignedOut(str(e)) from None
    request.state.principal = who
    return who


def mint_demo(request: Request, subject: str) -> str:
    if not demo_sign_in(request) or subject not in {p.subject for p in DEMO_PEOPLE}:
        raise SignedOut("demo sign-in is off here; paste a token from your identity provider")
    identity: Identity = request.app.state.identity
    return identity.mint(subject, SESSION_SECONDS)

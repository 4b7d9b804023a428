"""Fuzzing the front door's request bodies (hypothesis): whatever arrives, the answer is a
problem document with a 4xx status (or a success for a body that happens to be valid),
never a 500; a 4xx starts no workflow, writes no case, timeline or payment row, and
leaves exactly one audit line. Also: the committed OpenAPI document is current."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from temporalio.service import RPCError, RPCStatusCode

from domain.timeline import Entry
from runtime.settings import ROOT
from starter.front_door import openapi_document
from store.audit import AuditLog
from tests.support import until
from tests.test_api import door, seeded  # noqa: F401  (fixtures)

EXAMPLES = 40
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def objects(*keys: str) -> st.SearchStrategy[Any]:
    """Objects with the endpoint's own field names (and others), plus anything else at all."""
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(keys, values))
    return known | st.dictionaries(st.text(max_size=12), values, max_size=4) | values


bodies = {
    "open": objects(
        "kind", "order_id", "reason", "lines", "case_id", "policy", "origin", "decided", "opened_by", "case"
    ),
    "answer": objects("approve", "pickup", "reason", "reviewer", "by", "photos", "accept_refund"),
    "decide": objects("decision", "note", "amount_fen", "approver", "approve"),
    "contact_read": objects("account"),
    "contact_change": objects("account", "address", "phone"),
    "sweep": objects("at", "policy"),
}


def _counts(store: Any, case_id: str) -> tuple[int, int]:
    """What a request about `case_id` could write. (A body valid by chance opens a case whose
    rows arrive a moment later, so the total number of cases is not compared.)"""
    return len(store.timeline(case_id)), len(store.payments())


async def _history_length(env: Any, case_id: str) -> int:
    return len([e async for e in env.client.get_workflow_handle(f"case-{case_id}").fetch_history_events()])


async def test_fuzzed_bodies_get_4xx_problems_and_change_nothing(door, env, store, seeded):  # noqa: F811
    c = f"RR-fuzz-{uuid.uuid4().hex[:8]}"
    opened = await door.call(
        "POST", "/v1/cases", customer=seeded.customer_id, json={"order_id": seeded.order_id, "case_id": c}
    )
    assert opened.status_code == 201
    # the case settles (its row and first entries written) before the counts are compared
    assert await until(lambda: any(e.kind == Entry.REVIEW_REQUESTED for e in store.timeline(c)))
    tokens = {
        "customer": door.token(customer=seeded.customer_id),
        "ops": door.token("wu.ops"),
        "returns": door.token("zhao.returns"),
    }
    loop = asyncio.get_running_loop()
    audit = AuditLog(store)
    seen: dict[int, int] = {}

    def send(method: str, path: str, token: str, body: Any, raw: bool) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        content = body if raw else json.dumps(body).encode()
        return asyncio.run_coroutine_threadsafe(
            door.http.request(method, path, headers=headers, content=content), loop
        ).result(timeout=60)

    def on_loop(coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    def check(path: str, token: str, body: Any, raw: bool, new_case: str | None = None) -> None:
        before = (_counts(store, c), on_loop(_history_length(env, c)), audit.count())
        r = send("POST", path, token, body, raw)
        seen[r.status_code] = seen.get(r.status_code, 0) + 1
        assert r.status_code < 500, (path, body, r.status_code, r.text)
        if r.status_code < 400:
            return  # a body that happens to be valid
        assert r.headers["content-type"].startswith("application/problem+json"), r.headers
        problem = r.json()
        assert problem["status"] == r.status_code and problem["type"].startswith("urn:aftersales:problem:")
        assert (_counts(store, c), on_loop(_history_length(env, c))) == before[:2], (path, body)
        assert audit.count() == before[2] + 1, "one audit line per refused request"
        if new_case:
            assert store.get_case(new_case) is None
            try:
                on_loop(env.client.get_workflow_handle(f"case-{new_case}").describe())
                raise AssertionError(f"{new_case} was started by a refused request: {body!r}")
            except RPCError as e:
                assert e.status == RPCStatusCode.NOT_FOUND

    answers = st.sampled_from(["review", "goods_received", "decide", "evidence", "payee", "nonsense", "REVIEW"])
    raw_bytes = st.binary(max_size=40)

    def fuzz() -> None:
        common = settings(
            max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
        )

        @common
        @given(
            body=bodies["open"],
            raw=raw_bytes,
            use_raw=st.booleans(),
            order_id=st.sampled_from([seeded.order_id, "SO-NOPE"]) | st.text(max_size=10),
        )
        def open_case(body: Any, raw: bytes, use_raw: bool, order_id: str) -> None:
            new_case = f"RR-fz-{uuid.uuid4().hex[:10]}"
            if isinstance(body, dict):
                body = {**body, "case_id": new_case}
                body.setdefault("order_id", order_id)
            check("/v1/cases", tokens["customer"], raw if use_raw else body, use_raw, new_case)

        @common
        @given(body=bodies["answer"], name=answers, who=st.sampled_from(["customer", "ops"]))
        def answer(body: Any, name: str, who: str) -> None:
            check(f"/v1/cases/{c}/answers/{name}", tokens[who], body, False)

        @common
        @given(
            body=bodies["decide"],
            approval=st.sampled_from(["review", "compensation-1"]) | st.text(max_size=8),
            who=st.sampled_from(["customer", "ops", "returns"]),
        )
        def decide(body: Any, approval: str, who: str) -> None:
            check(f"/v1/cases/{c}/approvals/{quote(approval or 'x', safe='')}", tokens[who], body, False)

        @common
        @given(
            body=bodies["contact_read"] | bodies["contact_change"],
            change=st.booleans(),
            who=st.sampled_from(["customer", "ops"]),
        )
        def contact(body: Any, change: bool, who: str) -> None:
            if isinstance(body, dict) and body.get("account") == seeded.paying_account:
                body = {**body, "account": body["account"] + "x"}  # the owner's valid request is not a fuzz case
            path = f"/v1/orders/{seeded.order_id}/contact" + ("" if change else "/read")
            check(path, tokens[who], body, False)

        @common
        @given(
            body=bodies["sweep"],
            kind=st.sampled_from(["shipment_tracking", "oversold", "x"]),
            who=st.sampled_from(["customer", "returns"]),
        )  # roles that may not run one: a valid body is a 403
        def sweep(body: Any, kind: str, who: str) -> None:
            check(f"/v1/sweeps/{kind}", tokens[who], body, False)

        for test in (open_case, answer, decide, contact, sweep):
            test()

    await asyncio.to_thread(fuzz)
    assert all(400 <= s < 500 or s in (200, 201) for s in seen), seen
    assert sum(n for s, n in seen.items() if s >= 400) > 100, seen


def test_the_committed_openapi_document_is_current():
    committed = json.loads((ROOT / "docs" / "openapi" / "api.json").read_text())
    assert committed == json.loads(json.dumps(openapi_document())), (
        "docs/openapi/api.json is stale: run `aftersales api --openapi docs/openapi/api.json`"
    )

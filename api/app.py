"""The front door (issue 11): every person and partner system reaches cases through this
API. Each request presents a bearer token; the actor and role come from the verified
credential (api/identity.py), the permission table is domain/permissions.py, the rules
are the service layer's (service/cases.py), shared with the CLI. A refused request starts
nothing and writes nothing but its audit line (api/problems.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.bodies import (
    Answered,
    CaseView,
    Contact,
    ContactChange,
    ContactRead,
    Decision,
    OpenCase,
    Opened,
    PendingApproval,
    PrivacyRefusal,
    SweepRun,
    SweepStarted,
    Whoami,
)
from api.identity import BadCredential, Identity, Principal
from api.problems import Unauthenticated, audit, install, note
from domain.audit import AuditEntry, Outcome
from domain.permissions import PERMISSIONS, Action, Refusal, action_refusal, visible
from domain.privacy import ContactAction, ContactRequest
from runtime.tracing import active as active_tracing
from service import cases
from service.catalogue import spec_for
from service.context import Context
from service.errors import Forbidden, Invalid, NotFound
from store.audit import AuditLog
from store.complaints import ComplaintRecords, PrivacyRefused
from store.metrics import Metrics
from store.reports import completion_reports


def _id() -> Any:
    """A path id (case, approval, order); one Path object per parameter, as FastAPI needs."""
    return Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9._:-]+$")


_bearer = HTTPBearer(auto_error=False, description="a token from `aftersales token issue` or the identity provider")


def caller(action: str) -> Callable[..., Principal]:
    """The verified caller of a route doing `action` (its audit name). No or bad credential: 401."""

    def verified(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
        request.state.action = action
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("no bearer token: send Authorization: Bearer <token>")
        identity: Identity = request.app.state.identity
        try:
            principal = identity.verify(credentials.credentials)
        except BadCredential as e:
            raise Unauthenticated(str(e)) from None
        request.state.principal = principal
        return principal

    return verified


def payload_reader() -> Callable[..., Principal]:
    """The codec server's guard: a verified caller whose role may read decrypted payloads."""
    verified = caller("codec")

    def allowed_reader(who: Principal = Depends(verified)) -> Principal:
        _refuse(action_refusal(who.role, Action.READ_PAYLOADS))
        return who

    return allowed_reader


def _refuse(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise Forbidden(refusal.reason, rule=refusal.rule)


def _jsonable_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]


def v1_router() -> APIRouter:
    r = APIRouter(prefix="/v1")

    @r.get("/whoami", response_model=Whoami, summary="who the credential says you are, and what you may do")
    async def whoami(who: Principal = Depends(caller("whoami"))) -> Whoami:
        return Whoami(
            subject=who.subject,
            actor_id=who.actor.actor_id,
            role=who.role.value,
            customer_id=who.customer_id,
            actions=sorted(a.value for a in PERMISSIONS[who.role]),
        )

    @r.get("/kinds", summary="every case kind: workflow, rulebook section, input fields, answers")
    async def kinds(who: Principal = Depends(caller("kinds"))) -> list[dict[str, Any]]:
        return cases.kinds_table()

    @r.post("/cases", status_code=201, response_model=Opened, summary="open a case")
    async def open_case(request: Request, body: OpenCase, who: Principal = Depends(caller("open"))) -> Opened:
        note(request, order_id=body.order_id, case_id=body.case_id or "")
        doc = body.model_dump(exclude_none=True)
        if body.lines is not None:
            doc["lines"] = [line.model_dump() for line in body.lines]
        inp = await cases.open_case(request.app.state.ctx, who.actor, doc)
        note(request, case_id=inp.case.case_id)
        audit(request, 201, Outcome.DONE)
        spec = spec_for(inp.case.kind)
        return Opened(
            case_id=inp.case.case_id,
            workflow_id=inp.case.workflow_id,
            kind=spec.kind.value,
            workflow=spec.workflow,
            opened_by=inp.case.opened_by,
            policy=inp.policy.version,
        )

    @r.get("/cases", summary="list cases (a customer: their own)")
    async def list_cases(
        request: Request,
        who: Principal = Depends(caller("list")),
        kind: str | None = Query(default=None, max_length=40),
        state: str | None = Query(default=None, max_length=40),
        limit: int = Query(default=50, ge=1, le=500),
    ) -> list[dict[str, Any]]:
        _refuse(action_refusal(who.role, Action.READ_CASES))
        if kind:
            try:
                spec_for(kind)
            except ValueError as e:
                raise Invalid(str(e)) from None
        rows = request.app.state.ctx.cases().list_cases(
            kind=kind, state=state, limit=limit, customer_id=who.customer_id
        )
        return visible(who.role, _jsonable_rows(rows))

    @r.get(
        "/cases/{case_id}",
        response_model=CaseView,
        summary="a case: timeline, state, next deadline, children, payments",
    )
    async def show(request: Request, case_id: str = _id(), who: Principal = Depends(caller("show"))) -> Any:
        ctx = request.app.state.ctx
        await cases.find_case_for(ctx, who.actor, case_id)
        view = await cases.case_view(ctx, case_id)
        doc = CaseView.model_validate(view).model_dump(mode="json")
        return visible(who.role, doc)

    @r.post(
        "/cases/{case_id}/answers/{name}",
        response_model=Answered,
        summary="give a running case an answer (`aftersales kinds`); approvals are decided below",
    )
    async def answer(
        request: Request,
        case_id: str = _id(),
        name: str = Path(max_length=40, pattern=r"^[a-z_]+$"),
        body: dict[str, Any] | None = Body(default=None),
        who: Principal = Depends(caller("answer")),
    ) -> Answered:
        request.state.action = f"answer:{name}"
        note(request, case_id=case_id)
        status = await cases.answer_case(request.app.state.ctx, who.actor, case_id, name, body)
        audit(request, 200, Outcome.DONE)
        return Answered(case_id=case_id, answer=name, status=status)

    @r.get("/approvals", response_model=list[PendingApproval], summary="pending approvals your role may decide")
    async def approvals(request: Request, who: Principal = Depends(caller("approvals"))) -> list[dict[str, Any]]:
        return cases.approvals_queue(request.app.state.ctx, who.actor)

    @r.post("/cases/{case_id}/approvals/{approval_id}", response_model=Answered, summary="approve or reject")
    async def decide(
        request: Request,
        body: Decision,
        case_id: str = _id(),
        approval_id: str = _id(),
        who: Principal = Depends(caller("decide")),
    ) -> Answered:
        note(request, case_id=case_id)
        status = await cases.decide_approval(
            request.app.state.ctx,
            who.actor,
            case_id,
            approval_id,
            approve=body.decision == "approve",
            note=body.note,
            amount_fen=body.amount_fen,
        )
        audit(request, 200, Outcome.DONE)
        return Answered(case_id=case_id, answer="decide", status=status)

    def _contact(
        request: Request, who: Principal, order_id: str, action: ContactAction, account: str, **changes: str | None
    ) -> Any:
        note(request, order_id=order_id)
        _refuse(
            action_refusal(who.role, Action.READ_CONTACT if action == ContactAction.READ else Action.CHANGE_CONTACT)
        )
        store = request.app.state.ctx.cases()
        order = store.get_order(order_id)
        if order is None or order.customer_id != who.customer_id:
            raise NotFound(f"unknown order {order_id!r}")
        records = ComplaintRecords(store, request.app.state.ctx.pseudonym_secret())  # refusals by keyed digest
        contact = ContactRequest(order_id=order_id, account=account, action=action)
        try:
            if action == ContactAction.READ:
                return records.order_contact(contact, datetime.now(timezone.utc))
            return records.change_contact(contact, datetime.now(timezone.utc), **changes)
        except PrivacyRefused as e:
            raise Forbidden(f"{e}; the refusal is recorded", rule="contact.paying_account") from None

    @r.post(
        "/orders/{order_id}/contact/read",
        response_model=Contact,
        summary="an order's phone and address (§6: the paying account only)",
    )
    async def read_contact(
        request: Request, body: ContactRead, order_id: str = _id(), who: Principal = Depends(caller("read_contact"))
    ) -> Contact:
        order = _contact(request, who, order_id, ContactAction.READ, body.account)
        audit(request, 200, Outcome.DONE)
        return Contact(order_id=order.order_id, phone=order.phone, address=order.address)

    @r.post("/orders/{order_id}/contact", response_model=Contact, summary="change an order's address or phone (§6)")
    async def change_contact(
        request: Request, body: ContactChange, order_id: str = _id(), who: Principal = Depends(caller("change_contact"))
    ) -> Contact:
        action = ContactAction.CHANGE_ADDRESS if body.address is not None else ContactAction.CHANGE_PHONE
        order = _contact(request, who, order_id, action, body.account, address=body.address, phone=body.phone)
        audit(request, 200, Outcome.DONE)
        return Contact(order_id=order.order_id, phone=order.phone, address=order.address)

    @r.get("/metrics", summary="§7 quality metrics")
    async def metrics(
        request: Request,
        who: Principal = Depends(caller("metrics")),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, Any]:
        _refuse(action_refusal(who.role, Action.READ_METRICS))
        return Metrics(request.app.state.ctx.cases(), since=since, until=until).report()

    @r.get("/reports/completion", summary="the daily 10:00 completion-rate reports")
    async def completion(
        request: Request, who: Principal = Depends(caller("reports")), limit: int = Query(default=14, ge=1, le=366)
    ) -> list[dict[str, Any]]:
        _refuse(action_refusal(who.role, Action.READ_REPORTS))
        return [r.model_dump(mode="json") for r in completion_reports(request.app.state.ctx.cases(), limit=limit)]

    @r.get("/audit", response_model=list[AuditEntry], summary="the audit log, newest first")
    async def audit_log(
        request: Request,
        who: Principal = Depends(caller("audit")),
        actor: str | None = Query(default=None, max_length=80),
        outcome: Outcome | None = None,
        case_id: str | None = Query(default=None, max_length=80),
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> list[AuditEntry]:
        _refuse(action_refusal(who.role, Action.READ_AUDIT))
        return AuditLog(request.app.state.ctx.cases()).entries(
            limit=limit, actor_id=actor, outcome=outcome.value if outcome else None, case_id=case_id
        )

    @r.post(
        "/sweeps/{kind}",
        status_code=202,
        response_model=SweepStarted,
        summary="run a daily sweep now (tracking export, oversold export)",
    )
    async def sweep(
        request: Request,
        body: SweepRun,
        kind: str = Path(max_length=40, pattern=r"^[a-z_]+$"),
        who: Principal = Depends(caller("run_sweep")),
    ) -> SweepStarted:
        workflow_id = await cases.run_sweep(request.app.state.ctx, who.actor, kind, body.at, body.policy)
        note(request, case_id=workflow_id)
        audit(request, 202, Outcome.DONE)
        return SweepStarted(workflow_id=workflow_id)

    @r.get("/privacy-refusals", response_model=list[PrivacyRefusal], summary="§6 refused contact requests")
    async def privacy_refusals(
        request: Request,
        who: Principal = Depends(caller("privacy_refusals")),
        order_id: str | None = Query(default=None, max_length=64),
    ) -> list[dict[str, Any]]:
        _refuse(action_refusal(who.role, Action.READ_AUDIT))
        return ComplaintRecords(request.app.state.ctx.cases()).privacy_refusals(order_id)

    return r


def create_app(ctx: Context, identity: Identity | None, extra_routers: Iterable[APIRouter] = ()) -> FastAPI:
    """The API over one service context. `extra_routers` are mounted beside /v1 (e.g. the
    payload codec server); they bring their own authentication."""
    app = FastAPI(
        title="Aftersales case API",
        version="1",
        description="The front door to the after-sales cases. Errors are application/problem+json (RFC 9457).",
    )
    app.state.ctx = ctx
    app.state.identity = identity
    install(app)
    app.include_router(v1_router())
    for router in extra_routers:
        app.include_router(router)
    if ctx.settings.api_metrics:  # off: prometheus_client is not even imported
        from runtime.metrics import figures_router

        app.include_router(figures_router(ctx.cases))
    if (tracing := active_tracing()) is not None:
        tracing.instrument_app(app)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

"""The console's pages (issue 13), mounted in the API app beside /v1 (`console_router()`).

Every page acts as the signed-in person through the same service layer the API uses
(service/cases.py) and asks the same permission table (domain/permissions.py) what to show:
a button appears only where the table allows the action, and the service refuses anyway.
A refused or failed form is rendered as a page with the status and rule, and leaves its
audit line like an API request (api/problems.audit)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile as StarletteUpload

from api.identity import BadCredential, Principal
from api.problems import audit, note
from console import charts
from console.forms import FormError, data_from, fields_of, yuan_to_fen
from console.session import COOKIE, DEMO_PEOPLE, SESSION_SECONDS, SignedOut, demo_sign_in, mint_demo, principal
from console.wording import REFUSALS, plain
from domain.actors import Role
from domain.audit import Outcome
from domain.damaged_goods import DamageCondition
from domain.models import CaseKind
from domain.money import format_fen
from domain.permissions import Action, action_refusal, allowed, answer_refusal, visible
from domain.timeline import Entry
from service import cases
from service.catalogue import KINDS, spec_for
from service.errors import Invalid, NotFound, ServiceError
from starter.render import shop_time
from store.metrics import Metrics
from store.reports import completion_reports

HERE = Path(__file__).resolve().parent
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}
PAGE_SIZE = 50
LIVE_SECONDS = 5  # how often the queue and a case page ask for news (short polling)
# What a customer may open from their own order page (§4.3, §4.4, §4.10, §4.12).
CUSTOMER_KINDS = (CaseKind.RETURN_REFUND, CaseKind.COMPLAINT, CaseKind.MISSING_ITEM, CaseKind.DAMAGED_GOODS)
EVIDENCE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["yuan"] = lambda fen: "—" if fen is None else format_fen(int(fen))
templates.env.filters["shop_time"] = lambda at: "—" if not at else shop_time(at, "%Y-%m-%d %H:%M")
templates.env.filters["age"] = lambda seconds: _duration(float(seconds or 0))
templates.env.globals["plain"] = plain


def _duration(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
    who: Principal | None = getattr(request.state, "principal", None)
    return templates.TemplateResponse(
        request, name, {"who": who, "live_seconds": LIVE_SECONDS, **context}, status_code=code
    )


Handler = Callable[..., Awaitable[Response]]


def page(handler: Handler) -> Handler:
    """Signed out → the sign-in page; a service refusal → an error page with its status and rule."""

    @functools.wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            principal(request)
            return await handler(request, *args, **kwargs)
        except SignedOut as e:
            if request.method == "GET":
                return RedirectResponse(f"/console/login?{urlencode({'why': str(e)})}", status_code=303)
            return render(request, "error.html", 401, status=401, title="Sign in first", detail=str(e), rule="")
        except (ServiceError, FormError) as e:
            status, rule = (e.status, e.rule) if isinstance(e, ServiceError) else (Invalid.status, "")
            code = e.code if isinstance(e, ServiceError) else None
            audit(request, status, Outcome.FAILED if status >= 500 else Outcome.REFUSED, rule=rule, reason=str(e))
            title = (REFUSALS.get(code) if code else None) or {
                403: "Not allowed",
                404: "Not found",
                409: "Not now",
                503: "Try again",
            }.get(status, "Not accepted")
            return render(
                request, "error.html", status, status=status, title=title, detail=str(e), rule=rule, refusal_code=code
            )

    return wrapped


def _who(request: Request) -> Principal:
    return request.state.principal  # set by page() before any handler runs


def _back(to: str, message: str) -> RedirectResponse:
    sep = "&" if "?" in to else "?"
    return RedirectResponse(f"{to}{sep}{urlencode({'msg': message})}", status_code=303)


def _local_path(to: str, default: str) -> str:
    """Only a path inside the console: a form's `back` never sends the browser elsewhere."""
    return to if to.startswith("/console/") and "//" not in to else default


def console_router() -> APIRouter:
    r = APIRouter(prefix="/console", include_in_schema=False)

    @r.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in STATIC:
            return Response(status_code=404)
        return FileResponse(HERE / "static" / name, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})

    # sign-in --------------------------------------------------------------------------
    @r.get("/login")
    async def login_page(request: Request, why: str = "") -> Response:
        people = DEMO_PEOPLE if demo_sign_in(request) else ()
        return render(request, "login.html", people=people, why=why)

    @r.post("/login")
    async def login(
        request: Request,
        token: str = Form(default="", max_length=8000),
        subject: str = Form(default="", max_length=100),
    ) -> Response:
        request.state.action = "console_sign_in"
        try:
            token = mint_demo(request, subject) if subject else token.strip()
            if request.app.state.identity is None:
                raise SignedOut("this server has no identity configured")
            who = request.app.state.identity.verify(token)
        except (SignedOut, BadCredential) as e:
            people = DEMO_PEOPLE if demo_sign_in(request) else ()
            return render(request, "login.html", 401, people=people, why=str(e) or "the token does not verify")
        request.state.principal = who
        audit(request, 303, Outcome.DONE)
        home = "/console/my" if who.role == Role.CUSTOMER else "/console/queue"
        response = RedirectResponse(home, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/console",
        )
        return response

    @r.post("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(COOKIE, path="/console")
        return response

    @r.get("")
    @r.get("/")
    @page
    async def home(request: Request) -> Response:
        return RedirectResponse("/console/my" if _who(request).role == Role.CUSTOMER else "/console/queue", 303)

    # the queue ---------------------------------------------------------------------------
    @r.get("/queue")
    @page
    async def queue(
        request: Request,
        kind: str = Query(default="", max_length=40),
        role: str = Query(default="", max_length=40),
        state: str = Query(default="", max_length=20),
        fragment: bool = False,
        msg: str = Query(default="", max_length=300),
    ) -> Response:
        who = _who(request)
        now = datetime.now(timezone.utc)
        rows = cases.approvals_queue(request.app.state.ctx, who.actor, now, all_pending=True)
        can_decide = allowed(who.role, Action.DECIDE)
        for row in rows:
            row["mine"] = can_decide and who.role.value in row["roles"] and row["approval_id"] != "needs-person"
            row["state"] = "overdue" if row["overdue"] else "waiting"
            row["due_in_s"] = (row["due_at"] - now).total_seconds() if row["due_at"] else None
        kinds = sorted({r["case_kind"] for r in rows})
        roles = sorted({x for r in rows for x in r["roles"]})
        shown = [
            r
            for r in rows
            if (not kind or r["case_kind"] == kind)
            and (not role or role in r["roles"])
            and (not state or r["state"] == state)
        ]
        # SLA due first; the needs-a-person cases have no due time and are overdue already
        far = datetime.max.replace(tzinfo=timezone.utc)
        shown.sort(key=lambda r: (not r["overdue"], r["due_at"] or far, r["requested_at"]))
        context: dict[str, Any] = dict(
            rows=shown,
            kinds=kinds,
            roles=roles,
            kind=kind,
            role=role,
            state=state,
            msg=msg,
            back="/console/queue?" + urlencode({"kind": kind, "role": role, "state": state}),
        )
        return render(request, "queue_rows.html" if fragment else "queue.html", **context)

    @r.post("/cases/{case_id}/approvals/{approval_id}")
    @page
    async def decide(
        request: Request,
        case_id: str,
        approval_id: str,
        decision: str = Form(pattern="^(approve|reject)$"),
        note_text: str = Form(default="", alias="note", max_length=1000),
        amount: str = Form(default="", max_length=20),
        back: str = Form(default="", max_length=500),
    ) -> Response:
        request.state.action = "decide"
        note(request, case_id=case_id)
        amount_fen = yuan_to_fen(amount) if amount.strip() else None
        await cases.decide_approval(
            request.app.state.ctx,
            _who(request).actor,
            case_id,
            approval_id,
            approve=decision == "approve",
            note=note_text,
            amount_fen=amount_fen,
        )
        audit(request, 303, Outcome.DONE)
        verb = "approved" if decision == "approve" else "rejected"
        return _back(_local_path(back, f"/console/cases/{case_id}"), f"{approval_id} on {case_id} {verb}")

    # a case -------------------------------------------------------------------------------
    @r.get("/cases/{case_id}")
    @page
    async def case_page(
        request: Request, case_id: str, fragment: bool = False, msg: str = Query(default="", max_length=300)
    ) -> Response:
        who = _who(request)
        ctx = request.app.state.ctx
        ref = await cases.find_case_for(ctx, who.actor, case_id)
        view = visible(who.role, await cases.case_view(ctx, case_id))
        # the timeline's entries are models, which visible() does not open: mask their details too
        view["timeline"] = [e.model_copy(update={"detail": visible(who.role, e.detail)}) for e in view["timeline"]]
        store = ctx.cases()
        order_id = (ref.row or {}).get("order_id") or ""
        pending = await cases.pending_approvals(ctx, ref)
        decisions = [
            dict(
                request=p,
                may=allowed(who.role, Action.DECIDE) and who.role in p.roles and who.actor.actor_id not in p.not_by,
                why_not=(p.not_by_reason if who.actor.actor_id in p.not_by else ""),
            )
            for p in pending
        ]
        answers = []
        if ref.running:
            for name, answer in ref.spec.answers.items():
                if name != "decide" and answer_refusal(who.role, name) is None:
                    answers.append(dict(name=name, help=answer.help, fields=fields_of(answer.model)))
        status = view.get("status")
        deadline = getattr(status, "next_deadline", None) if status else None
        parent = store.parent_of(case_id)
        context: dict[str, Any] = dict(
            ref=ref,
            view=view,
            row=ref.row or {},
            pending=decisions,
            answers=answers,
            parent=parent,
            customer=_pseudonym(ref.customer_id),
            status=status,
            deadline=deadline,
            msg=msg,
            deadline_in_s=(deadline - datetime.now(timezone.utc)).total_seconds() if deadline else None,
            ledger=store.ledger.entries(order_id) if order_id and who.role != Role.CUSTOMER else [],
            balance=_balance(store, order_id) if who.role != Role.CUSTOMER else None,
            customer_view=who.role == Role.CUSTOMER,
        )
        return render(request, "case_live.html" if fragment else "case.html", **context)

    @r.post("/cases/{case_id}/answers/{name}")
    @page
    async def answer(request: Request, case_id: str, name: str) -> Response:
        request.state.action = f"answer:{name}"
        note(request, case_id=case_id)
        who = _who(request)
        ctx = request.app.state.ctx
        ref = await cases.find_case_for(ctx, who.actor, case_id)
        spec_answer = ref.spec.answers.get(name)
        if spec_answer is None:
            raise NotFound(f"{ref.spec.kind.value} cases take no answer {name!r}")
        form: dict[str, str] = {}
        for key, value in (await request.form()).items():
            if isinstance(value, str):
                form[key] = value
            elif value.filename:  # a photo: kept here, the answer carries its reference
                form[key] = await _keep_evidence(request, value)
        await cases.answer_case(ctx, who.actor, case_id, name, data_from(spec_answer.model, form))
        audit(request, 303, Outcome.DONE)
        return _back(f"/console/cases/{case_id}", f"{name} sent")

    # the cases list -------------------------------------------------------------------------
    @r.get("/cases")
    @page
    async def case_list(
        request: Request,
        q: str = Query(default="", max_length=80),
        kind: str = Query(default="", max_length=40),
        after: str = Query(default="", max_length=140),
    ) -> Response:
        who = _who(request)
        if kind:
            try:
                spec_for(kind)
            except ValueError as e:
                raise Invalid(str(e)) from None
        cases.refuse(action_refusal(who.role, Action.READ_CASES))
        key = _page_key(after)
        rows = request.app.state.ctx.cases().page_cases(
            after=key, limit=PAGE_SIZE + 1, search=q.strip(), kind=kind or None, customer_id=who.customer_id
        )
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        next_after = f"{rows[-1]['opened_at'].isoformat()}|{rows[-1]['case_id']}" if more and rows else ""
        return render(
            request,
            "cases.html",
            rows=rows,
            q=q,
            kind=kind,
            kinds=[k.value for k in KINDS],
            next_after=next_after,
            first=not after,
        )

    # the dashboard ----------------------------------------------------------------------------
    @r.get("/dashboard")
    @page
    async def dashboard(request: Request, since: date | None = None, until: date | None = None) -> Response:
        who = _who(request)
        cases.refuse(action_refusal(who.role, Action.READ_METRICS))
        today = datetime.now(timezone.utc).date()
        since = since or today - timedelta(days=30)
        until = until or today
        start = datetime.combine(since, time(), timezone.utc)
        end = datetime.combine(until + timedelta(days=1), time(), timezone.utc)
        store = request.app.state.ctx.cases()
        report = Metrics(store, since=start, until=end).report()
        complaints = report["complaints"]
        pictures = [
            charts.bar_chart(
                "Handling time per kind (mean, opened → closed)",
                [charts.Bar(k, v["mean_s"], _duration(v["mean_s"])) for k, v in report["handling_time"].items()],
            ),
            charts.bar_chart(
                "SLA breaches per window",
                [charts.Bar(k, n, str(n)) for k, n in report["sla_breaches"].items()],
                empty="no breaches in this range",
            ),
            charts.rate_chart(
                "Complaints: first-contact resolution, escalation, repeat",
                {
                    "first contact": complaints["first_contact_resolution"],
                    "escalated": complaints["escalation_rate"],
                    "repeat": complaints["repeat_rate"],
                },
            ),
            charts.bar_chart(
                "Money paid by kind",
                [
                    charts.Bar(k, v["amount_fen"], format_fen(v["amount_fen"]))
                    for k, v in report["compensation_paid"].items()
                ],
                empty="nothing paid in this range",
            ),
            charts.bar_chart(
                "Daily completion rate (shipment tracking)",
                [
                    charts.Bar(str(c.report_date), c.rate_permille / 10, f"{c.rate_permille / 10:.1f} %")
                    for c in completion_reports(store, limit=31)
                    if since <= c.report_date <= until
                ],
                empty="no completion reports in this range",
            ),
        ]
        return render(request, "dashboard.html", since=since, until=until, pictures=pictures)

    # the customer's pages --------------------------------------------------------------------
    @r.get("/my")
    @page
    async def my_page(request: Request, msg: str = Query(default="", max_length=300)) -> Response:
        who = _who(request)
        if who.customer_id is None:
            return RedirectResponse("/console/queue", 303)
        store = request.app.state.ctx.cases()
        return render(
            request,
            "my.html",
            orders=store.orders_of(who.customer_id),
            cases=store.page_cases(customer_id=who.customer_id, limit=100),
            msg=msg,
            kinds=[(k.value, spec_for(k).title) for k in CUSTOMER_KINDS],
        )

    @r.get("/my/orders/{order_id}/open")
    @page
    async def open_form(
        request: Request, order_id: str, kind: str = Query(default="return_refund", max_length=40)
    ) -> Response:
        who = _who(request)
        order = _own_order(request, who, order_id)
        if kind not in {k.value for k in CUSTOMER_KINDS}:
            raise Invalid(f"open a {', '.join(k.value for k in CUSTOMER_KINDS)} case here")
        return render(
            request,
            "open.html",
            order=order,
            kind=kind,
            title=spec_for(kind).title,
            conditions=[c.value for c in DamageCondition],
        )

    @r.post("/my/orders/{order_id}/open")
    @page
    async def open_case(
        request: Request,
        order_id: str,
        kind: str = Form(max_length=40),
        reason: str = Form(default="", max_length=500),
        sku: list[str] = Form(default=[]),
        quantity: list[str] = Form(default=[]),
        condition: str = Form(default="", max_length=40),
        demand: str = Form(default="", max_length=500),
        photo: UploadFile | None = File(default=None),
    ) -> Response:
        request.state.action = "open"
        note(request, order_id=order_id)
        who = _who(request)
        _own_order(request, who, order_id)
        lines = [
            {"sku": s, "quantity": int(q)} for s, q in zip(sku, quantity, strict=False) if q.strip() not in ("", "0")
        ]
        doc: dict[str, Any] = {"kind": kind, "order_id": order_id, "reason": reason}
        if kind == CaseKind.RETURN_REFUND.value:
            doc["lines"] = lines or None
        elif kind == CaseKind.MISSING_ITEM.value:
            doc["missing"] = lines
        elif kind == CaseKind.DAMAGED_GOODS.value:
            doc["damaged"] = [{**line, "condition": condition} for line in lines]
        elif kind == CaseKind.COMPLAINT.value:
            doc["intake"] = {
                "reason": reason,
                "demand": demand,
                "customer_id": who.customer_id,
                "order_id": order_id,
                "occurred_at": datetime.now(timezone.utc).isoformat(),
            }
        evidence = await _keep_evidence(request, photo) if photo is not None and photo.filename else None
        inp = await cases.open_case(request.app.state.ctx, who.actor, {k: v for k, v in doc.items() if v is not None})
        case_id = inp.case.case_id
        note(request, case_id=case_id)
        audit(request, 303, Outcome.DONE)
        message = f"case {case_id} opened"
        if evidence:
            message += f"; photo kept as {evidence}"
            if "evidence" in spec_for(kind).answers:
                # the case asks for photos a moment after it opens; they go to it then
                ctx = request.app.state.ctx
                handle = (await ctx.temporal()).get_workflow_handle(inp.case.workflow_id)
                try:
                    if not await cases.reached(handle, Entry.EVIDENCE_REQUESTED, cases.ANSWER_TIMEOUT):
                        raise Invalid("the case did not ask for photos")
                    await cases.answer_case(
                        ctx, who.actor, case_id, "evidence", {"items": [{"kind": "photo", "uri": evidence}]}
                    )
                except ServiceError as e:
                    message += f"; send it from the case page ({e})"
        return _back(f"/console/cases/{case_id}", message)

    return r


def _own_order(request: Request, who: Principal, order_id: str) -> Any:
    order = request.app.state.ctx.cases().get_order(order_id)
    if order is None or order.customer_id != who.customer_id:
        raise NotFound(f"unknown order {order_id!r}")  # another customer's order is unknown to this one
    return order


async def _keep_evidence(request: Request, photo: StarletteUpload) -> str:
    """The photo in the data directory under its content hash; the case keeps the reference."""
    suffix = EVIDENCE_TYPES.get(photo.content_type or "")
    if suffix is None:
        raise Invalid("the photo must be a JPEG, PNG or WebP image")
    body = await photo.read(EVIDENCE_MAX_BYTES + 1)
    if len(body) > EVIDENCE_MAX_BYTES:
        raise Invalid("the photo is larger than 5 MB")
    digest = hashlib.sha256(body).hexdigest()
    folder = request.app.state.ctx.settings.data_dir / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}{suffix}").write_bytes(body)
    return f"evidence:sha256:{digest}{suffix}"


def _page_key(after: str) -> tuple[datetime, str] | None:
    if not after:
        return None
    at, _sep, case_id = after.partition("|")
    try:
        return datetime.fromisoformat(at), case_id
    except ValueError:
        raise Invalid("a bad page key; start again from the first page") from None


def _pseudonym(customer_id: str) -> str:
    """Staff see a stable pseudonym, never the customer's id (§6: customer data stays with the order)."""
    return "客户-" + hashlib.sha256(customer_id.encode()).hexdigest()[:6] if customer_id else "—"


def _balance(store: Any, order_id: str) -> Any:
    try:
        return store.ledger.balance(order_id) if order_id else None
    except LookupError:
        return None

"""Errors as application/problem+json (RFC 9457), one stable `type` per kind of error, and
the audit line every state-changing request leaves, allowed or refused. A 403 carries the
`rule` that refused it; a refusal by a domain validator carries its `code`
(domain/problems.py), so clients match on the code, not on the words of `detail`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.identity import Principal
from domain.audit import AuditEntry, Outcome
from service.errors import ServiceError
from store.audit import AuditLog

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:aftersales:problem:"
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


class Unauthenticated(ServiceError):
    status, slug, title = 401, "unauthenticated", "No valid credential"


def problem(request: Request, status: int, slug: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"WWW-Authenticate": 'Bearer realm="aftersales"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def note(request: Request, *, case_id: str = "", order_id: str = "") -> None:
    """What the request is about, for its audit line."""
    if case_id:
        request.state.case_id = case_id
    if order_id:
        request.state.order_id = order_id


def audit(request: Request, status: int, outcome: Outcome, *, rule: str = "", reason: str = "") -> None:
    """One audit line for a state-changing request; reads are not audited."""
    if request.method not in STATE_CHANGING:
        return
    principal: Principal | None = getattr(request.state, "principal", None)
    entry = AuditEntry(
        at=datetime.now(timezone.utc),
        actor_id=principal.actor.actor_id if principal else "",
        role=principal.role.value if principal else "",
        action=getattr(request.state, "action", request.url.path)[:60],
        case_id=getattr(request.state, "case_id", "")[:80],
        order_id=getattr(request.state, "order_id", "")[:64],
        outcome=outcome,
        status=status,
        rule=rule,
        reason=reason,
    )
    AuditLog(request.app.state.ctx.cases()).record(entry)


def install(app: FastAPI) -> None:
    """Every error becomes a problem document; a state-changing one also an audit line."""

    @app.exception_handler(ServiceError)
    async def _service(request: Request, e: ServiceError) -> JSONResponse:
        outcome = Outcome.FAILED if e.status >= 500 else Outcome.REFUSED
        audit(request, e.status, outcome, rule=e.rule, reason=str(e))
        extra: dict[str, Any] = {"rule": e.rule} if e.rule else {}
        if e.code:
            extra["code"] = e.code.value  # what the domain refused with, for clients to match on
        return problem(request, e.status, e.slug, e.title, str(e), **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, e: RequestValidationError) -> JSONResponse:
        errors = e.errors()
        malformed = any(err.get("type") in ("json_invalid", "model_attributes_type") for err in errors)
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        detail = f"{where}: {first.get('msg', 'invalid')}" + (
            f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        )
        status, slug, title = (
            (400, "malformed-request", "Malformed request") if malformed else (422, "invalid-field", "Invalid field")
        )
        audit(request, status, Outcome.REFUSED, reason=detail)
        return problem(
            request,
            status,
            slug,
            title,
            detail,
            errors=[
                {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))} for err in errors[:20]
            ],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(e.status_code, "http-error")
        audit(request, e.status_code, Outcome.REFUSED, reason=str(e.detail))
        return problem(request, e.status_code, slug, str(e.detail), str(e.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, e: Exception) -> JSONResponse:
        structlog.get_logger("api").exception("api_error", path=request.url.path)
        audit(request, 500, Outcome.FAILED, reason=type(e).__name__)
        return problem(request, 500, "internal-error", "Internal error", "the request failed; it is logged")

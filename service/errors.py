"""What can go wrong with a request, by kind: the API answers each with its own status
and problem type (RFC 9457), the CLI with one `aftersales: …` line and exit status 2."""

from __future__ import annotations

from domain.problems import Code


class ServiceError(Exception):
    """Bad input: malformed (400) unless a subclass says otherwise."""

    status = 400
    slug = "malformed-request"
    title = "Malformed request"

    def __init__(self, message: str, *, rule: str = "", code: Code | None = None):
        super().__init__(message)
        self.rule = rule
        self.code = code  # what a domain validator refused with (domain/problems.py), for callers to match on


class Forbidden(ServiceError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(ServiceError):
    """Unknown, or not yours: another customer's case is not found, not forbidden."""

    status, slug, title = 404, "not-found", "Not found"


class Conflict(ServiceError):
    """The case is in the wrong state, or the thing was already done."""

    status, slug, title = 409, "conflict", "Wrong state"


class Invalid(ServiceError):
    """Well-formed, but a field is invalid."""

    status, slug, title = 422, "invalid-field", "Invalid field"


class Unavailable(ServiceError):
    """No worker took it in time, or Temporal is unreachable: nothing was decided."""

    status, slug, title = 503, "no-worker", "Not taken"


def refusal_code(cause: BaseException | None) -> Code | None:
    """The code an Update validator refused with: workflows/refusals.py types the
    ApplicationError by it. None for anything else (an older worker's ValueError)."""
    kind = getattr(cause, "type", None)
    try:
        return Code(kind) if isinstance(kind, str) else None
    except ValueError:
        return None

"""One outside service over HTTP: every call has a timeout, and every failure is
classified. Timeouts, dropped connections, 5xx and our own misconfiguration (401, 403,
a 404 that names no order) are TransientError (Temporal retries them per the step's
policy); any other 4xx is a BusinessError with a type the workflow can branch on; a 2xx whose body is not what the API documents is MalformedResponse, never
taken at face value."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from adapters.errors import BusinessError, IdempotencyConflict, TransientError, UnknownOrder

DEFAULT_TIMEOUT_SECONDS = 10.0
RETRYABLE_STATUS = {408, 425, 429}
# Our side is set up wrong (credentials, base URL): retried until an operator fixes the
# configuration, rather than failing every case that happens to call meanwhile.
MISCONFIGURED_STATUS = {401, 403, 404}


class MalformedResponse(BusinessError):
    type = "MalformedResponse"


class RequestRejected(BusinessError):
    type = "RequestRejected"


class Service:
    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        if not base_url:
            raise ValueError(f"{name}: no base URL configured ({name.upper()}_URL)")
        self.name = name
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": "aftersales-engine/1"},
        )

    async def post(self, path: str, body: BaseModel, answer: Any, headers: dict[str, str] | None = None) -> Any:
        what = f"{self.name} POST {path}"
        try:
            response = await self.client.post(path, json=body.model_dump(mode="json"), headers=headers)
        except httpx.TimeoutException as e:
            raise TransientError(f"{what}: timed out ({type(e).__name__})") from e
        except httpx.TransportError as e:
            raise TransientError(f"{what}: {type(e).__name__}: {e}") from e
        return self._read(what, response, answer)

    def _read(self, what: str, response: httpx.Response, answer: Any) -> Any:
        status = response.status_code
        if status >= 500 or status in RETRYABLE_STATUS:
            raise TransientError(f"{what}: HTTP {status}")
        if status >= 400:
            message = f"{what}: HTTP {status}: {_problem(response)}"
            refusal = _refusal_type(response)
            if status == 404 and refusal == UnknownOrder.type:
                raise UnknownOrder(message)
            if status in MISCONFIGURED_STATUS:
                raise TransientError(f"{message} (check {self.name.upper()}_URL and credentials)")
            if status == 409:
                raise IdempotencyConflict(message)
            raise RequestRejected(message, type=refusal)
        if status != 200:
            raise MalformedResponse(f"{what}: unexpected HTTP {status}")
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise MalformedResponse(f"{what}: the answer is not JSON") from e
        try:
            if not (isinstance(answer, type) and issubclass(answer, BaseModel)):
                return TypeAdapter(answer).validate_python(body, strict=True)
            if not isinstance(body, dict):
                raise MalformedResponse(f"{what}: the answer is not a JSON object")
            # A tolerant reader: fields added by a newer API are ignored, documented ones are checked.
            return answer.model_validate({k: v for k, v in body.items() if k in answer.model_fields})
        except ValidationError as e:
            fields = ", ".join(".".join(map(str, err["loc"])) for err in e.errors()[:5])
            raise MalformedResponse(f"{what}: the answer does not match the API ({fields})") from e

    async def aclose(self) -> None:
        await self.client.aclose()


def _refusal_type(response: httpx.Response) -> str | None:
    """The service's own error type for a refusal, when it names one the workflow could
    branch on (an identifier, never "Transient"); otherwise RequestRejected."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and re.fullmatch(r"[A-Z][A-Za-z]{2,40}", error) and error != "Transient":
        return error
    return None


def _problem(response: httpx.Response) -> str:
    """The service's own words about a refusal, shortened: never the request echoed back."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:120]
    if isinstance(body, dict) and (body.get("error") or body.get("message")):
        return str(body.get("error") or "")[:60] + (
            ": " + str(body.get("message"))[:200] if body.get("message") else ""
        )
    return "no reason given"


def mismatch(what: str, **pairs: tuple[object, object]) -> None:
    """Raise MalformedResponse if the answer is about something other than what was asked."""
    wrong = [name for name, (asked, answered) in pairs.items() if asked != answered]
    if wrong:
        raise MalformedResponse(f"{what}: the answer is about another {', '.join(wrong)}")

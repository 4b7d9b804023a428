from __future__ import annotations

import httpx

from adapters.http.operations import speaks
from adapters.http.service import DEFAULT_TIMEOUT_SECONDS, Service
from adapters.platform import Platform


@speaks(Platform)
class HttpPlatform:
    """Every operation of the Platform Protocol, posted as adapters/http/operations.py describes."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.service = Service("platform", base_url, timeout=timeout, transport=transport)

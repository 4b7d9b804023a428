from __future__ import annotations

import httpx

from adapters.finance import Finance
from adapters.http.operations import speaks
from adapters.http.service import DEFAULT_TIMEOUT_SECONDS, Service


@speaks(Finance)
class HttpFinance:
    """Every operation of the Finance Protocol, posted as adapters/http/operations.py describes."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.service = Service("finance", base_url, timeout=timeout, transport=transport)

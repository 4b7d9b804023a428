"""Structured JSON logs with the case bound, and nothing private in the clear (§6)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import BaseModel

from domain.scrub import scrub

PRIVATE_KEYS = {
    "phone",
    "address",
    "paying_account",
    "account_ref",
    "account",
    "payment_account",
    "real_name",
    "account_id",
}
# Free-text patterns, most specific first: "alipay:<anything>", e-mail, card numbers,
# mobiles (+86, spaces or dashes allowed), landlines with an area code, and mainland
# addresses (a place name ending 省/市/区/县/镇 followed by a road, street or number).
_PATTERNS = [
    re.compile(r"(?i)\b(?:alipay|wechat|wxpay|bank|card)[:：]\s*\S+"),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"(?<!\d)\d{16,19}(?!\d)"),
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"),
    re.compile(r"(?<!\d)(?:\(0\d{2,3}\)\s?|0\d{2,3}[- ])\d{7,8}(?!\d)"),
    re.compile(r"[\u4e00-\u9fff]+(?:省|市|区|县|镇)\w*?(?:路|街|道|巷|弄|村|号)\w*"),
]
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    # and what the edge scrubber knows besides (ID numbers, full-width and spaced digits)
    return scrub(text)


def redact(value: Any) -> Any:
    if isinstance(value, BaseModel):  # an Order or a request logged whole
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {k: (REDACTED if str(k).lower() in PRIVATE_KEYS and v else redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v) for v in value)
    if isinstance(value, str):
        return redact_text(value)
    return value


def _redact_processor(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return redact(event_dict)


def configure(level: str = "info", stream: Any = None) -> None:
    """JSON lines on stderr for structlog and for stdlib loggers (Temporal's own and
    workflow.logger), every line through the redactor."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,  # tracebacks as text, so they are redacted too
        _redact_processor,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def case_logger(case_id: str, **bound: Any) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger("aftersales").bind(case_id=case_id, **bound)

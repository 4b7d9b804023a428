"""How an adapter says what went wrong. Activities turn these into Temporal errors:
transient ones are retried, business ones end the step with a type the workflow can branch on."""

from __future__ import annotations


class AdapterError(Exception):
    pass


class TransientError(AdapterError):
    """Worth retrying: timeouts, 5xx, dropped connections."""


class BusinessError(AdapterError):
    """Retrying cannot help: the other side said no."""

    type = "BusinessError"

    def __init__(self, message: str, *, type: str | None = None):
        super().__init__(message)
        if type:
            self.type = type


class IdempotencyConflict(BusinessError):
    type = "IdempotencyConflict"


class UnknownOrder(BusinessError):
    type = "UnknownOrder"

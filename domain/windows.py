"""A window from the rulebook, written the way the rulebook says it: "24h", "5d"
(calendar days, day 1 is the day after the start), "2wd" (working days), or
seconds and minutes for compressed demo and bench policies."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

Unit = Literal["s", "m", "h", "d", "wd"]
_SPEC = re.compile(r"^\s*(\d+)\s*(wd|s|m|h|d)\s*$")
_PLAIN = {"s": 1, "m": 60, "h": 3600}


class Window(BaseModel):
    model_config = ConfigDict(frozen=True)
    amount: int
    unit: Unit

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, str):
            m = _SPEC.match(value)
            if not m:
                raise ValueError(
                    f"window {value!r}: write a whole number and a unit "
                    "(s, m, h, d for calendar days, wd for working days), e.g. '24h' or '2wd'"
                )
            return {"amount": int(m.group(1)), "unit": m.group(2)}
        return value

    @model_validator(mode="after")
    def _positive(self) -> Window:
        if self.amount <= 0:
            raise ValueError("a window must be longer than zero")
        return self

    @model_serializer
    def _as_spec(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def is_plain(self) -> bool:
        """Plain windows are wall-clock durations; d and wd end at the end of a day."""
        return self.unit in _PLAIN

    @property
    def plain(self) -> timedelta:
        if not self.is_plain:
            raise ValueError(f"{self} is counted in days; use the calendar")
        return timedelta(seconds=self.amount * _PLAIN[self.unit])

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

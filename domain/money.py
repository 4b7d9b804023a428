"""Money is integer fen. Percentages are whole percent. Rounding always goes down,
so a computed payout never exceeds what the rule allows."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Fen = Annotated[int, Field(ge=0, description="amount in fen (1 yuan = 100 fen)")]

FEN_PER_YUAN = 100


def yuan(amount: int) -> int:
    return amount * FEN_PER_YUAN


def percent_of(amount_fen: int, percent: int) -> int:
    if amount_fen < 0 or percent < 0:
        raise ValueError("amount and percent must not be negative")
    return amount_fen * percent // 100


def pro_rata(total_fen: int, part: int, whole: int) -> int:
    """The share of total_fen that part/whole stands for, rounded down."""
    if whole <= 0:
        raise ValueError("whole must be positive")
    if not 0 <= part <= whole:
        raise ValueError("part must lie between 0 and whole")
    return total_fen * part // whole


def format_fen(amount_fen: int) -> str:
    sign = "-" if amount_fen < 0 else ""
    a = abs(amount_fen)
    return f"{sign}¥{a // 100}.{a % 100:02d}"

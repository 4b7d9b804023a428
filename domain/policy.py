"""The policy table of rulebook §2–§3 as one typed, versioned object.

A case's workflow input carries the snapshot it started under, so a history always
replays under the policy it began with, whatever the file says today."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.calendar import WorkingCalendar
from domain.money import Fen
from domain.windows import Window

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"

_MICROSECOND = timedelta(microseconds=1)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Windows(Frozen):
    """Every clock of rulebook §2. A missing or misspelt name is a load error."""

    backfill: Window  # S4 §1: stock backfill for a held order
    held_unshipped: Window  # S4 §1: held order still not shipped
    ship_target: Window  # S4 §13
    platform_ship: Window  # S3, S4 §13: the 72 h rule
    sign_target: Window  # S4 §6, §13
    not_signed_tracking_start: Window  # S4 2.4
    no_logistics_update: Window  # S2
    courier_final_answer: Window  # S2
    after_sales_node: Window  # S2 rule 11
    return_refund: Window  # S4 §10: refund by day 5
    manual_refund_review: Window  # S4 §9
    manual_refund_payment: Window  # S4 §9
    compensation_payout: Window  # S4 §9
    missing_invoice: Window  # S4 §2
    wrong_invoice: Window  # S4 §2
    vat_invoice: Window  # S4 §2
    abnormal_sign_off: Window  # S4 §8
    platform_answer: Window  # S4 §12
    second_line_callback: Window  # S4 §12
    agent_contact: Window  # S0
    agent_appeal: Window  # S0
    exchange_shipped_back: Window  # S2
    repair_returned: Window  # S2
    negative_review: Window  # S2
    oversold_check: Window  # S4 2.2: platform answers in 1-2 days
    customer_answer: Window  # how long an offer waits before the default outcome
    evidence: Window  # how long a case waits for photos
    evidence_reminder: Window  # when the customer is reminded to send them
    invoice_mail_back: Window = Field(  # S4 §2: a wrong invoice not mailed back by then closes the case
        default=Window.model_validate("14d"), description="how long a case waits for a wrong invoice to come back"
    )


# the outside systems a case waits on that can push their events (adapters/http/pushes.py)
PushingSystem = Literal["warehouse", "platform", "courier"]


class Polling(Frozen):
    """How often a waiting case asks an outside system; not a rulebook clock."""

    return_receipt: Window
    refund_lead: Window = Field(description="pay this long before the refund deadline")
    outside_status: Window = Field(
        default=Window.model_validate("1h"),
        description="how often a held, oversold or tracked order asks about stock, dispatch or the platform's answer",
    )
    history_limit: int = Field(
        default=2000,
        ge=100,
        le=50_000,
        description="a run waiting on an outside system continues as new before its history reaches this many events",
    )
    pushed: tuple[PushingSystem, ...] = Field(
        default=(),
        description="outside systems whose events reach a waiting case as pushes (the webhooks service)",
    )
    safety_net: Window = Field(
        default=Window.model_validate("6h"),
        description="how often a wait on a pushing system still asks it, in case a push was lost",
    )

    @model_validator(mode="after")
    def _plain_safety_net(self) -> Polling:
        if not self.safety_net.is_plain:
            raise ValueError("safety_net is counted in hours, minutes or seconds, not days")
        return self

    def every(self, system: str, interval: timedelta) -> timedelta:
        """How often a wait on `system` asks it. A system that pushes wakes the wait
        itself, so asking at the poll rate would only cost activity attempts (server and
        worker CPU, issue 14): it is asked at the safety net's slower rate, never faster
        than the wait's own interval."""
        if system in self.pushed:
            return max(interval, self.safety_net.plain)
        return interval

    @staticmethod
    def to_deadline(remaining: timedelta, every: timedelta) -> timedelta:
        """The retry interval of a poll `remaining` from its deadline: `every`, shortened
        so a whole number of intervals ends on the deadline (rounded up to the millisecond,
        never before it), where the last attempt looks as of the deadline
        (workflows/waits.py). A deadline nearer than `every` is one interval away."""
        us, every_us = remaining // _MICROSECOND, max(1, every // _MICROSECOND)
        attempts = max(1, -(-us // every_us))
        return timedelta(milliseconds=max(1, -(-us // (attempts * 1000))))


class Situation(StrEnum):
    STOCK_DELAY = "stock_delay"
    PLATFORM_72H = "platform_72h"
    STOCK_OUT = "stock_out"
    OVERSOLD_PAID = "oversold_paid"
    OVERSOLD_UNPAID = "oversold_unpaid"
    DELIVERY_DELAY = "delivery_delay"
    MISSING_ITEM = "missing_item"
    GOODS_FAULT = "goods_fault"
    PROMO_PAID = "promo_paid"
    PROMO_UNPAID = "promo_unpaid"


class Tier(StrEnum):
    FIRST_LINE = "first_line"
    SECOND_LINE = "second_line"
    PLATFORM = "platform"


CompensationKind = Literal["coupon", "cash", "refund_difference"]


class TierOffer(Frozen):
    kinds: tuple[CompensationKind, ...] = Field(min_length=1, description="preferred first")
    min_percent: int = Field(default=0, ge=0, le=100)
    max_percent: int = Field(default=0, ge=0, le=100)
    cap_fen: Fen | None = None
    fixed_fen: Fen | None = Field(default=None, description="a set amount, e.g. the 10 yuan coupon")

    @model_validator(mode="after")
    def _range(self) -> TierOffer:
        if self.min_percent > self.max_percent:
            raise ValueError("min_percent exceeds max_percent")
        return self


class CompensationRule(Frozen):
    situation: Situation
    source: str
    first_line: TierOffer | None = None
    second_line: TierOffer | None = None


class Policy(Frozen):
    version: str = Field(min_length=1)
    calendar: WorkingCalendar = WorkingCalendar()
    windows: Windows
    polling: Polling
    reship_cutoff_hour: int = Field(default=20, ge=0, le=23, description="S4 §1, §11")
    compensation: tuple[CompensationRule, ...]

    @model_validator(mode="after")
    def _one_rule_per_situation(self) -> Policy:
        seen = [r.situation for r in self.compensation]
        missing = set(Situation) - set(seen)
        if missing:
            raise ValueError(f"no compensation rule for: {', '.join(sorted(missing))}")
        if len(seen) != len(set(seen)):
            raise ValueError("each situation has exactly one compensation rule")
        return self

    def rule(self, situation: Situation) -> CompensationRule:
        for r in self.compensation:
            if r.situation == situation:
                return r
        raise KeyError(situation)


class PolicyError(ValueError):
    pass


# Decoded policies, one object per distinct snapshot (see shared_policy).
_SHARED: dict[str, Policy] = {}
SHARED_LIMIT = 64  # distinct snapshots kept; a worker sees a handful (one per policy version)


def shared_policy(data: Any, mode: str, validate: Callable[[Any], Policy]) -> Policy:
    """The policy `data` decodes to, decoded once per distinct snapshot and shared.

    Every case's input carries its policy snapshot, and a decoded Policy is ~44 KB of
    Python objects and ~170 µs of validation: a worker holding 1,000 waiting cases held
    1,000 equal copies. A Policy is immutable all the way down (frozen models and
    tuples), so one object can serve every case that began under the same snapshot.
    Only what a payload decodes to (JSON mode: plain JSON values) is shared, keyed by
    its text; a Policy or a dict built in Python is validated as it is."""
    if mode != "json":
        return validate(data)
    key = json.dumps(data, separators=(",", ":"))
    if (known := _SHARED.get(key)) is not None:
        return known
    policy = validate(data)  # a snapshot that does not validate raises here and is not kept
    if len(_SHARED) >= SHARED_LIMIT:
        _SHARED.clear()
    _SHARED[key] = policy
    return policy


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"policy file {path} is not valid TOML: {e}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = first["msg"].removeprefix("Value error, ")
        raise PolicyError(f"policy file {path}: {where + ': ' if where else ''}{msg}") from None


def named_policy(name: str) -> Policy:
    """`default`, `demo` or `bench` from policies/, or a path to a TOML file."""
    candidate = Path(name)
    if candidate.suffix != ".toml":
        candidate = POLICY_DIR / f"{name}.toml"
    return load_policy(candidate)

"""Scripted outcomes per order and the faults a simulator injects."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.errors import TransientError
from domain.findings import DeliveryState
from domain.models import LineQuantity, Order
from domain.windows import Window


class Scenario(BaseModel):
    """What happens to one order out there. Times are measured from the pickup booking."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _wall_clock(self) -> Scenario:
        # the simulators add these to a timestamp; a "5d" would fail every call, retried forever
        for name, value in self:
            if isinstance(value, Window) and not value.is_plain:
                raise ValueError(f"{name} = {value}: scenario times are wall-clock (s, m, h), e.g. '168h'")
        return self

    pickup_fails: int = Field(default=0, ge=0, description="pickup bookings that fail before one succeeds")
    payment_fails: int = Field(default=0, ge=0, description="payment calls that fail before one succeeds")
    receive_after: Window | None = Field(
        default=None, description="goods reach the warehouse this long after pickup booking"
    )
    parcel_lost: bool = False
    # held orders, oversold orders, shipment tracking and reships (§4.1, §4.11, §4.13)
    backfill_after: Window | None = Field(
        default=None, description="backfilled stock arrives this long after the request; None: never"
    )
    ship_after: Window | None = Field(
        default=None, description="the order leaves the warehouse this long after it was placed; None: not yet"
    )
    original_can_ship: bool = Field(default=False, description="the warehouse could still send the original order")
    oversold: bool = Field(
        default=False, description="paid but never reached the warehouse (the 17:00 export lists it)"
    )
    platform_answer_after: Window | None = Field(
        default=Window.model_validate("4h"),
        description="the platform answers an oversold check this long after it; None: never",
    )
    can_ship: bool = Field(default=False, description="the platform's answer: the oversold order can ship after all")
    # processes-b: delivery, sign-off, missing-item and barcode outcomes (§4.3–§4.8)
    delivery: DeliveryState | None = Field(default=None, description="lost, damaged or nobody_home; None: in transit")
    signed_after: Window | None = Field(default=None, description="signed this long after shipping; None: not yet")
    signer_name: str | None = Field(default=None, description="who signed, as the courier's slip says")
    signer_slip_photo: bool = False
    split_shipment: bool = False
    short_lines: tuple[LineQuantity, ...] = ()
    barcode_matches_received: bool = False
    barcode_has_gift: bool = False


def scenario_for(scenarios: dict[str, Scenario], order_id: str) -> Scenario:
    """The order's scenario; an order copied for one demo run (`<order>.<run>.<n>`)
    behaves as the order it was copied from."""
    return scenarios.get(order_id) or scenarios.get(order_id.split(".", 1)[0]) or Scenario()


class SimulatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = 7
    latency_ms: int = Field(default=0, ge=0)
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0, description="share of calls failing transiently")
    default_receive_after: Window = Window.model_validate("48h")
    scenarios: dict[str, Scenario] = Field(default_factory=dict)
    orders: tuple[Order, ...] = Field(default=(), description="the order source's orders the daily sweeps look through")
    pushes: bool = Field(
        default=False, description="push each event to the waiting case when it happens (a real server's clock)"
    )

    def scenario(self, order_id: str) -> Scenario:
        return scenario_for(self.scenarios, order_id)

    @classmethod
    def from_file(cls, path: str | Path) -> SimulatorConfig:
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


class FaultInjector:
    """Decides each call's fate from (seed, operation, key, attempt), so a run is the
    same whatever order concurrent calls arrive in."""

    def __init__(self, config: SimulatorConfig, system: str):
        self.config, self.system = config, system
        self.attempts: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    async def call(self, operation: str, key: str, scripted_failures: int = 0) -> int:
        """Count the attempt, wait the latency, and raise if this attempt fails."""
        slot = f"{operation}:{key}"
        self.attempts[slot] += 1
        attempt = self.attempts[slot]
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000)
        if attempt <= scripted_failures:
            self.injected[operation] += 1
            raise TransientError(f"{self.system} {operation} failed (scripted {attempt}/{scripted_failures})")
        if self.config.failure_rate and self._roll(slot, attempt) < self.config.failure_rate:
            self.injected[operation] += 1
            raise TransientError(f"{self.system} {operation} failed (injected)")
        return attempt

    def _roll(self, slot: str, attempt: int) -> float:
        digest = hashlib.sha256(f"{self.config.seed}:{self.system}:{slot}:{attempt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

"""Faults the simulator service injects, set at run time through /admin/faults.
Each call's fate follows from (seed, system, operation, key, attempt), so a run is the
same whatever order concurrent calls arrive in."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.simulators.scenario import Scenario, scenario_for
from domain.windows import Window

System = Literal["warehouse", "courier", "payment", "platform", "finance", "catalogue"]
EVERY_SYSTEM: tuple[System, ...] = ("warehouse", "courier", "payment", "platform", "finance", "catalogue")
Fate = Literal["ok", "error", "timeout", "lost", "scripted"]


class FaultSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: int = 7
    latency_ms: int = Field(default=0, ge=0, description="added to every call")
    error_rate: float = Field(default=0.0, ge=0, le=1, description="share of calls answered 503, nothing done")
    timeout_rate: float = Field(default=0.0, ge=0, le=1, description="share of calls that hang, nothing done")
    lost_rate: float = Field(
        default=0.0, ge=0, le=1, description="share of calls whose effect happens but whose answer never arrives"
    )
    hang_seconds: float = Field(default=30.0, ge=0, description="how long a timeout or lost answer hangs")
    delay_after_effect_ms: dict[System, int] = Field(
        default_factory=dict, description="per system: wait this long after the effect, before answering"
    )
    systems: list[System] = Field(default_factory=lambda: list(EVERY_SYSTEM), description="where the rates apply")
    default_receive_after: Window = Window.model_validate("48h")
    scenarios: dict[str, Scenario] = Field(default_factory=dict, description="scripted outcomes per order id")
    unknown_orders: list[str] = Field(default_factory=list, description="orders the services answer 404 for")
    webhook_url: str = Field(
        default="",
        description="the webhooks service's base URL: every push kind is posted to <url>/<system>/<event>; empty: none",
    )
    webhook_token: str = Field(default="", description="the HMAC key that signs each webhook (X-Webhook-Signature)")

    @model_validator(mode="after")
    def _rates(self) -> FaultSettings:
        if self.error_rate + self.timeout_rate + self.lost_rate > 1:
            raise ValueError("error_rate + timeout_rate + lost_rate must not exceed 1")
        return self

    def scenario(self, order_id: str) -> Scenario:
        return scenario_for(self.scenarios, order_id)


class Faults:
    def __init__(self, settings: FaultSettings | None = None):
        self.settings = settings or FaultSettings()
        self.attempts: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.retries: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()

    async def fate(self, system: System, operation: str, key: str, scripted_failures: int = 0) -> Fate:
        """Count the attempt, wait the latency, and say what happens to this call."""
        s = self.settings
        slot = f"{system}.{operation}:{key}"
        self.attempts[slot] += 1
        attempt = self.attempts[slot]
        self.calls[f"{system}.{operation}"] += 1
        if attempt > 1:
            self.retries[f"{system}.{operation}"] += 1
        if s.latency_ms:
            await asyncio.sleep(s.latency_ms / 1000)
        fate: Fate = "ok"
        if attempt <= scripted_failures:
            fate = "scripted"
        elif system in s.systems:
            roll = self._roll(slot, attempt)
            if roll < s.error_rate:
                fate = "error"
            elif roll < s.error_rate + s.timeout_rate:
                fate = "timeout"
            elif roll < s.error_rate + s.timeout_rate + s.lost_rate:
                fate = "lost"
        if fate != "ok":
            self.injected[f"{system}.{fate}"] += 1
        return fate

    async def hang(self) -> None:
        await asyncio.sleep(self.settings.hang_seconds)

    async def after_effect(self, system: System) -> None:
        delay = self.settings.delay_after_effect_ms.get(system, 0)
        if delay:
            await asyncio.sleep(delay / 1000)

    def stats(self) -> dict[str, object]:
        return {
            "calls": dict(self.calls),
            "retries": dict(self.retries),
            "injected": dict(self.injected),
            "faults_injected": sum(self.injected.values()),
            "retries_seen": sum(self.retries.values()),
        }

    def _roll(self, slot: str, attempt: int) -> float:
        digest = hashlib.sha256(f"{self.settings.seed}:{slot}:{attempt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

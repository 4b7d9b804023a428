"""The daily sweeps in the simulated week: the order source holds a few late and oversold
orders each day, and the 09:00 tracking export, the 10:00 completion report and the
17:00 oversold export run at their shop-time hours, as the Schedules of
`aftersales schedules ensure` would start them (the time-skipping server runs no
Schedules). The supervisors answer the approvals the swept cases ask for."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle

from adapters.simulators.scenario import Scenario
from bench.drivers import approve_everything, bench_order
from bench.inbox import Inbox
from bench.people import BenchDesk
from domain.models import Order
from domain.policy import Policy
from domain.sweeps import SWEEP_HOURS, ReportInput, SweepInput, SweepKind, SweepResult
from domain.windows import Window

# A late order ships inside the 48 h target but after the 09:00 export that lists it
# (at most 37 h after it was placed), so its tracking case closes on time.
LATE_SHIPS_AFTER = Window.model_validate("40h")


def sweep_orders(start: datetime, days: int, per_day: int) -> tuple[tuple[Order, ...], dict[str, Scenario]]:
    """`per_day` late and `per_day` oversold orders placed each day from the day before
    `start` on, spread over the day."""
    orders: list[Order] = []
    scenarios: dict[str, Scenario] = {}
    for day in range(-1, days):
        for i in range(per_day):
            placed = start + timedelta(days=day, hours=(i * 24 / per_day) % 24)
            for late in (True, False):
                order = bench_order(900_000 + len(orders)).model_copy(update={"paid_at": placed})
                orders.append(order)
                scenarios[order.order_id] = Scenario(ship_after=LATE_SHIPS_AFTER) if late else Scenario(oversold=True)
    return tuple(orders), scenarios


class SweepClock:
    def __init__(self, client: Client, policy: Policy, task_queue: str, inbox: Inbox, people: Callable[[Any], None]):
        self.client, self.policy, self.task_queue, self.inbox, self.people = client, policy, task_queue, inbox, people
        self.done: set[tuple[str, date]] = set()
        self.runs: Counter[str] = Counter()
        self.opened = 0

    async def run_due(self, now: datetime) -> None:
        """Start each job whose shop-time hour this is, once per shop day."""
        cal = self.policy.calendar
        today, hour = cal.local_date(now), (now.hour + cal.utc_offset_hours) % 24
        for job, at in SWEEP_HOURS.items():
            if hour != at or (job, today) in self.done:
                continue
            self.done.add((job, today))
            if job == "completion_report":
                handle = await self.client.start_workflow(
                    "DailyCompletionReport",
                    ReportInput(policy=self.policy),
                    id=f"report-completion-{today}",
                    task_queue=self.task_queue,
                )
                await finished(handle)
            else:
                handle = await self.client.start_workflow(
                    "DailySweep",
                    SweepInput(kind=SweepKind(job), policy=self.policy),
                    id=f"sweep-{job}-{today}",
                    task_queue=self.task_queue,
                    result_type=SweepResult,
                )
                result: SweepResult = await finished(handle)
                self.opened += len(result.opened)
                for case_id in result.opened:
                    self.people(approve_everything(BenchDesk(self.inbox, self.client), case_id))
            self.runs[job] += 1

    def summary(self) -> str:
        return (
            ", ".join(f"{job} {SWEEP_HOURS[job]:02d}:00 x{self.runs[job]}" for job in SWEEP_HOURS)
            + f"; {self.opened} cases opened by the exports"
        )


async def finished(handle: WorkflowHandle) -> Any:
    """The result once the run has completed. Awaiting result() directly would let the
    test server skip time, and the week moves time itself."""
    for _ in range(1000):
        if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
            return await handle.result()
        await asyncio.sleep(0.02)
    raise TimeoutError(f"{handle.id} did not finish")

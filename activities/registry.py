"""Every activity group the worker registers. A new outside system adds its class here,
with a factory taking (store, outside)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.case_records import CaseRecordActivities
from activities.complaints import ComplaintActivities
from activities.catalogue import CatalogueActivities
from activities.finance import FinanceActivities
from adapters.simulators.catalogue import CatalogueSimulator
from adapters.simulators.finance import FinanceSimulator
from activities.courier import CourierActivities
from activities.payment import PaymentActivities
from activities.platform import PlatformActivities
from activities.reports import ReportActivities
from activities.sweeps import SweepActivities
from activities.warehouse import WarehouseActivities
from adapters.simulators.platform import PlatformSimulator

GROUPS: list[Callable[[Any, Any], object]] = [
    lambda store, outside: CaseRecordActivities(store),
    lambda store, outside: ComplaintActivities(store),
    lambda store, outside: PaymentActivities(outside.payment, store),
    lambda store, outside: CourierActivities(outside.courier),
    lambda store, outside: WarehouseActivities(outside.warehouse),
    # finance (invoices) and the catalogue (listings) are optional on Outside too
    lambda store, outside: FinanceActivities(getattr(outside, "finance", None) or FinanceSimulator(outside.config)),
    lambda store, outside: CatalogueActivities(getattr(outside, "catalogue", None) or CatalogueSimulator(outside.config)),
    # the platform is optional on Outside: without one, its simulator on the same config
    lambda store, outside: PlatformActivities(getattr(outside, "platform", None) or PlatformSimulator(outside.config)),
    lambda store, outside: ReportActivities(store),
    lambda store, outside: SweepActivities(),
]


def activities_for(store: Any, outside: Any) -> list[Any]:
    found = []
    for make in GROUPS:
        group = make(store, outside)
        for name in dir(group):
            member = getattr(group, name)
            if hasattr(member, "__temporal_activity_definition"):
                found.append(member)
    return found

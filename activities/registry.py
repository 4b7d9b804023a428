"""Every activity group the worker registers. A new outside system adds its class here,
with a factory taking (store, outside); a group that pseudonymises or decrypts personal
data takes the keyring too (KEYED_GROUPS)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.case_records import CaseRecordActivities
from activities.complaints import ComplaintActivities
from activities.catalogue import CatalogueActivities
from activities.finance import FinanceActivities
from activities.courier import CourierActivities
from activities.payment import PaymentActivities
from activities.platform import PlatformActivities
from activities.reports import ReportActivities
from activities.sweeps import LateOrderActivities, SweepActivities
from activities.warehouse import WarehouseActivities
from runtime.codec import Sealer
from runtime.keys import Keyring, load_keyring
from store.vault import Vault

GROUPS: list[Callable[[Any, Any], object]] = [
    lambda store, outside: CaseRecordActivities(store),
    lambda store, outside: ComplaintActivities(store),
    lambda store, outside: CourierActivities(outside.courier),
    lambda store, outside: WarehouseActivities(outside.warehouse),
    lambda store, outside: CatalogueActivities(outside.catalogue),
    lambda store, outside: PlatformActivities(outside.platform),
    lambda store, outside: ReportActivities(store),
    lambda store, outside: SweepActivities(),
]

KEYED_GROUPS: list[Callable[[Any, Any, Keyring], object]] = [
    lambda store, outside, keyring: LateOrderActivities(outside.warehouse, keyring.pseudonym_secret),
    lambda store, outside, keyring: PaymentActivities(outside.payment, store, Vault(store, Sealer(keyring))),
    lambda store, outside, keyring: FinanceActivities(outside.finance, Vault(store, Sealer(keyring))),
]


def activities_for(store: Any, outside: Any, keyring: Keyring | None = None) -> list[Any]:
    keyring = keyring or load_keyring()
    found = []
    groups = [make(store, outside) for make in GROUPS] + [make(store, outside, keyring) for make in KEYED_GROUPS]
    for group in groups:
        for name in dir(group):
            member = getattr(group, name)
            if hasattr(member, "__temporal_activity_definition"):
                found.append(member)
    return found

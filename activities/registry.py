"""Every activity the worker registers, by an explicit list of bound methods (not by
looking for the SDK's private marker on every attribute). A group that pseudonymises
or decrypts personal data is given the keyring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.case_records import CaseRecordActivities
from activities.catalogue import CatalogueActivities
from activities.complaints import ComplaintActivities
from activities.courier import CourierActivities
from activities.finance import FinanceActivities
from activities.payment import PaymentActivities
from activities.platform import PlatformActivities
from activities.reports import ReportActivities
from activities.sweeps import LateOrderActivities, SweepActivities
from activities.warehouse import WarehouseActivities
from runtime.codec import Sealer
from runtime.keys import Keyring, load_keyring
from store.vault import Vault


def activities_for(store: Any, outside: Any, keyring: Keyring | None = None) -> list[Callable[..., Any]]:
    """Every activity the worker registers, named one by one: a new activity method is
    added here too, and tests/test_activity_registry.py fails while a workflow calls a
    name no worker registers."""
    keyring = keyring or load_keyring()
    vault = Vault(store, Sealer(keyring))
    records = CaseRecordActivities(store)
    complaints = ComplaintActivities(store)
    courier = CourierActivities(outside.courier)
    warehouse = WarehouseActivities(outside.warehouse)
    catalogue = CatalogueActivities(outside.catalogue)
    platform = PlatformActivities(outside.platform)
    reports = ReportActivities(store)
    sweeps = SweepActivities()
    late_orders = LateOrderActivities(outside.warehouse, keyring.pseudonym_secret)
    payment = PaymentActivities(outside.payment, store, vault)
    finance = FinanceActivities(outside.finance, vault)
    return [
        records.open_case,
        records.record_case_event,
        records.record_timeline,
        complaints.find_prior_complaints,
        complaints.record_complaint_outcome,
        complaints.read_agent_record,
        complaints.record_penalty,
        courier.book_pickup,
        courier.check_delivery,
        courier.notify_courier,
        courier.fetch_signer_proof,
        warehouse.check_return_receipt,
        warehouse.poll_return_receipt,
        warehouse.check_shipment,
        warehouse.check_barcode,
        warehouse.request_backfill,
        warehouse.check_stock,
        warehouse.poll_stock,
        warehouse.dispatch_order,
        warehouse.check_dispatch,
        warehouse.poll_dispatch,
        warehouse.list_late_orders,
        catalogue.fix_listing,
        platform.check_oversold,
        platform.poll_oversold,
        platform.place_reship,
        platform.close_order,
        reports.write_completion_report,
        sweeps.open_sweep_case,
        late_orders.list_late_orders_for_cases,
        payment.pay_refund,
        payment.grant_compensation,
        finance.issue_invoice,
    ]

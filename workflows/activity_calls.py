"""Workflow-side calls to activities, by name, each with its timeouts and retry policy.
Calling by name keeps the activities' imports (SQLAlchemy, HTTP) out of the sandbox."""

from __future__ import annotations

from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

from domain.agent_complaints import AgentRecord, PenaltyEntry, RecordQuery
from domain.complaints import ComplaintRecord, PriorQuery
from domain.external import PaymentReceipt, PaymentRequest, PickupBooking, PickupRequest, ReceiptQuery, ReceiptStatus
from domain.findings import (
    BarcodeCheck,
    BarcodeQuery,
    CourierAck,
    CourierNotice,
    DeliveryQuery,
    DeliveryStatus,
    InvoiceIssue,
    InvoiceReceipt,
    ListingFix,
    ListingFixAck,
    ShipmentCheck,
    ShipmentQuery,
    SignerProof,
    SignerQuery,
)
from domain.fulfilment import (
    BackfillRequest,
    BackfillTicket,
    CloseOrderRequest,
    DispatchQuery,
    DispatchReceipt,
    DispatchRequest,
    DispatchStatus,
    LateOrderQuery,
    LateOrders,
    OversoldAnswer,
    OversoldCheck,
    ReshipOrder,
    ReshipOrderRequest,
    StockQuery,
    StockStatus,
)
from domain.models import CaseEvent, CaseOpening, TimelineBatch
from domain.sweeps import CompletionQuery, CompletionReport, SweepCase
from runtime.activity_timeouts import STEPS, StepSettings

T = TypeVar("T")

NON_RETRYABLE = ["IdempotencyConflict", "UnknownOrder", "BusinessError"]


def retry_policy(s: StepSettings) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=s.initial_interval,
        backoff_coefficient=s.backoff,
        maximum_interval=s.maximum_interval,
        maximum_attempts=s.maximum_attempts,
        non_retryable_error_types=NON_RETRYABLE,
    )


async def call(activity: str, system: str, arg: Any, result_type: type[T]) -> T:
    s = STEPS[system]
    return await workflow.execute_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=s.start_to_close,
        schedule_to_close_timeout=s.schedule_to_close,
        heartbeat_timeout=s.heartbeat,
        retry_policy=retry_policy(s),
    )


# Timeline writes are short, idempotent and go to our own database: as local activities
# they cost no server round trip and no extra workflow task each (bench/README.md).
# Retired (docs/architecture.md, "Retiring a patch"): deprecated, only the local path is
# left; the runs that wrote by regular activity are archived in tests/retired_histories/.
STORE_WRITES_LOCAL = "store-writes-local-activities"


# Timeline entries queued by CaseFile and written together, one local activity (one
# transaction) each time the case waits; runs begun before write one entry at a time.
TIMELINE_BATCHES = "timeline-batches"


async def call_local(activity: str, system: str, arg: Any, result_type: type[T]) -> T:
    s = STEPS[system]
    return await workflow.execute_local_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=s.start_to_close,
        schedule_to_close_timeout=s.schedule_to_close,
        retry_policy=retry_policy(s),
    )


async def open_case(opening: CaseOpening) -> bool:
    workflow.deprecate_patch(STORE_WRITES_LOCAL)
    return await call_local("open_case", "store", opening, bool)


async def record_case_event(event: CaseEvent) -> bool:
    workflow.deprecate_patch(STORE_WRITES_LOCAL)
    return await call_local("record_case_event", "store", event, bool)


async def record_timeline(batch: TimelineBatch) -> int:
    return await call_local("record_timeline", "store", batch, int)


async def pay_refund(request: PaymentRequest) -> PaymentReceipt:
    return await call("pay_refund", "payment", request, PaymentReceipt)


async def grant_compensation(request: PaymentRequest) -> PaymentReceipt:
    return await call("grant_compensation", "payment", request, PaymentReceipt)


async def book_pickup(request: PickupRequest) -> PickupBooking:
    return await call("book_pickup", "courier", request, PickupBooking)


async def check_return_receipt(query: ReceiptQuery) -> ReceiptStatus:
    return await call("check_return_receipt", "warehouse", query, ReceiptStatus)


# -- held orders, oversold orders, shipment tracking, reships, daily sweeps (processes-a) --


async def request_backfill(request: BackfillRequest) -> BackfillTicket:
    return await call("request_backfill", "warehouse", request, BackfillTicket)


async def check_stock(query: StockQuery) -> StockStatus:
    return await call("check_stock", "warehouse", query, StockStatus)


async def dispatch_order(request: DispatchRequest) -> DispatchReceipt:
    return await call("dispatch_order", "warehouse", request, DispatchReceipt)


async def check_dispatch(query: DispatchQuery) -> DispatchStatus:
    return await call("check_dispatch", "warehouse", query, DispatchStatus)


async def list_late_orders(query: LateOrderQuery) -> LateOrders:
    return await call("list_late_orders", "warehouse", query, LateOrders)


# Sweeps begun before this change listed the warehouse's orders whole (phone, address,
# paying account) into their history; after it, the list comes ready for the cases.
SWEEP_CASE_ORDERS = "sweep-case-orders"


async def list_late_orders_for_cases(query: LateOrderQuery) -> LateOrders:
    return await call("list_late_orders_for_cases", "warehouse", query, LateOrders)


async def check_oversold(check: OversoldCheck) -> OversoldAnswer:
    return await call("check_oversold", "platform", check, OversoldAnswer)


async def place_reship(request: ReshipOrderRequest) -> ReshipOrder:
    return await call("place_reship", "platform", request, ReshipOrder)


async def close_order(request: CloseOrderRequest) -> bool:
    return await call("close_order", "platform", request, bool)


async def write_completion_report(query: CompletionQuery) -> CompletionReport:
    return await call("write_completion_report", "store", query, CompletionReport)


async def open_sweep_case(case: SweepCase) -> bool:
    return await call("open_sweep_case", "store", case, bool)


# -- processes-b: courier, warehouse, finance and catalogue checks (§4.2–§4.8) --


async def check_delivery(query: DeliveryQuery) -> DeliveryStatus:
    return await call("check_delivery", "courier", query, DeliveryStatus)


async def notify_courier(notice: CourierNotice) -> CourierAck:
    return await call("notify_courier", "courier", notice, CourierAck)


async def fetch_signer_proof(query: SignerQuery) -> SignerProof:
    return await call("fetch_signer_proof", "courier", query, SignerProof)


async def check_shipment(query: ShipmentQuery) -> ShipmentCheck:
    return await call("check_shipment", "warehouse", query, ShipmentCheck)


async def check_barcode(query: BarcodeQuery) -> BarcodeCheck:
    return await call("check_barcode", "warehouse", query, BarcodeCheck)


async def issue_invoice(issue: InvoiceIssue) -> InvoiceReceipt:
    return await call("issue_invoice", "finance", issue, InvoiceReceipt)


async def fix_listing(fix: ListingFix) -> ListingFixAck:
    return await call("fix_listing", "catalogue", fix, ListingFixAck)


# -- complaints: our own store's complaint and agent records (§4.12, §5) --


async def find_prior_complaints(query: PriorQuery) -> list[str]:
    return await call("find_prior_complaints", "store", query, list[str])


async def record_complaint_outcome(record: ComplaintRecord) -> bool:
    return await call("record_complaint_outcome", "store", record, bool)


async def read_agent_record(query: RecordQuery) -> AgentRecord:
    return await call("read_agent_record", "store", query, AgentRecord)


async def record_penalty(entry: PenaltyEntry) -> bool:
    return await call("record_penalty", "store", entry, bool)

"""The simulator service: the warehouse, courier, payment provider, sales platform,
finance and catalogue over HTTP, one ASGI app with a path prefix per system
(/warehouse/v1, /courier/v1, /payment/v1, ...) and an admin API (/admin) to set faults
at run time and read what was injected."""

from __future__ import annotations

import hashlib
import inspect
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from adapters.catalogue import Catalogue
from adapters.courier import Courier
from adapters.errors import BusinessError, IdempotencyConflict, TransientError, UnknownOrder
from adapters.finance import Finance
from adapters.http.operations import operations, path_of
from adapters.payment import Payment
from adapters.platform import Platform
from adapters.simulators import CourierSimulator, PaymentSimulator, SimulatorConfig, WarehouseSimulator
from adapters.simulators.catalogue import CatalogueSimulator
from adapters.simulators.finance import FinanceSimulator
from adapters.simulators.platform import PlatformSimulator
from adapters.simulators.pushes import Announced
from adapters.simulators.service.faults import Faults, FaultSettings, System
from adapters.simulators.service.state import KeyConflict, SimulatorState
from adapters.simulators.service.webhooks import WebhookPusher
from adapters.warehouse import Warehouse
from domain.external import PaymentReceipt, PaymentRequest, PickupBooking, PickupRequest, ReceiptQuery, ReceiptStatus

PROTOCOLS: dict[System, type] = {
    "warehouse": Warehouse,
    "courier": Courier,
    "payment": Payment,
    "platform": Platform,
    "finance": Finance,
    "catalogue": Catalogue,
}
SIMULATORS: dict[System, Any] = {
    "warehouse": WarehouseSimulator,
    "courier": CourierSimulator,
    "payment": PaymentSimulator,
    "platform": PlatformSimulator,
    "finance": FinanceSimulator,
    "catalogue": CatalogueSimulator,
}
SERVICES: tuple[System, ...] = tuple(PROTOCOLS)


class Problem(BaseModel):
    """Every refusal and failure: a stable error type and a readable message."""

    error: str
    message: str


class LedgerEntry(BaseModel):
    payment_id: str
    idempotency_key: str
    case_id: str
    order_id: str
    kind: str
    amount_fen: int
    paid_at: str


class Unanswered(Exception):
    def __init__(self, status: int, error: str, message: str):
        self.status, self.error, self.message = status, error, message


PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "UnknownOrder: the order is not known here"},
    503: {"model": Problem, "description": "Unavailable: nothing was done; retry"},
}


def create_app(database_url: str, faults: FaultSettings | None = None, world: SimulatorConfig | None = None) -> FastAPI:
    """`world` is what the in-process simulators know beyond the faults (the order source's
    orders for the daily sweeps); give a SIMULATOR_CONFIG file through faults_from()."""
    app = FastAPI(title="Aftersales outside-world simulators", version="1")
    state = SimulatorState(database_url)
    injector = Faults(faults)
    # The in-process simulators answer the other operations; faults are injected by this
    # service, so theirs stay off.
    world = (world or SimulatorConfig()).model_copy(update={"failure_rate": 0.0, "latency_ms": 0})
    _share(injector.settings, world)
    systems = {name: make(world) for name, make in SIMULATORS.items()}
    # every event the simulators announce is posted to webhook_url, signed (webhooks.py)
    pusher = WebhookPusher(injector)
    for simulator in systems.values():
        if hasattr(simulator, "announced"):
            simulator.announced.pusher = pusher
    pickups = Announced()  # the pickup bookings live in this service's tables, not the courier simulator's
    pickups.pusher = pusher
    app.state.sim, app.state.faults = state, injector

    @app.exception_handler(Unanswered)
    async def _unanswered(_: Request, e: Unanswered) -> JSONResponse:
        return JSONResponse({"error": e.error, "message": e.message}, status_code=e.status)

    async def before(system: System, operation: str, key: str, order_id: str, scripted: int = 0) -> str:
        if order_id in injector.settings.unknown_orders:
            raise Unanswered(404, "UnknownOrder", f"order {order_id} is not known to the {system}")
        fate = await injector.fate(system, operation, key, scripted)
        if fate in ("error", "scripted"):
            raise Unanswered(503, "Unavailable", f"{system} {operation} failed ({fate})")
        if fate == "timeout":
            await injector.hang()
            raise Unanswered(504, "Timeout", f"{system} {operation} timed out")
        return fate

    async def after(system: System, fate: str) -> None:
        if fate == "lost":
            await injector.hang()
            raise Unanswered(504, "Timeout", f"{system}: the answer was lost")
        await injector.after_effect(system)

    warehouse = APIRouter(prefix="/warehouse/v1", tags=["warehouse"])

    @warehouse.post("/receipt-queries", response_model=ReceiptStatus, responses=PROBLEMS, operation_id="returnReceipt")
    async def return_receipt(query: ReceiptQuery) -> ReceiptStatus:
        """Has the returned parcel of this pickup reached the warehouse by `as_of`?"""
        booking = query.booking
        fate = await before(
            "warehouse", "return_receipt", f"{booking.booking_id}@{query.as_of.isoformat()}", booking.order_id
        )
        scenario = injector.settings.scenario(booking.order_id)
        if scenario.parcel_lost:
            status = ReceiptStatus(
                booking_id=booking.booking_id, received=False, lost=True, note="parcel lost in transit"
            )
        else:
            arrives = _arrival(injector.settings, booking)
            status = (
                ReceiptStatus(booking_id=booking.booking_id, received=True, received_at=arrives)
                if query.as_of >= arrives
                else ReceiptStatus(booking_id=booking.booking_id, received=False)
            )
        await after("warehouse", fate)
        return status

    courier = APIRouter(prefix="/courier/v1", tags=["courier"])

    @courier.post("/pickups", response_model=PickupBooking, responses=PROBLEMS, operation_id="bookPickup")
    async def book_pickup(request: PickupRequest) -> PickupBooking:
        """Book a return pickup; booking the same case again returns the first booking."""
        scripted = injector.settings.scenario(request.order_id).pickup_fails
        fate = await before("courier", "book_pickup", request.case_id, request.order_id, scripted)
        booking = state.book_pickup(request)
        announce(booking)
        await after("courier", fate)
        return booking

    def announce(booking: PickupBooking) -> None:
        """The warehouse tells the engine when the goods arrive (unless the parcel is lost)."""
        s = injector.settings
        if not s.scenario(booking.order_id).parcel_lost:
            pickups.once("warehouse", "goods-received", booking.case_id, _arrival(s, booking))

    payment = APIRouter(prefix="/payment/v1", tags=["payment"])

    @payment.post(
        "/payments",
        response_model=PaymentReceipt,
        operation_id="pay",
        responses={
            **PROBLEMS,
            409: {"model": Problem, "description": "IdempotencyConflict: key used for another request"},
            422: {"description": "the request is malformed or the key header does not match the body"},
        },
    )
    async def pay(request: PaymentRequest, idempotency_key: str = Header(alias="Idempotency-Key")) -> PaymentReceipt:
        """Pay once per Idempotency-Key (kept at least 24 h): the same key and request answer
        with the first receipt; the same key with a different request is refused with 409."""
        if idempotency_key != request.idempotency_key:
            raise Unanswered(422, "IdempotencyKeyMismatch", "the Idempotency-Key header does not match the body")
        scripted = injector.settings.scenario(request.order_id).payment_fails
        fate = await before("payment", "pay", request.idempotency_key, request.order_id, scripted)
        try:
            receipt, _ = state.pay(request)
        except KeyConflict as e:
            raise Unanswered(409, "IdempotencyConflict", str(e)) from e
        await after("payment", fate)
        return receipt

    @payment.get("/ledger", response_model=list[LedgerEntry], operation_id="ledger")
    async def ledger() -> list[dict[str, Any]]:
        """Every payment made, in order: what an audit compares against the cases."""
        return state.ledger()

    admin = APIRouter(prefix="/admin", tags=["admin"])

    @admin.get("/faults", response_model=FaultSettings)
    async def get_faults() -> FaultSettings:
        return injector.settings

    @admin.put("/faults", response_model=FaultSettings)
    async def set_faults(settings: FaultSettings) -> FaultSettings:
        """Replace the fault settings; attempt counters carry on."""
        injector.settings = settings
        _share(settings, world)
        return settings

    @admin.patch("/faults", response_model=FaultSettings)
    async def change_faults(changes: dict[str, Any]) -> FaultSettings:
        """Change only the settings named, e.g. {"error_rate": 0.2}; the rest stay."""
        try:
            settings = FaultSettings.model_validate({**injector.settings.model_dump(), **changes})
        except ValidationError as e:
            raise Unanswered(422, "InvalidFaults", str(e)) from e
        return await set_faults(settings)

    @admin.get("/stats")
    async def stats() -> dict[str, object]:
        return injector.stats()

    @app.get("/health", tags=["admin"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    routers = {"warehouse": warehouse, "courier": courier, "payment": payment}
    for system in SERVICES:
        routers.setdefault(system, APIRouter(prefix=f"/{system}/v1", tags=[system]))
    explicit = {"return_receipt", "book_pickup", "pay"}
    for system, protocol in PROTOCOLS.items():
        for name, (request_model, answer) in operations(protocol).items():
            if name not in explicit:
                routers[system].add_api_route(
                    f"/{path_of(name)}",
                    _forwarding(system, name, request_model, systems[system], before, after),
                    methods=["POST"],
                    response_model=answer,
                    responses=PROBLEMS,
                    operation_id=_camel(name),
                    summary=name.replace("_", " "),
                    description=inspect.getdoc(getattr(protocol, name)) or "",
                )
    for router in [*routers.values(), admin]:
        app.include_router(router)
    return app


def _arrival(settings: FaultSettings, booking: PickupBooking) -> datetime:
    """When the returned goods reach the warehouse: a while after the pickup booking."""
    return (
        booking.booked_at + (settings.scenario(booking.order_id).receive_after or settings.default_receive_after).plain
    )


def faults_from(config: SimulatorConfig) -> FaultSettings:
    """The in-process simulators' configuration (SIMULATOR_CONFIG) as this service's faults:
    the same seed, latency, scenarios, and its failure rate as 5xx answers."""
    return FaultSettings(
        seed=config.seed,
        latency_ms=config.latency_ms,
        error_rate=config.failure_rate,
        default_receive_after=config.default_receive_after,
        scenarios=config.scenarios,
    )


def _share(settings: FaultSettings, world: SimulatorConfig) -> None:
    world.seed, world.scenarios = settings.seed, settings.scenarios
    world.default_receive_after = settings.default_receive_after


def _forwarding(
    system: System, name: str, request_model: type[BaseModel], simulator: Any, before: Any, after: Any
) -> Any:
    """An endpoint answering one Protocol operation through the in-process simulator."""

    async def endpoint(request: Any) -> Any:
        key = hashlib.sha256(request.model_dump_json().encode()).hexdigest()[:16]
        fate = await before(system, name, key, str(getattr(request, "order_id", "")))
        try:
            answer = await getattr(simulator, name)(request)
        except TransientError as e:
            raise Unanswered(503, "Unavailable", str(e)) from e
        except BusinessError as e:
            status = 404 if isinstance(e, UnknownOrder) else 409 if isinstance(e, IdempotencyConflict) else 422
            raise Unanswered(status, e.type, str(e)) from e
        await after(system, fate)
        return answer

    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=request_model)]
    )
    endpoint.__name__ = name
    return endpoint


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def openapi_for(app: FastAPI, service: str) -> dict[str, Any]:
    """The OpenAPI document of one system: its own paths and the schemas they use."""
    full = app.openapi()
    prefix = f"/{service}/"
    doc = {k: v for k, v in full.items() if k not in ("paths", "components")}
    doc["info"] = {**full["info"], "title": f"{service} API (as the after-sales engine uses it)"}
    doc["paths"] = {p: ops for p, ops in full["paths"].items() if p.startswith(prefix)}
    doc["servers"] = [{"url": "/", "description": f"base URL: set {service.upper()}_URL to <host>{prefix}v1"}]
    schemas = full.get("components", {}).get("schemas", {})
    doc["components"] = {"schemas": {name: schemas[name] for name in sorted(_referenced(doc["paths"], schemas))}}
    return doc


def _referenced(node: Any, schemas: dict[str, Any], found: set[str] | None = None) -> set[str]:
    found = set() if found is None else found
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _referenced(schemas.get(name, {}), schemas, found)
        for value in node.values():
            _referenced(value, schemas, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, schemas, found)
    return found

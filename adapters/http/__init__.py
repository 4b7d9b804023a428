"""The outside systems over HTTP (httpx): the same Protocols as the in-process
simulators, against the APIs documented in docs/openapi/."""
from adapters.http.courier import HttpCourier
from adapters.http.payment import HttpPayment
from adapters.http.warehouse import HttpWarehouse

__all__ = ["HttpCourier", "HttpPayment", "HttpWarehouse"]

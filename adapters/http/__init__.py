"""The outside systems over HTTP (httpx): the same Protocols as the in-process
simulators, against the APIs documented in docs/openapi/."""

from adapters.http.catalogue import HttpCatalogue
from adapters.http.courier import HttpCourier
from adapters.http.finance import HttpFinance
from adapters.http.payment import HttpPayment
from adapters.http.platform import HttpPlatform
from adapters.http.warehouse import HttpWarehouse

__all__ = ["HttpCatalogue", "HttpCourier", "HttpFinance", "HttpPayment", "HttpPlatform", "HttpWarehouse"]

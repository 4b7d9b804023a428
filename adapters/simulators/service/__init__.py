"""The outside world as HTTP services: what the HTTP adapters talk to in tests, demos
and the compose stack, until real services take their place."""

from adapters.simulators.service.app import create_app
from adapters.simulators.service.faults import FaultSettings

__all__ = ["FaultSettings", "create_app"]

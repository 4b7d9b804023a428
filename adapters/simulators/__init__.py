"""In-process simulators of the warehouse, courier and payment provider: deterministic
by seed, with latency, a failure rate and scripted outcomes per order."""

from adapters.simulators.courier import CourierSimulator
from adapters.simulators.payment import PaymentSimulator
from adapters.simulators.scenario import Scenario, SimulatorConfig
from adapters.simulators.warehouse import WarehouseSimulator

__all__ = ["CourierSimulator", "PaymentSimulator", "Scenario", "SimulatorConfig", "WarehouseSimulator"]

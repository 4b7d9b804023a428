"""Interfaces to the outside world (warehouse, courier, payment) and their simulators."""

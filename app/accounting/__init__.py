"""Accounting: cost basis (FIFO, LIFO, HIFO, average cost) and P&L as pure functions."""

from app.accounting.cost_basis import (
    DEFAULT_METHOD,
    METHODS,
    Accountant,
    Acquisition,
    Consumption,
    Disposal,
    Event,
    Holding,
    OpenLot,
    OversoldError,
    RealisedDisposal,
    Report,
    compute,
    unrealised,
    unrealised_by_position,
)
from app.accounting.money import to_decimal

__all__ = [
    "DEFAULT_METHOD", "METHODS", "Accountant", "Acquisition", "Consumption", "Disposal", "Event", "Holding",
    "OpenLot", "OversoldError", "RealisedDisposal", "Report", "compute", "to_decimal",
    "unrealised", "unrealised_by_position",
]

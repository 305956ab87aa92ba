"""Which vault-share lots a withdrawal takes, by the cost-basis method in use (pure).

A lot is ``(id, quantity, remaining, cost_asset)`` in base units, in acquisition order; its
remaining cost is ``cost_asset * remaining / quantity``. FIFO takes the oldest first, LIFO the
newest, HIFO the highest cost per share; average takes from every lot in proportion to what
remains (so what is left keeps the position's average cost) and costs the shares at that average."""

from __future__ import annotations

from collections.abc import Sequence

from app.accounting import METHODS
from app.errors import InvalidInput

Lot = tuple[int, int, int, int]   # id, quantity, remaining, cost_asset


def take_lots(lots: Sequence[Lot], shares: int, method: str) -> tuple[list[tuple[int, int]], int]:
    """([(lot id, shares taken)...], asset cost of the shares taken). Shares beyond the lots
    are taken at no cost (the position holds more than its recorded lots)."""
    if method not in METHODS:
        raise InvalidInput(f"unknown cost-basis method {method!r}; one of {', '.join(sorted(METHODS))}")
    open_lots = [lot for lot in lots if lot[2] > 0]
    if method == "average":
        return _average(open_lots, shares)
    if method == "lifo":
        ordered = list(reversed(open_lots))
    elif method == "hifo":  # cost per share, highest first; ties: oldest first (a stable sort)
        ordered = sorted(open_lots, key=lambda lot: -(lot[3] * 10**36 // lot[1]))
    else:
        ordered = open_lots
    taken, cost, left = [], 0, shares
    for lot_id, quantity, remaining, cost_asset in ordered:
        if left <= 0:
            break
        take = min(left, remaining)
        taken.append((lot_id, take))
        cost += cost_asset * take // quantity
        left -= take
    return taken, cost


def _average(lots: list[Lot], shares: int) -> tuple[list[tuple[int, int]], int]:
    total = sum(lot[2] for lot in lots)
    if total == 0 or shares <= 0:
        return [], 0
    shares_in_lots = min(shares, total)
    remaining_cost = sum(cost_asset * remaining // quantity for _id, quantity, remaining, cost_asset in lots)
    taken, given = [], 0
    for lot_id, _quantity, remaining, _cost in lots:
        take = remaining * shares_in_lots // total
        taken.append([lot_id, take])
        given += take
    for entry, lot in zip(taken, lots, strict=True):  # what rounding left, oldest first
        extra = min(shares_in_lots - given, lot[2] - entry[1])
        entry[1] += extra
        given += extra
    return [(i, t) for i, t in taken if t > 0], remaining_cost * shares_in_lots // total

"""Splitting one leg across several routes (pure), in the style of Uniswap's router: every route
of the leg is quoted at fractions of the leg's amount (5% steps), and the allocation of whole
steps to routes that delivers the most, net of the gas each extra swap costs, is chosen.

Routes that share a pool are never combined within a leg (the second would trade at the price
the first left, which its own quote does not know). Legs are allocated one by one, so routes
of different legs that share a pool (the WETH/USDC pool that every via-USDC route crosses) are
not independent either: the planner simulates the exact transaction and keeps the split only if
the simulation confirms it delivers more than the single best route.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations

from app.index.quotes import Route, RouteQuote

SPLIT_STEPS = (20, 10, 5)   # 5% steps, coarser when a basket is large (see grid_steps)
MAX_PARTS = 3               # routes per leg at most (Uniswap's router allows more; 3 covers the gain)
MAX_ROUTES = 8              # routes per leg the allocator combines (the best at a small size)
MAX_GRID_QUOTES = 2400      # quotes of a whole basket's grid: ~0.6 s on anvil, one JSON-RPC batch
SPLIT_ROUTES_SETTING = "index_split_routes"   # false: each leg through one route


@dataclass(frozen=True)
class SplitQuote:
    """A leg bought through several routes in the same transaction: one swap per part, each
    with its own amount and minimum. Reads like a RouteQuote for totals."""

    parts: tuple[RouteQuote, ...]   # largest share first

    @property
    def amount_in(self) -> int:
        return sum(p.amount_in for p in self.parts)

    @property
    def amount_out(self) -> int:
        return sum(p.amount_out for p in self.parts)

    @property
    def gas_estimate(self) -> int:
        return sum(p.gas_estimate for p in self.parts)

    @property
    def route(self) -> Route:
        """The largest part's route."""
        return self.parts[0].route

    @property
    def at_mid(self) -> Fraction:
        return sum((p.at_mid for p in self.parts), Fraction(0))

    @property
    def price_impact(self) -> Fraction:
        """Shortfall of the parts together against their mid prices after pool fees."""
        at_mid = self.at_mid
        return Fraction(0) if at_mid == 0 else max(Fraction(0), 1 - Fraction(self.amount_out) / at_mid)

    @property
    def lp_fee_share(self) -> Fraction:
        """The share of the leg's input the pools keep, over the parts."""
        total = self.amount_in
        return Fraction(0) if not total else sum(
            (p.amount_in * p.route.lp_fee_share for p in self.parts), Fraction(0)) / total


def grid_steps(routes_per_leg: Sequence[int], budget: int = MAX_GRID_QUOTES) -> int | None:
    """The finest step count whose grid (every route of every leg with two or more routes, at
    each step) fits the quote budget; None: quote each route at the whole amount only."""
    splittable = sum(n for n in routes_per_leg if n >= 2)
    for steps in SPLIT_STEPS:
        if splittable * steps <= budget:
            return steps
    return None


def grid_amounts(amount: int, steps: int) -> list[int]:
    """The amounts each route is quoted at: k/steps of ``amount``, k = 1..steps (the last is
    ``amount`` itself)."""
    return [amount * k // steps for k in range(1, steps + 1)]


def best_split(amount: int, grid: dict[Route, Sequence[RouteQuote | None]], out_per_gas: Fraction,
               max_parts: int = MAX_PARTS) -> SplitQuote | None:
    """The allocation of ``amount`` over the routes in ``grid`` (each route's quotes at
    ``grid_amounts(amount, steps)``; None where a quote failed) that delivers the most, net of
    each part's gas (``gas_estimate * out_per_gas``, in output base units). None when one route
    alone does best. The parts' amounts add up to ``amount`` exactly: the largest part takes
    the rounding, keeping the quote of its (at most steps - 1 base units smaller) grid amount,
    which can only understate what it delivers."""
    steps = len(next(iter(grid.values()), ()))
    if steps < 2 or len(grid) < 2:
        return None

    def net(quote: RouteQuote | None) -> int | None:
        if quote is None or quote.amount_out <= 0:
            return None
        return quote.amount_out - int(quote.gas_estimate * out_per_gas)

    values = {route: [net(q) for q in quotes] for route, quotes in grid.items()}
    # the routes worth combining: the best at the smallest size, i.e. at their marginal price
    ranked = sorted((r for r in values if values[r][0] is not None), key=lambda r: values[r][0], reverse=True)
    ranked = ranked[:MAX_ROUTES]
    best: tuple[int, tuple[tuple[Route, int], ...]] | None = None
    for size in range(1, max_parts + 1):
        for subset in combinations(ranked, size):
            if not _disjoint(subset):
                continue
            found = _allocate(subset, values, steps)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
    if best is None or len(best[1]) < 2:
        return None
    allocation = sorted(best[1], key=lambda part: -part[1])
    parts = [grid[route][k - 1] for route, k in allocation]
    rest = amount - sum(p.amount_in for p in parts[1:])
    parts[0] = dataclasses.replace(parts[0], amount_in=rest)
    return SplitQuote(tuple(parts))


def _disjoint(routes: Sequence[Route]) -> bool:
    seen: set = set()
    for route in routes:
        if seen & route.pools:
            return False
        seen |= route.pools
    return True


def _allocate(routes: Sequence[Route], values: dict[Route, list[int | None]],
              steps: int) -> tuple[int, tuple[tuple[Route, int], ...]] | None:
    """Every route in ``routes`` gets at least one step, all ``steps`` are used: the best total
    (a small knapsack over the grid)."""
    table: dict[int, tuple[int, tuple[tuple[Route, int], ...]]] = {0: (0, ())}
    for route in routes:
        nxt: dict[int, tuple[int, tuple[tuple[Route, int], ...]]] = {}
        for used, (total, chosen) in table.items():
            for k in range(1, steps - used + 1):
                value = values[route][k - 1]
                if value is None:
                    continue
                candidate = (total + value, chosen + ((route, k),))
                if used + k not in nxt or candidate[0] > nxt[used + k][0]:
                    nxt[used + k] = candidate
        table = nxt
    return table.get(steps)

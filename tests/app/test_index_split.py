"""Splitting a leg across routes (pure): the allocator over a grid of quotes, and how a split
leg reads in the preview. Quotes come from a constant-product pool model (x*y = k with the
pool's fee), so the numbers are what a pool of that depth would give, not chosen by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from app.index.preview import LegInput, PreviewInput, build_index_preview, leg_min_out, min_out
from app.index.quotes import Route, RouteQuote
from app.index.split import SplitQuote, best_split, grid_amounts, grid_steps

WETH, USDC, TOK = "0x" + "11" * 20, "0x" + "33" * 20, "0x" + "22" * 20
PRICE = 2  # TOK base units per WETH base unit, at mid


def pool_out(amount_in: int, reserve_in: int, fee: int) -> int:
    """A constant-product pool holding ``reserve_in`` and ``reserve_in * PRICE``."""
    reserve_out = reserve_in * PRICE
    after_fee = amount_in * (1_000_000 - fee) // 1_000_000
    return reserve_out * after_fee // (reserve_in + after_fee)


def grid_of(amount: int, steps: int, routes: dict[Route, tuple[int, int]], gas: int = 100_000) -> dict:
    """Each route's quotes at every step; ``routes``: route -> (reserve in, fee of its one pool)."""
    return {r: [RouteQuote(r, a, pool_out(a, reserve, fee), gas) for a in grid_amounts(amount, steps)]
            for r, (reserve, fee) in routes.items()}


def direct(fee: int) -> Route:
    return Route((WETH, TOK), (fee,), Fraction(PRICE))


def via_usdc(fee1: int, fee2: int) -> Route:
    return Route((WETH, USDC, TOK), (fee1, fee2), Fraction(PRICE))


def test_two_equal_pools_halve_the_impact():
    amount, reserve = 10**21, 10**22      # the leg is 10% of each pool
    a, b = direct(3000), direct(10000)
    grid = grid_of(amount, 20, {a: (reserve, 3000), b: (reserve, 3000)})  # same depth and fee
    split = best_split(amount, grid, Fraction(0))
    assert isinstance(split, SplitQuote) and {p.route for p in split.parts} == {a, b}
    assert [p.amount_in for p in split.parts] == [amount // 2, amount // 2]
    single = grid[a][-1]
    assert split.amount_out > single.amount_out
    # half the size in each pool: about half the impact
    assert split.price_impact < single.price_impact * Fraction(55, 100)
    assert split.price_impact > single.price_impact * Fraction(45, 100)


def test_one_pool_that_dominates_is_not_split():
    amount = 10**18
    grid = grid_of(amount, 20, {direct(500): (10**24, 500), direct(10000): (10**20, 10000)})
    assert best_split(amount, grid, Fraction(0)) is None


def test_a_split_must_pay_for_its_extra_swaps():
    amount, reserve = 10**18, 10**22      # tiny against the pools: splitting gains almost nothing
    grid = grid_of(amount, 20, {direct(3000): (reserve, 3000), direct(10000): (reserve, 3000)})
    assert best_split(amount, grid, Fraction(0)) is not None      # free gas: any gain is taken
    # 1 gwei a gas unit, in TOK at the mid price: an extra 100k-gas swap costs 2e14 TOK units,
    # more than halving a 0.01% impact on 2e18 gains (~1e14)
    assert best_split(amount, grid, Fraction(PRICE * 10**9)) is None


def test_routes_sharing_a_pool_are_never_combined():
    amount, reserve = 10**21, 10**22
    shared_a, shared_b = via_usdc(500, 3000), via_usdc(3000, 3000)  # both cross USDC/TOK 0.3%
    assert shared_a.pools & shared_b.pools
    grid = grid_of(amount, 20, {shared_a: (reserve, 3000), shared_b: (reserve, 3000)})
    assert best_split(amount, grid, Fraction(0)) is None
    grid[direct(3000)] = grid_of(amount, 20, {direct(3000): (reserve, 3000)})[direct(3000)]
    split = best_split(amount, grid, Fraction(0))
    routes = [p.route for p in split.parts]
    assert direct(3000) in routes and not (shared_a in routes and shared_b in routes)


def test_parts_add_up_to_the_leg_exactly_and_failed_quotes_are_skipped():
    amount, reserve = 10**21 + 7, 10**22
    a, b, c = direct(500), direct(3000), direct(10000)
    grid = grid_of(amount, 20, {a: (reserve, 500), b: (reserve, 500), c: (reserve, 500)})
    grid[c] = [None] * 20                # a route the quoter could not quote
    split = best_split(amount, grid, Fraction(0))
    assert split.amount_in == amount and c not in {p.route for p in split.parts}
    assert split.parts[0].amount_in >= split.parts[-1].amount_in


def test_the_grid_fits_the_quote_budget():
    assert grid_steps([4, 3, 1], budget=2400) == 20
    assert grid_steps([4] * 60, budget=2400) == 10        # 240 routes: 10% steps
    assert grid_steps([4] * 200, budget=2400) is None      # too many: one quote per route
    assert grid_steps([1] * 500, budget=2400) == 20        # one route each: nothing to split
    assert grid_amounts(100, 4) == [25, 50, 75, 100]


def test_a_split_leg_in_the_preview_lists_its_parts():
    amount, reserve = 10**21, 10**22
    a, b = direct(3000), via_usdc(500, 3000)
    grid = grid_of(amount, 20, {a: (reserve * 3, 3000), b: (reserve, 3000)})
    split = best_split(amount, grid, Fraction(0))
    assert split is not None and len(split.parts) == 2
    simulated = split.amount_out - 5  # the exact transaction delivers a little less
    preview = build_index_preview(PreviewInput(
        basket="B", pay_symbol="ETH", pay_decimals=18, pay_price_usd=Decimal(2000), eth_price_usd=Decimal(2000),
        amount_in=amount, platform_fee_bps=0, platform_fee=0, slippage_bps=50,
        legs=[LegInput("TOK", TOK, 18, Decimal(1), split, None, Decimal(1000), {USDC: "USDC"})],
        one_tx_gas=200_000, separate_txs_gas=300_000, gas_price_wei=10**9, max_gas_price_wei=2 * 10**9,
        simulated_out=[simulated], block=7)).to_json()
    (leg,) = preview["legs"]
    parts = leg["parts"]
    assert [p["route"] for p in parts] == ["direct 0.3%", "via USDC 0.05%/0.3%"]
    assert leg["route"] == f"split: {parts[0]['share_pct']}% direct 0.3% + {parts[1]['share_pct']}% via USDC 0.05%/0.3%"
    assert leg["fee_tier"] == [3000, [500, 3000]]
    assert sum(Decimal(p["share_pct"]) for p in parts) == 100
    assert sum(Decimal(p["amount_in"]) for p in parts) * 10**18 == amount == Decimal(leg["amount_in"]) * 10**18
    # the parts' expected share the simulated total; their minimums are what the chain enforces
    assert sum(Decimal(p["expected_out"]) for p in parts) == Decimal(leg["expected_out"]) == Decimal(simulated) / 10**18
    assert Decimal(leg["min_out"]) * 10**18 == leg_min_out(split, 50) == sum(
        min_out(p.amount_out, 50) for p in split.parts)
    assert abs(leg_min_out(split, 50) - min_out(split.amount_out, 50)) <= len(split.parts)
    # LP fee over the parts: 0.3% of the first, 0.05% then 0.3% of the second
    want = sum(Decimal(p.amount_in) / 10**18 * 2000 * Decimal(p.route.lp_fee_share.numerator)
               / Decimal(p.route.lp_fee_share.denominator) for p in split.parts)
    assert Decimal(leg["lp_fee_usd"]) == want.quantize(Decimal("0.01"))
    assert Decimal(leg["price_impact_bps"]) < Decimal(float(grid[a][-1].price_impact * 10_000))
    assert preview["simulation"]["ok"]


@pytest.mark.parametrize("parts", [1, 2])
def test_a_plain_leg_has_one_part(parts):
    q = RouteQuote(direct(3000), 1000 * parts, 1990 * parts, 1)
    assert q.parts == (q,) and leg_min_out(q, 50) == min_out(q.amount_out, 50)

"""Pure math for the demo network's Uniswap V3 pools: prices to sqrtPriceX96, full-range
ticks, and how deep each pool is.

How depth is scaled (the demo's stand-in for real order books): a token's total pool depth,
in USD on each side, is ``DEPTH_PER_SQRT_MCAP * sqrt(market cap)``. Real on-chain liquidity
grows with market cap, but much slower than linearly (the largest assets trade mostly on
exchanges), and a square root captures that: BTC (~$1.9T) gets ~$1.4B per side, ETH
(~$450B) ~$670M, a $10B token ~$100M and a $1B token ~$32M. With full-range liquidity the
price impact of a trade of size x against depth D is about x / D: a $1M buy moves WBTC ~0.1%,
ETH ~0.2%, a $10B token ~1% and a $1B token ~3%, the order of what Uniswap shows for those
markets, while $1k trades cost little more than the pool fee everywhere.
The depth is split between the token's WETH and USDC pairs and its fee tiers
(``split_depth``); the first fee tier listed for a pair is the main pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, getcontext
from fractions import Fraction
from math import isqrt

getcontext().prec = 60

MIN_TICK, MAX_TICK = -887272, 887272
TICK_SPACING = {100: 1, 500: 10, 3000: 60, 10000: 200}
DEPTH_PER_SQRT_MCAP = Decimal(1000)
MAIN_TIER_SHARE = Decimal("0.75")   # of a pair's depth, in its first (main) fee tier
WETH_PAIR_SHARE = Decimal("0.6")    # of a token's depth, against WETH when it has both pairs


@dataclass(frozen=True)
class PoolPlan:
    token: str        # symbol of the token the pool is for
    quote: str        # "WETH" or "USDC"
    fee: int          # in hundredths of a bip (500 = 0.05%)
    depth_usd: Decimal


def token_depth_usd(market_cap_usd: Decimal) -> Decimal:
    return DEPTH_PER_SQRT_MCAP * market_cap_usd.sqrt()


def split_depth(token: str, depth_usd: Decimal, weth_tiers: list[int],
                usdc_tiers: list[int]) -> list[PoolPlan]:
    """The pools one token gets, each with its share of the token's depth."""
    pairs = [("WETH", weth_tiers), ("USDC", usdc_tiers)]
    pairs = [(quote, tiers) for quote, tiers in pairs if tiers]
    plans = []
    for quote, tiers in pairs:
        pair_share = Decimal(1) if len(pairs) == 1 else (
            WETH_PAIR_SHARE if quote == "WETH" else 1 - WETH_PAIR_SHARE)
        for index, fee in enumerate(tiers):
            if len(tiers) == 1:
                tier_share = Decimal(1)
            elif index == 0:
                tier_share = MAIN_TIER_SHARE
            else:
                tier_share = (1 - MAIN_TIER_SHARE) / (len(tiers) - 1)
            plans.append(PoolPlan(token, quote, fee, depth_usd * pair_share * tier_share))
    return plans


def sqrt_price_x96(price0_usd: Decimal, decimals0: int, price1_usd: Decimal, decimals1: int) -> int:
    """sqrtPriceX96 of a pool whose token0/token1 trade at these USD prices.

    The pool's price is token1 base units per token0 base unit.
    """
    p0, p1 = Fraction(price0_usd), Fraction(price1_usd)
    raw_price = p0 * 10**decimals1 / (p1 * 10**decimals0)
    return isqrt(raw_price.numerator * 2**192 // raw_price.denominator)


def full_range_ticks(fee: int) -> tuple[int, int]:
    spacing = TICK_SPACING[fee]
    return (-(MAX_TICK // spacing) * spacing, (MAX_TICK // spacing) * spacing)


def base_units(usd: Decimal, price_usd: Decimal, decimals: int) -> int:
    """How many base units of a token are worth ``usd``."""
    return int(usd / price_usd * (Decimal(10) ** decimals))

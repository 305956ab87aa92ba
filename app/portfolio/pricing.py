"""USD prices from Uniswap V3 pool states (pure: reads in, prices out).

Every token is priced at the mid price of its deepest pool against USDC or WETH (all fee
tiers), WETH at its deepest WETH/USDC pool, USDC at its $1 peg (stated as the source: the app
does not pretend to measure it), the native coin as WETH, and a vault share as its
``previewRedeem`` of one share (what redeeming it pays, exit fee taken; ``convertToAssets``
for a vault that does not answer it) times the price of its asset.

Depth is the USD value of the pool's virtual reserve on the quote side (``L * sqrtP`` or
``L / sqrtP``): what a trade can move against before the price runs away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from app.accounting.money import ACCOUNTING_CONTEXT
from app.portfolio.assets import Asset

USDC_PEG_SOURCE = "USDC peg ($1, assumed)"


@dataclass(frozen=True)
class PoolRead:
    """One pool's ``slot0().sqrtPriceX96`` and ``liquidity()`` (0 when the pool is absent)."""

    token: str       # the priced token
    quote: str       # USDC or WETH
    fee: int
    sqrt_price_x96: int
    liquidity: int


@dataclass(frozen=True)
class Price:
    usd: Decimal
    source: str


def _decimal(value: Fraction) -> Decimal:
    with localcontext(ACCOUNTING_CONTEXT):
        return Decimal(value.numerator) / Decimal(value.denominator)


def _quote_per_token(read: PoolRead) -> tuple[Fraction, Fraction]:
    """(quote base units per token base unit, quote-side virtual reserve in base units)."""
    sqrt = Fraction(read.sqrt_price_x96, 2**96)      # sqrt(token1 per token0), base units
    raw = sqrt * sqrt
    token_is_0 = int(read.token, 16) < int(read.quote, 16)
    if token_is_0:
        return raw, read.liquidity * sqrt              # quote = token1: reserve L * sqrtP
    return 1 / raw, read.liquidity / sqrt              # quote = token0: reserve L / sqrtP


def best_pool_price(reads: Iterable[PoolRead], token_decimals: int,
                    quote_usd: Mapping[str, tuple[Decimal, int]],
                    symbols: Mapping[str, str]) -> Price | None:
    """The mid price (USD per whole token) of the deepest pool among ``reads``; ``quote_usd``
    maps each quote token to (its USD price, its decimals). None if no pool has liquidity."""
    best: tuple[Fraction, Fraction, PoolRead] | None = None
    for read in reads:
        if read.sqrt_price_x96 <= 0 or read.liquidity <= 0 or read.quote not in quote_usd:
            continue
        usd, quote_decimals = quote_usd[read.quote]
        per_base, reserve = _quote_per_token(read)
        usd_fraction = Fraction(usd)
        price = per_base * Fraction(10**token_decimals, 10**quote_decimals) * usd_fraction
        depth = reserve / 10**quote_decimals * usd_fraction
        if best is None or depth > best[1]:
            best = (price, depth, read)
    if best is None:
        return None
    read = best[2]
    source = f"Uniswap V3 {symbols.get(read.quote, read.quote)} {read.fee / 10_000:g}% pool mid"
    return Price(_decimal(best[0]), source)


def price_assets(assets: Iterable[Asset], reads: Iterable[PoolRead], share_prices: Mapping[str, int],
                 usdc: str | None, weth: str | None) -> dict[str, Price]:
    """USD price of each asset it can price (by address). ``share_prices`` maps a vault to the
    assets (base units) redeeming one whole share pays."""
    assets = list(assets)
    by_token: dict[str, list[PoolRead]] = {}
    for read in reads:
        by_token.setdefault(read.token, []).append(read)
    decimals = {a.address: a.decimals for a in assets}
    symbols = {a.address: a.symbol for a in assets}
    prices: dict[str, Price] = {}
    quote_usd: dict[str, tuple[Decimal, int]] = {}
    if usdc is not None:
        prices[usdc] = Price(Decimal(1), USDC_PEG_SOURCE)
        quote_usd[usdc] = (Decimal(1), decimals.get(usdc, 6))
    if weth is not None and usdc is not None:
        eth = best_pool_price([r for r in by_token.get(weth, []) if r.quote == usdc], 18, quote_usd, symbols)
        if eth is not None:
            prices[weth] = eth
            quote_usd[weth] = (eth.usd, 18)
    for asset in assets:
        if asset.kind == "token" and asset.address not in prices:
            found = best_pool_price(by_token.get(asset.address, []), asset.decimals, quote_usd, symbols)
            if found is not None:
                prices[asset.address] = found
    for asset in assets:
        if asset.kind == "native" and weth in prices:
            prices[asset.address] = Price(prices[weth].usd, prices[weth].source + " (as WETH)")
        elif asset.kind == "vault" and asset.underlying in prices and asset.address in share_prices:
            underlying = prices[asset.underlying]
            with localcontext(ACCOUNTING_CONTEXT):
                per_share = Decimal(share_prices[asset.address]).scaleb(-decimals.get(asset.underlying, 18))
                usd = per_share * underlying.usd
            prices[asset.address] = Price(usd, f"ERC-4626 previewRedeem × {symbols.get(asset.underlying, '?')} price")
    return prices

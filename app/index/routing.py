"""Pure choices of an index buy: how the amount splits into legs, which route each leg takes,
and which legs are skipped (and why)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from app.index.quotes import RouteQuote
from app.inputs import parse_percent

DEFAULT_SLIPPAGE_PCT = Decimal("0.5")
DEFAULT_MAX_IMPACT_PCT = Decimal("15")  # Uniswap refuses above 15%; 5-15% needs confirmation (app.trade_warnings)
MAX_SLIPPAGE_PCT = Decimal("50")


def parse_slippage(text: str | None) -> int:
    """"0.5" (percent; a trailing "%" is fine) -> 50 bps. Allowed: 0 < s <= 50%, in steps of
    0.01%, written as a plain decimal (app.inputs)."""
    if text is None:
        return int(DEFAULT_SLIPPAGE_PCT * 100)
    pct = parse_percent(text, "slippage", minimum=Decimal(0), maximum=MAX_SLIPPAGE_PCT, max_places=2)
    return int(pct * 100)


def split_amount(total: int, weights: dict[str, Decimal]) -> dict[str, int]:
    """Base units per leg, in weight order; the last leg takes the rounding so the legs add up
    to ``total`` exactly."""
    symbols = list(weights)
    amounts = {s: int(Decimal(total) * weights[s]) for s in symbols[:-1]}
    if symbols:
        amounts[symbols[-1]] = total - sum(amounts.values())
    return amounts


@dataclass(frozen=True)
class LegChoice:
    symbol: str
    quote: RouteQuote | None
    skipped: str | None


def choose_route(symbol: str, quotes: list[RouteQuote | None], max_impact: Fraction,
                 pay_symbol: str) -> LegChoice:
    """The route that delivers the most; a leg with no route or a price impact above
    ``max_impact`` (15% unless the setting or ``--max-impact`` says otherwise) is skipped."""
    usable = [q for q in quotes if q is not None and q.amount_out > 0]
    if not usable:
        return LegChoice(symbol, None, f"no Uniswap V3 pool with liquidity against {pay_symbol} or WETH")
    best = max(usable, key=lambda q: q.amount_out)
    if best.price_impact > max_impact:
        pct = Decimal(best.price_impact.numerator) / Decimal(best.price_impact.denominator) * 100
        limit = (Decimal(max_impact.numerator) / Decimal(max_impact.denominator) * 100).normalize()
        return LegChoice(symbol, None, f"price impact {pct:.2f}% is above the {limit:f}% limit")
    return LegChoice(symbol, best, None)

"""An index buy held to its quote: per token bought, the fresh plan's minimum must not be
below the quoted minimum.

The on-chain minimums of a buy come from its own plan; ``index buy --quote ID`` re-plans (fresh
quotes, gas, deadline) and refuses when any token's fresh minimum, or fresh expected amount, is
below what the quote promised as that token's minimum: the person is never held to less than
they were shown. The comparison is pure (``index_shortfalls`` over the two preview JSONs); the
store side is app/quote_binding.py. Legs are compared per token out (by address), a token's parts summed, so a leg
split across several pools or routes compares as one. A token quoted but skipped now counts as 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from app.quote_binding import QuoteMoved, load_quote, require_same, store_quote

if TYPE_CHECKING:
    from app.index.planner import IndexPlan
    from app.session import ChainSession

KIND = "index_buy"


@dataclass(frozen=True)
class Shortfall:
    symbol: str
    address: str
    quoted_min: Decimal
    fresh_min: Decimal
    fresh_expected: Decimal

    @property
    def past_tolerance(self) -> bool:
        """Even the fresh expected amount is below the quoted minimum (not just its minimum)."""
        return self.fresh_expected < self.quoted_min

    def text(self) -> str:
        return (f"{self.symbol}: at least {self.fresh_min} now (expected {self.fresh_expected}), the quote "
                f"promised at least {self.quoted_min}")


def per_token(preview: dict, field: str) -> dict[str, tuple[str, Decimal]]:
    """address (lower case) -> (symbol, the sum of ``field`` over its legs that are not skipped)."""
    totals: dict[str, tuple[str, Decimal]] = {}
    for leg in preview.get("legs", []):
        if leg.get("skipped"):
            continue
        key = str(leg["address"]).lower()
        symbol, total = totals.get(key, (leg["symbol"], Decimal(0)))
        totals[key] = (symbol, total + Decimal(str(leg[field])))
    return totals


def index_shortfalls(quoted: dict, fresh: dict) -> list[Shortfall]:
    """Each token whose fresh minimum or expected amount is below the quoted minimum."""
    quoted_min = per_token(quoted, "min_out")
    fresh_min, fresh_expected = per_token(fresh, "min_out"), per_token(fresh, "expected_out")
    out = []
    for address, (symbol, minimum) in quoted_min.items():
        now_min = fresh_min.get(address, (symbol, Decimal(0)))[1]
        now_expected = fresh_expected.get(address, (symbol, Decimal(0)))[1]
        if now_min < minimum or now_expected < minimum:
            out.append(Shortfall(symbol, address, minimum, now_min, now_expected))
    return out


def shortfall_message(quote_id: int, shortfalls: list[Shortfall], slippage_bps: int) -> str:
    moved = any(s.past_tolerance for s in shortfalls)
    why = (f"prices moved since quote {quote_id}, past your {slippage_bps / 100:g}% tolerance" if moved
           else f"prices moved since quote {quote_id}: the minimums now would be below the quoted ones")
    return f"{why} ({'; '.join(s.text() for s in shortfalls)}): nothing sent; quote again"


def binding_of(preview: dict, account: str) -> dict:
    return {"account": account, "basket": preview["basket"], "amount_in": preview["amount_in"],
            "pay": preview["pay"], "slippage_bps": preview["slippage_bps"]}


def store_index_quote(session: ChainSession, plan: IndexPlan, account: str) -> int:
    preview = plan.preview.to_json()
    return store_quote(session, KIND, plan.block, preview, binding_of(preview, account))


def check_index_quote(session: ChainSession, quote_id: int, plan: IndexPlan, account: str) -> None:
    """Raises QuoteMismatch (other inputs, account or network) or QuoteMoved (a token short of
    its quoted minimum): nothing sent."""
    quote = load_quote(session, quote_id, KIND)
    fresh = plan.preview.to_json()
    require_same(quote, binding_of(fresh, account))
    shortfalls = index_shortfalls(quote.preview, fresh)
    if shortfalls:
        raise QuoteMoved(shortfall_message(quote.id, shortfalls, fresh["slippage_bps"]))

"""Amounts for people (pure): "1,000 USDC ($1,000.00)", and the one max-fee figure.

Amounts are shown with six significant digits (never fewer than the whole part), rounded down
so a minimum is never overstated; the exact value stays in ``Amount.units``. A fee is shown
with three significant digits rounded UP (a maximum is never understated). Money is Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from app.portfolio.assets import NATIVE_ADDRESS  # noqa: F401 (the coin's key in ``prices``; re-exported)
from app.units import format_units
from wallet.prompts import Amount, FeeFigure

CENT = Decimal("0.01")


def human_number(value: Decimal, significant: int = 6, rounding: str = ROUND_DOWN) -> str:
    """12345.678 -> "12,345.6"; 0.000120843 -> "0.000120843" (6 significant digits)."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    digits = value.adjusted() + 1                # digits before the point (<= 0 for 0.00x)
    places = max(significant - digits, 0)
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=rounding) if places else \
        value.quantize(Decimal(1), rounding=rounding)
    text = f"{rounded:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return sign + text


def usd_text(usd: Decimal, rounding: str = ROUND_HALF_UP) -> str:
    """"$1,000.00"; "<$0.01" for a positive amount under a cent (rounded half up)."""
    if 0 < abs(usd) < Decimal("0.005") and rounding != ROUND_UP:
        return "<$0.01"
    return f"${usd.quantize(CENT, rounding=rounding):,.2f}"


def make_amount(raw: int, symbol: str, decimals: int, token: str | None,
                prices: Mapping[str, Decimal] | None = None) -> Amount:
    """An ``Amount`` with its USD value when ``prices`` has the token (NATIVE_ADDRESS for the coin)."""
    units = Decimal(raw).scaleb(-decimals)
    price = (prices or {}).get(token or NATIVE_ADDRESS)
    usd = units * price if price is not None else None
    display = f"{human_number(units)} {symbol}" + (f" ({usd_text(usd)})" if usd is not None else "")
    return Amount(symbol=symbol, units=format_units(raw, decimals), raw=str(raw), decimals=decimals, token=token,
                  usd=str(usd.quantize(CENT, rounding=ROUND_HALF_UP)) if usd is not None else None,
                  display=display)


def unknown_token_amount(raw: int, token: str) -> Amount:
    """An amount of a token Basketry does not know: base units, said so."""
    return Amount(symbol="units of an unknown token", units=str(raw), raw=str(raw), decimals=0, token=token,
                  display=f"{raw:,} base units of an unknown token {token}")


def fee_figure(gas_wei: int, l1_wei: int | None, symbol: str, native_usd: Decimal | None) -> FeeFigure:
    """THE max network fee: ``gas_wei`` (gas limit × max fee per gas) + the L1 data fee. Its
    coin and USD figures are rounded up: a maximum is never understated."""
    total = gas_wei + (l1_wei or 0)
    exact = Decimal(total).scaleb(-18)
    usd = exact * native_usd if native_usd is not None else None
    display = f"{fee_number(total)} {symbol}" + (f" ({usd_text(usd, ROUND_UP)})" if usd is not None else "")
    l1_display = None
    if l1_wei:
        l1_usd = Decimal(l1_wei).scaleb(-18) * native_usd if native_usd is not None else None
        l1_display = f"{fee_number(l1_wei)} {symbol}" + (f" ({usd_text(l1_usd, ROUND_UP)})" if l1_usd is not None else "")
    return FeeFigure(symbol=symbol, gas_wei=str(gas_wei), total_wei=str(total), display=display,
                     exact=f"{format_units(total, 18)} {symbol}",
                     l1_wei=str(l1_wei) if l1_wei else None, l1_display=l1_display,
                     usd=str(usd.quantize(CENT, rounding=ROUND_UP)) if usd is not None else None)


def fee_number(wei: int) -> str:
    """A fee in the coin, three significant digits rounded up: 120843916918146 wei -> "0.000121"."""
    return human_number(Decimal(wei).scaleb(-18), significant=3, rounding=ROUND_UP)


def max_fee_wei(transactions: list[dict]) -> int:
    """What the preview and the signing summary both call the max network fee (before any L1
    data fee): the sum of each transaction's gas limit × its max fee per gas (legacy: gasPrice)."""
    return sum(int(tx["gas"]) * int(tx.get("maxFeePerGas", tx.get("gasPrice", 0))) for tx in transactions)

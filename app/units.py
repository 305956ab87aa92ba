"""Amounts: base units (int, on chain) -> decimal strings (what people read). Never a float.
Reading what people type is app.inputs' job."""

from __future__ import annotations

from decimal import Decimal


def format_units(amount: int, decimals: int) -> str:
    """1500000, 6 -> "1.5"; exact, trailing zeros dropped."""
    value = Decimal(amount).scaleb(-decimals)
    text = format(value.normalize(), "f") if value else "0"
    return text


def format_decimal(value: Decimal) -> str:
    """Decimal("0E-18") -> "0", Decimal("1.500") -> "1.5"; exact, never an exponent."""
    return format(value.normalize(), "f") if value else "0"

"""Amounts: base units (int, on chain) <-> decimal strings (what people read and type).
Never a float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from app.errors import InvalidInput


def format_units(amount: int, decimals: int) -> str:
    """1500000, 6 -> "1.5"; exact, trailing zeros dropped."""
    value = Decimal(amount).scaleb(-decimals)
    text = format(value.normalize(), "f") if value else "0"
    return text


def parse_units(text: str, decimals: int, what: str = "amount") -> int:
    """"1.5", 6 -> 1500000. Refuses (InvalidInput) anything but a positive decimal number
    with at most ``decimals`` decimal places."""
    cleaned = str(text).strip().replace("_", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise InvalidInput(f"{what} {text!r} is not a number")
    if value <= 0:
        raise InvalidInput(f"{what} must be above zero (got {text})")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        raise InvalidInput(f"{what} {text} has more than {decimals} decimal places")
    return int(value.scaleb(decimals))

"""Numbers as the user reads them. The core hands decimal strings (full precision); the GUI
shows them shortened and keeps the full value for tooltips. Never a float on the way."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

NO_VALUE = "—"
SIGNIFICANT_DECIMALS = 6


def to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def format_amount(value: object, significant: int = SIGNIFICANT_DECIMALS) -> str:
    """A token amount with up to ``significant`` significant decimals, rounded down (a shown
    minimum or balance is never more than the real one), thousands separated, no trailing
    zeros: "25936366.696063097" -> "25,936,366.696063", "0.000123456789" -> "0.000123456"."""
    number = to_decimal(value)
    if number is None:
        return NO_VALUE
    if number == 0:
        return "0"
    places = significant
    if abs(number) < 1:  # leading zeros after the point are not significant
        places = significant - abs(number).adjusted() - 1
    shown = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    if shown == 0:
        return f"< {Decimal(1).scaleb(-places):f}"
    text = f"{shown:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def full_amount(value: object, unit: str = "") -> str:
    """The exact decimal string (for a tooltip), with its unit."""
    number = to_decimal(value)
    if number is None:
        return NO_VALUE
    text = format(number.normalize(), "f") if number else "0"
    return f"{text} {unit}".strip()


def format_usd(value: object, signed: bool = False) -> str:
    """"4355.44" -> "$4,355.44"; "-11.47" -> "−$11.47" (and "+$2.30" if ``signed``)."""
    number = to_decimal(value)
    if number is None:
        return NO_VALUE
    text = f"${abs(number):,.2f}"
    if number < 0:
        return "\u2212" + text
    return ("+" + text) if signed and number > 0 else text


def format_gas(value: object) -> str:
    number = to_decimal(value)
    return NO_VALUE if number is None else f"{int(number):,}"


def format_pct(value: object, places: int = 2, signed: bool = False) -> str:
    """A percentage already in percent ("34.4" -> "34.4%")."""
    number = to_decimal(value)
    if number is None:
        return NO_VALUE
    text = f"{abs(number):,.{places}f}%"
    if number < 0:
        return "\u2212" + text
    return ("+" + text) if signed and number > 0 else text


def format_weight(value: object) -> str:
    """A weight as a fraction ("0.2500") -> "25.00%"."""
    number = to_decimal(value)
    return NO_VALUE if number is None else format_pct(number * 100, 2)

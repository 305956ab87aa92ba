"""Money for the accounting core: ``Decimal`` only. Floats and bools are refused (TypeError),
as rotki's ``FVal`` does: a float has already lost the cents before we see it."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, DivisionByZero, InvalidOperation, Overflow

ZERO = Decimal(0)

# Every computation runs in this context, whatever the caller's thread context is, so a report
# can be reproduced exactly. 34 digits (IEEE decimal128) hold 18-decimal token amounts too.
ACCOUNTING_PRECISION = 34
ACCOUNTING_CONTEXT = Context(prec=ACCOUNTING_PRECISION, rounding=ROUND_HALF_EVEN,
                             traps=[InvalidOperation, DivisionByZero, Overflow])


def to_decimal(value: object, what: str = "amount") -> Decimal:
    """``value`` as an exact Decimal: a Decimal, an int or a decimal string.

    Raises TypeError for a float, a bool or any other type; ValueError for a string that is
    not a number, or for NaN/infinity."""
    if type(value) is Decimal and value.is_finite():  # the common case, first
        return value
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__} ({value!r})")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValueError(f"{what} {value!r} is not a number") from None
    else:
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number (got {value})")
    return result

"""argparse types that read numbers and hashes with app.inputs' strict rules (argparse's own
``type=int`` takes ``١٢`` and ``1_0``, ``type=float`` takes ``nan`` and ``1e400``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from decimal import Decimal

from app.errors import InvalidInput
from app.inputs import parse_decimal, parse_int, parse_tx_hash


def _strict(read: Callable[[str], object]) -> Callable[[str], object]:
    def convert(text: str) -> object:
        try:
            return read(text)
        except InvalidInput as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


# argparse names the argument ("argument --days: ..."), so the message says "the value".
def whole_number(*, minimum: int = 0, maximum: int) -> Callable[[str], object]:
    return _strict(lambda text: parse_int(text, "the value", minimum=minimum, maximum=maximum))


def decimal_number(*, maximum: Decimal, max_places: int) -> Callable[[str], object]:
    """Above zero, at most ``maximum``."""
    return _strict(lambda text: parse_decimal(text, "the value", maximum=maximum, max_places=max_places))


tx_hash = _strict(lambda text: parse_tx_hash(text, "the value"))

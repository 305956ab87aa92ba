"""The network fee in words, in the network's native coin (ETH; POL on Polygon). Pure.

The JSON contract keeps the key ``eth`` for the fee in the native coin (DESIGN.md's
``network_fee {gas, eth, usd}``); ``native_symbol`` beside it says which coin that is, and every
human line is written with it."""

from __future__ import annotations

DEFAULT_NATIVE = "ETH"  # previews stored before ``native_symbol`` was written were all in ETH


def native_of(fee: dict) -> str:
    return fee.get("native_symbol") or DEFAULT_NATIVE


def fee_amount(fee: dict, key: str = "eth") -> str:
    """``0.0012 POL ($0.01)``: the fee in the native coin and in USD."""
    return f"{fee[key]} {native_of(fee)} (${fee['usd']})"


def fee_line(fee: dict, what: str = "") -> str:
    """``network fee: 123,456 gas (approve + deposit) = 0.0012 POL ($0.01)``."""
    return f"network fee: {fee['gas']:,} gas{f' ({what})' if what else ''} = {fee_amount(fee)}"

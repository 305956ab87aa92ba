"""Predicted against realised, for one trade the app made: rows built from the stored preview
(what the user saw before signing) and the realised JSON written after the receipt.

Pure: JSON in, rows out (the shapes are those of ``app.index.execute``,
``app.index.trade_execute`` and ``app.vaults.actions``). Every figure stays a decimal string;
``difference`` is realised minus predicted. A figure missing from either side gives a row with
that side None and no difference, never a guess.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class ComparisonRow:
    what: str                 # "WBTC received", "gas", "network fee"
    unit: str                 # a token symbol, "gas", "USD", "bps", "shares"
    predicted: str | None     # decimal string
    realised: str | None
    difference: str | None    # realised - predicted
    note: str | None = None   # e.g. the minimum the transaction enforced

    def to_json(self) -> dict:
        return asdict(self)


def compare(kind: str, preview: dict[str, Any] | None, realised: dict[str, Any] | None) -> list[ComparisonRow]:
    """The rows of one trade. ``kind``: the preview's kind (index_buy, rebalance, exit,
    vault_deposit, vault_withdraw); anything else is compared by the legs and gas it holds."""
    if not preview or not realised:
        return []
    if kind == "index_buy":
        return index_buy_rows(preview, realised)
    if kind == "vault_deposit":
        return vault_deposit_rows(preview, realised)
    if kind == "vault_withdraw":
        return vault_withdraw_rows(preview, realised)
    return trade_rows(preview, realised)


def index_buy_rows(preview: dict[str, Any], realised: dict[str, Any]) -> list[ComparisonRow]:
    """Per leg: expected against received (with its minimum) and the realised slippage against
    the tolerance; then gas (the figure the preview showed, approval included, against all the
    gas used) and the network fee in USD."""
    rows = _leg_rows(realised.get("legs") or [], preview.get("slippage_bps"))
    fee = preview.get("network_fee") or {}
    used = realised.get("total_gas_used", realised.get("gas_used"))
    estimate = realised.get("gas_estimate")
    rows.append(row("gas", "gas", fee.get("gas"), used,
                    note=f"eth_estimateGas limit {estimate}" if estimate is not None else None))
    rows.append(row("network fee", "USD", fee.get("usd"), realised.get("network_fee_usd"),
                    note="valued at the preview's ETH price"))
    return rows


def trade_rows(preview: dict[str, Any], realised: dict[str, Any]) -> list[ComparisonRow]:
    """Rebalance and exit: per asset bought, expected against received; the swap's gas (the
    preview's figure less its approvals) against the gas used."""
    rows = _leg_rows(realised.get("legs") or [], preview.get("slippage_bps"))
    fee = preview.get("network_fee") or {}
    rows.append(row("swap gas", "gas", _minus(fee.get("gas"), fee.get("approval_gas")), realised.get("gas_used"),
                    note=f"{realised['approvals']} approval(s) sent before it" if realised.get("approvals") else None))
    return rows


def vault_deposit_rows(preview: dict[str, Any], realised: dict[str, Any]) -> list[ComparisonRow]:
    asset = preview.get("asset") or "asset"
    fee = preview.get("network_fee") or {}
    return [row("shares received", "shares", preview.get("expected_shares"), realised.get("shares_received"),
                note=f"minimum {preview['min_shares']}" if preview.get("min_shares") is not None else None),
            row("assets paid", asset, preview.get("amount"), realised.get("assets_paid")),
            row("deposit gas", "gas", _minus(fee.get("gas"), fee.get("approval_gas")), realised.get("gas_used"))]


def vault_withdraw_rows(preview: dict[str, Any], realised: dict[str, Any]) -> list[ComparisonRow]:
    asset = preview.get("asset") or realised.get("asset") or "asset"
    fee = preview.get("network_fee") or {}
    return [row("assets received", asset, preview.get("amount"), realised.get("assets_received")),
            row("shares burnt", "shares", preview.get("expected_shares"), realised.get("shares_burnt")),
            row("withdraw gas", "gas", fee.get("gas"), realised.get("gas_used"))]


def _leg_rows(legs: list[dict[str, Any]], tolerance_bps: Any) -> list[ComparisonRow]:
    rows = []
    for leg in legs:
        symbol = leg.get("symbol") or "?"
        rows.append(row(f"{symbol} received", symbol, leg.get("expected_out"), leg.get("received"),
                        note=f"minimum {leg['min_out']}" if leg.get("min_out") is not None else None))
        if leg.get("realized_slippage_bps") is not None:
            rows.append(row(f"{symbol} slippage", "bps", tolerance_bps, leg["realized_slippage_bps"],
                            note="predicted: the tolerance (the most the minimum allows)", with_difference=False))
    return rows


def row(what: str, unit: str, predicted: Any, realised: Any, note: str | None = None,
        with_difference: bool = True) -> ComparisonRow:
    """One row; numbers (int or decimal string) become decimal strings, the difference is exact."""
    p, r = _number(predicted), _number(realised)
    difference = _text(r - p) if with_difference and p is not None and r is not None else None
    return ComparisonRow(what, unit, _text(p) if p is not None else _raw(predicted),
                         _text(r) if r is not None else _raw(realised), difference, note)


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool | float):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _raw(value: Any) -> str | None:
    return None if value is None else str(value)


def _text(value: Decimal) -> str:
    """Plain notation (no exponent), the digits kept as they are."""
    return format(value, "f")


def _minus(total: Any, part: Any) -> int | None:
    if total is None:
        return None
    try:
        return int(total) - int(part or 0)
    except (TypeError, ValueError):
        return None

"""A vault's entry and exit fees as its own previews charge them (pure).

ERC-4626 says ``previewDeposit``/``previewRedeem`` include fees and ``convertToShares``/
``convertToAssets`` do not, so the gap between them IS the fee, whatever the vault calls it:

    entry fee = 1 - previewDeposit(assets) / convertToShares(assets)
    exit fee  = 1 - previewRedeem(shares)  / convertToAssets(shares)

An OpenZeppelin ERC4626Fees-style vault with a 1% entry fee (charged on the total) previews
990.099 shares for 1,000 assets where convertToShares says 1,000: an entry fee of 0.990%.
Both equal: "none charged on-chain". A vault that does not answer a probe: "not disclosed".
Fee getters some families expose (``fee()``, ``performanceFee()``...) are listed beside them:
those fees are taken from yield, not from a deposit or withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

NONE_TEXT = "none charged on-chain (previewDeposit = convertToShares, previewRedeem = convertToAssets)"
NOT_DISCLOSED = "not disclosed on-chain"


@dataclass(frozen=True)
class VaultFees:
    entry_pct: Decimal | None     # 0.9901 = 0.9901%; None: not measurable
    exit_pct: Decimal | None
    getters: dict[str, str] = field(default_factory=dict)   # e.g. {"performanceFee": "10%"}

    @property
    def charged(self) -> bool:
        return bool(self.entry_pct) or bool(self.exit_pct)

    def text(self) -> str:
        if self.entry_pct is None and self.exit_pct is None:
            parts = [NOT_DISCLOSED]
        elif not self.charged:
            parts = [NONE_TEXT]
        else:
            parts = [f"{what} {_pct(value)} ({how})" for what, value, how in (
                ("entry", self.entry_pct, "previewDeposit below convertToShares"),
                ("exit", self.exit_pct, "previewRedeem below convertToAssets")) if value]
            parts += [f"no {what} fee" for what, value in (("entry", self.entry_pct), ("exit", self.exit_pct))
                      if value is not None and not value]
        parts += [f"{name} {value} (from yield)" for name, value in self.getters.items()]
        return "; ".join(parts)

    def as_json(self) -> dict:
        return {"entry_pct": _json(self.entry_pct), "exit_pct": _json(self.exit_pct), "text": self.text(),
                "getters": dict(self.getters)}


def fee_pct(gross: int | None, net: int | None) -> Decimal | None:
    """The fee, in percent, that turns ``gross`` (convert*) into ``net`` (preview*); 0 when the
    preview gives as much or more; None when either is unknown or gross is 0."""
    if gross is None or net is None or gross <= 0:
        return None
    if net >= gross:
        return Decimal(0)
    return (Decimal(gross - net) * 100 / Decimal(gross)).quantize(Decimal("0.0001"))


def measured_fees(convert_shares: int | None, preview_deposit: int | None, convert_assets: int | None,
                  preview_redeem: int | None, getters: dict[str, str] | None = None) -> VaultFees:
    return VaultFees(fee_pct(convert_shares, preview_deposit), fee_pct(convert_assets, preview_redeem),
                     dict(getters or {}))


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f}%" if value >= Decimal("0.01") else f"{value.normalize():f}%"


def _json(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"

"""How much of a vault position can be withdrawn now (pure).

ERC-4626 lets a vault report less than a position is worth: ``maxWithdraw(owner)`` (assets)
and ``maxRedeem(owner)`` (shares) fall below the position while a withdrawal queue is waiting or
the markets it lends to are illiquid (Morpho and Yearn v3 vaults do this). The app says how much
is available now, and `withdraw --all` is refused then (the careful choice: "all" that silently
becomes "part" would leave the user believing they are out), unless they ask for
``--available-now``, which redeems exactly what the vault accepts now."""

from __future__ import annotations

from dataclasses import dataclass

from app.units import format_units

UNLIMITED = 2**255  # ERC-4626 "no limit" is type(uint256).max


@dataclass(frozen=True)
class Withdrawable:
    shares: int          # the owner's shares
    value: int           # what they are worth now (assets, base units)
    assets_now: int      # what can be withdrawn now: min(maxWithdraw, value)
    shares_now: int      # what can be redeemed now: min(maxRedeem, shares)
    decimals: int        # the asset's
    symbol: str          # the asset's

    @property
    def limited(self) -> bool:
        """The vault will not pay out the whole position now."""
        return self.shares_now < self.shares or self.assets_now < self.value

    def text(self) -> str:
        """``"120.5 USDC available now of 1000 USDC"``."""
        return (f"{format_units(self.assets_now, self.decimals)} {self.symbol} available now of "
                f"{format_units(self.value, self.decimals)} {self.symbol}")

    def as_json(self) -> dict:
        return {"withdrawable_now": format_units(self.assets_now, self.decimals), "withdraw_limited": self.limited}


def withdrawable(shares: int, share_price: int, share_decimals: int, max_withdraw: int,
                 max_redeem: int | None, asset_decimals: int, asset_symbol: str,
                 value: int | None = None) -> Withdrawable:
    """``share_price`` = assets per 10**share_decimals shares; ``max_redeem`` None when the vault
    does not answer maxRedeem (then only maxWithdraw counts); ``value``: what redeeming every
    share pays (previewRedeem, exit fee included) when known, else shares x share price."""
    if value is None:
        value = shares * share_price // 10**share_decimals
    assets_now = min(max_withdraw, value)
    shares_now = shares if max_redeem is None else min(max_redeem, shares)
    if max_redeem is None and assets_now < value and value:
        shares_now = shares * assets_now // value  # the shares that much is worth (rounded down)
    return Withdrawable(shares, value, assets_now, shares_now, asset_decimals, asset_symbol)


def refuse_all_text(w: Withdrawable, vault_name: str) -> str:
    return (f"only {w.text()} in {vault_name}: the vault limits withdrawals now (maxWithdraw/maxRedeem; a "
            f"withdrawal queue or illiquid markets). Withdraw up to {format_units(w.assets_now, w.decimals)} "
            "with --amount, pass --available-now to redeem what is possible now, or try again later")

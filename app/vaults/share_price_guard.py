"""Is this deposit's share price safe to take? (pure)

The donation front-run: someone holding a few share units sends assets straight to the vault;
the share price jumps, the next deposit's shares round down to almost nothing, and the donor's
few units now own part of that deposit (issue 11: 200 of 1,000 USDC on a Solmate vault, 40 on
OpenZeppelin's). ERC-4626 ``deposit`` takes no minimum, so the app checks, by simulation, right
before sending; what is checked against must come from what the user saw (a stored quote or the
dialog's own preview), never from a re-read of the moved state. These rules flag the states that
make the attack possible or show it happened, before the user signs:

- ``tiny_supply`` (confirm): 0 < totalSupply < 10**decimals, less than one whole share exists: the
  set-up of the attack (an honest vault starts at 0 and its first deposit mints whole shares).
  ``first_deposit`` (warn) at 0: this deposit sets the share price.
- ``share_price_jump`` (confirm): the share price is above the median of this app's own recent
  samples (``vault_samples``, the 20 newest of the last 30 days, read before this block) by more
  than 5% plus 0.25% per day since the newest of them: yield does not do that, a donation does.
  ``share_price_drop`` (warn) for the same move down (a loss in the vault).
- ``few_shares`` (confirm): fewer than 1,000 share units for the deposit: each unit is worth more
  than 0.1% of it, so rounding down alone can take that much. ``zero_shares`` (refuse): none.
- ``most_of_vault`` (warn): the deposit would be over 90% of the vault's assets.

"confirm" flags refuse the deposit unless the person accepts them (CLI ``--accept-share-price``,
the deposit dialog's checkbox); "refuse" cannot be accepted. Every flag is a
``{"level", "code", "text"}`` appended to the preview's ``warnings`` list.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import median

from app.errors import InvalidInput
from app.units import format_units

ACCEPT_OPTION = "--accept-share-price"
SHARE_PRICE_CODES = ("tiny_supply", "share_price_jump", "few_shares", "zero_shares")
JUMP_FLOOR_PCT = Decimal(5)
JUMP_PER_DAY_PCT = Decimal("0.25")
HISTORY_WINDOW = 30 * 86400
HISTORY_SAMPLES = 20
FEW_SHARES = 1000
MOST_OF_VAULT = Decimal("0.9")


class SharePriceFlagged(InvalidInput):
    """A deposit flagged by these rules, not accepted: nothing was sent."""

    title = "Share price needs your attention"


@dataclass(frozen=True)
class DepositState:
    symbol: str                 # the vault's share symbol
    decimals: int               # the vault's
    asset_symbol: str
    asset_decimals: int
    total_supply: int
    total_assets: int
    share_price: int            # assets (base units) per 10**decimals shares
    amount: int                 # assets deposited (base units)
    expected_shares: int
    timestamp: int              # of the read


def warning(level: str, code: str, text: str) -> dict[str, str]:
    return {"level": level, "code": code, "text": text}


def deposit_flags(state: DepositState, history: list[tuple[int, int]]) -> list[dict[str, str]]:
    """The flags of this deposit; ``history`` is (timestamp, share price) of stored samples."""
    flags = []
    one = 10**state.decimals
    if state.total_supply == 0:
        flags.append(warning("warn", "first_deposit", (
            f"the vault is empty: this first deposit sets its share price. An attacker who deposits a "
            f"few units and donates {state.asset_symbol} just before it lands can inflate the price; "
            "the minimum shares are checked right before sending")))
    elif state.total_supply < one:
        flags.append(warning("confirm", "tiny_supply", (
            f"only {format_units(state.total_supply, state.decimals)} {state.symbol} exist (less than one "
            "share): a vault this empty is how a donation front-run is set up; its share price can be "
            "moved at will")))
    jump = price_jump(history, state.timestamp, state.share_price)
    if jump is not None:
        ratio, allowed, samples = jump
        move = _move_text(ratio)
        if ratio > 1:
            flags.append(warning("confirm", "share_price_jump", (
                f"the share price ({format_units(state.share_price, state.asset_decimals)} {state.asset_symbol}) "
                f"is {move} its recent level ({samples} samples; at most {allowed}% is expected): a jump "
                "like this is what a donation front-run looks like")))
        else:
            flags.append(warning("warn", "share_price_drop", (
                f"the share price is {move} its recent level ({samples} samples): the vault lost value")))
    if state.amount > 0 and state.expected_shares == 0:
        flags.append(warning("refuse", "zero_shares", (
            f"{format_units(state.amount, state.asset_decimals)} {state.asset_symbol} would get no shares "
            "at all: the deposit would be lost")))
    elif state.amount > 0 and state.expected_shares < FEW_SHARES:
        lost = (Decimal(100) / Decimal(state.expected_shares)).quantize(Decimal("0.01"))
        flags.append(warning("confirm", "few_shares", (
            f"this deposit would get only {state.expected_shares} share units "
            f"({format_units(state.expected_shares, state.decimals)} {state.symbol}): each is worth over "
            f"{lost}% of it, so rounding down alone can take that much")))
    if state.total_supply > 0 and state.amount > MOST_OF_VAULT * (state.total_assets + state.amount):
        share = (Decimal(state.amount) * 100 / Decimal(state.total_assets + state.amount)).quantize(Decimal("0.1"))
        flags.append(warning("warn", "most_of_vault", f"this deposit would be {share}% of the vault's assets"))
    return flags


def price_jump(history: list[tuple[int, int]], now: int, price: int) -> tuple[Decimal, Decimal, int] | None:
    """(price / recent median, the allowed move in percent, samples used) when the price is
    outside the allowed band; None when it is inside or there is no earlier sample."""
    earlier = [(t, p) for t, p in history if now - HISTORY_WINDOW <= t < now and p > 0][-HISTORY_SAMPLES:]
    if not earlier or price <= 0:
        return None
    reference = Decimal(median(p for _t, p in earlier))
    days = Decimal(now - earlier[-1][0]) / 86400
    allowed = (JUMP_FLOOR_PCT + JUMP_PER_DAY_PCT * days).quantize(Decimal("0.01"))
    ratio = Decimal(price) / reference
    if abs(ratio - 1) * 100 <= allowed:
        return None
    return ratio, allowed, len(earlier)


def moved_pct(before: int, after: int) -> Decimal | None:
    """How much the price of a share rose (percent) when ``before`` shares for an amount became
    ``after`` shares; None when nothing is left (``after`` is 0)."""
    if after <= 0:
        return None
    return ((Decimal(before) / Decimal(after) - 1) * 100).quantize(Decimal("0.01"))


def moved_text(pct: Decimal | None) -> str:
    if pct is None:
        return "beyond measure (no shares left)"
    if pct >= 1000:
        return f"{(pct / 100 + 1).quantize(Decimal('1')):,}x"
    return f"{pct}%"


def refuse_unaccepted(warnings: list[dict], accepted: bool, accept_hint: str = ACCEPT_OPTION) -> None:
    """Raise SharePriceFlagged for a "refuse" flag, or a "confirm" share-price flag not accepted."""
    ours = [w for w in warnings if w.get("code") in SHARE_PRICE_CODES]
    refused = [w for w in ours if w["level"] == "refuse"]
    if refused:
        raise SharePriceFlagged("refused: " + "; ".join(w["text"] for w in refused) + ": nothing sent")
    pending = [w for w in ours if w["level"] == "confirm"]
    if pending and not accepted:
        raise SharePriceFlagged("the share price needs your attention: " + "; ".join(w["text"] for w in pending)
                                + f". Nothing sent; quote again later, or pass {accept_hint} to deposit anyway")


def _move_text(ratio: Decimal) -> str:
    if ratio >= 10:
        return f"{ratio.quantize(Decimal('1')):,}x"
    pct = ((ratio - 1) * 100).quantize(Decimal("0.01"))
    return f"{'+' if pct > 0 else ''}{pct}% from"

"""The warnings a trade's preview carries (pure), Uniswap's thresholds as the floor.

Each warning is a dict ``{"level": "warn" | "confirm" | "refuse", "code": str, "text": str}``
(the previews' ``warnings`` list; vault checks append their own in the same shape):

- price impact, per leg and in total (value-weighted across the legs): at 1% ``warn``
  (impact_low), at 3% ``warn`` (impact_high), at 5% ``confirm`` (impact_confirm: the person must
  say so explicitly, ``--accept-impact`` or the preview's checkbox), above 15% ``refuse``
  (impact_refuse). The routing skips a leg above the limit (15%, raised by the
  ``max_price_impact_pct`` setting or ``--max-impact``); a leg above 15% kept by a raised limit
  needs confirmation;
- slippage tolerance outside 0.1-5.5%: ``warn`` (below, the trade may fail on a small move;
  above, it invites a sandwich attack);
- a network fee above 10% of the trade's value: ``warn``.

Boundaries: a threshold reached is crossed (1.00% warns, 0.99% does not); the slippage range
and the 10% fee share are inclusive (0.1% and 5.5% and exactly 10% do not warn).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from app.inputs import parse_percent

IMPACT_LOW_PCT = Decimal(1)
IMPACT_HIGH_PCT = Decimal(3)
IMPACT_CONFIRM_PCT = Decimal(5)
IMPACT_REFUSE_PCT = Decimal(15)   # the default limit: a leg above it is not bought
MAX_IMPACT_OVERRIDE_PCT = Decimal(50)
SLIPPAGE_LOW_PCT = Decimal("0.1")
SLIPPAGE_HIGH_PCT = Decimal("5.5")
FEE_SHARE_WARN_PCT = Decimal(10)

WARN, CONFIRM, REFUSE = "warn", "confirm", "refuse"


def warning(level: str, code: str, text: str) -> dict:
    return {"level": level, "code": code, "text": text}


def impact_limit(saved: object = None, override: str | None = None) -> Fraction:
    """The price impact above which a leg is not bought, as a fraction: ``override`` (the
    command's ``--max-impact`` percent) beats the saved setting beats 15%. Raises InvalidInput."""
    text = override if override is not None else saved
    if text is None or text == "":
        pct = IMPACT_REFUSE_PCT
    else:
        pct = parse_percent(str(text), "the price impact limit", minimum=Decimal(0),
                            maximum=MAX_IMPACT_OVERRIDE_PCT, max_places=2)
    return Fraction(str(pct)) / 100


def impact_level(pct: Decimal, limit_pct: Decimal = IMPACT_REFUSE_PCT) -> tuple[str, str] | None:
    """(level, code) for a price impact in percent, or None under 1%."""
    if pct > max(limit_pct, IMPACT_REFUSE_PCT):  # a limit set lower skips such legs before this
        return REFUSE, "impact_refuse"
    if pct >= IMPACT_CONFIRM_PCT:
        return CONFIRM, "impact_confirm"
    if pct >= IMPACT_HIGH_PCT:
        return WARN, "impact_high"
    if pct >= IMPACT_LOW_PCT:
        return WARN, "impact_low"
    return None


def impact_warnings(legs: Iterable[tuple[str, Decimal, Decimal]],
                    limit_pct: Decimal = IMPACT_REFUSE_PCT) -> list[dict]:
    """``legs``: (name, price impact in percent, value traded in USD) per leg traded. One
    warning per leg at 1% or more, and one for the total (value-weighted) when there are two
    legs or more and it reaches 1%."""
    legs = list(legs)
    out = []
    for name, pct, _value in legs:
        found = impact_level(pct, limit_pct)
        if found:
            out.append(warning(found[0], found[1], _impact_text(name, pct, found[0], limit_pct)))
    total_value = sum((value for _n, _p, value in legs), Decimal(0))
    if len(legs) > 1 and total_value > 0:
        total = sum((pct * value for _n, pct, value in legs), Decimal(0)) / total_value
        found = impact_level(total, limit_pct)
        if found:
            out.append(warning(found[0], found[1].replace("impact_", "total_impact_"),
                               _impact_text("the whole trade (value-weighted)", total, found[0], limit_pct)))
    return out


def _impact_text(name: str, pct: Decimal, level: str, limit_pct: Decimal) -> str:
    shown = f"{pct.quantize(Decimal('0.01'))}%"
    if level == REFUSE:
        return f"{name}: price impact {shown} is above the {_pct(max(limit_pct, IMPACT_REFUSE_PCT))}% limit"
    if level == CONFIRM:
        above = (f", above the {_pct(IMPACT_REFUSE_PCT)}% limit raised to {_pct(limit_pct)}%"
                 if pct > IMPACT_REFUSE_PCT else "")
        return (f"{name}: price impact {shown}{above}: the trade itself moves the price by that much "
                "against you; confirm to go on")
    return f"{name}: price impact {shown}: the trade's size moves the price against you"


def slippage_warnings(slippage_bps: int) -> list[dict]:
    pct = Decimal(slippage_bps) / 100
    if pct < SLIPPAGE_LOW_PCT:
        return [warning(WARN, "slippage_low", f"slippage tolerance {_pct(pct)}% is below {_pct(SLIPPAGE_LOW_PCT)}%: "
                        "the smallest price move makes the transaction fail (you still pay its gas)")]
    if pct > SLIPPAGE_HIGH_PCT:
        return [warning(WARN, "slippage_high", f"slippage tolerance {_pct(pct)}% is above {_pct(SLIPPAGE_HIGH_PCT)}%: "
                        "a bot can move the price against you by up to that much before your transaction "
                        "(a sandwich attack) and it still goes through")]
    return []


def fee_warnings(fee_usd: Decimal, trade_usd: Decimal, fee_text: str | None = None) -> list[dict]:
    """A network fee above 10% of what is traded (both in USD)."""
    if trade_usd <= 0 or fee_usd * 100 <= trade_usd * FEE_SHARE_WARN_PCT:
        return []
    share = (fee_usd / trade_usd * 100).quantize(Decimal("0.1"))
    return [warning(WARN, "fee_high", f"the network fee (${fee_usd.quantize(Decimal('0.01'))}"
                    + (f", {fee_text}" if fee_text else "") + f") is {share}% of the trade's "
                    f"${trade_usd.quantize(Decimal('0.01'))}: above {_pct(FEE_SHARE_WARN_PCT)}%")]


def trade_warnings(legs: Iterable[tuple[str, Decimal, Decimal]], slippage_bps: int, fee_usd: Decimal,
                   trade_usd: Decimal, limit_pct: Decimal = IMPACT_REFUSE_PCT) -> list[dict]:
    """Everything a swap preview warns about, most severe first."""
    found = impact_warnings(legs, limit_pct) + slippage_warnings(slippage_bps) + fee_warnings(fee_usd, trade_usd)
    order = {REFUSE: 0, CONFIRM: 1, WARN: 2}
    return sorted(found, key=lambda w: order.get(w["level"], 3))


def at_level(warnings: Iterable[dict], level: str) -> list[dict]:
    return [w for w in warnings if w.get("level") == level]


def needs_confirmation(warnings: Iterable[dict]) -> bool:
    return bool(at_level(warnings, CONFIRM))


def blocking_reason(warnings: Iterable[dict], accepted: bool, flag: str = "--accept-impact") -> str | None:
    """Why this trade may not be sent now, or None: any ``refuse``; any ``confirm`` not
    ``accepted`` (the text names each, and how to accept)."""
    warnings = list(warnings)
    refused = at_level(warnings, REFUSE)
    if refused:
        return "refused, nothing sent: " + "; ".join(w["text"] for w in refused)
    confirm = at_level(warnings, CONFIRM)
    if confirm and not accepted:
        return ("needs your explicit confirmation, nothing sent: " + "; ".join(w["text"] for w in confirm)
                + f". Pass {flag} (with --yes) to trade anyway")
    return None


def refuse_unaccepted_warnings(action: str, warnings: Iterable[dict], accepted: bool) -> None:
    """The execution's own check (the CLI and the GUI check first, to ask before any password):
    InvalidInput, nothing sent, while ``blocking_reason`` has one."""
    from app.errors import InvalidInput

    reason = blocking_reason(warnings, accepted)
    if reason:
        raise InvalidInput(f"this {action} {reason}")


def as_notes(warnings: Iterable[dict]) -> tuple[str, ...]:
    """Warnings as signing-summary notes ("Warning: ...", "Confirmed by you: ...")."""
    prefix = {CONFIRM: "Confirmed by you: ", REFUSE: "Refused: ", WARN: "Warning: "}
    return tuple(prefix.get(w.get("level"), "Warning: ") + w["text"] for w in warnings)


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def impact_pct(value: Fraction) -> Decimal:
    """A price impact as a fraction (RouteQuote.price_impact) -> percent."""
    return Decimal(value.numerator) / Decimal(value.denominator) * 100

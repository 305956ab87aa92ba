"""Trailing APY from stored share-price samples (pure). No invented numbers: with less than
MIN_WINDOW of history the answer is "not enough history"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, getcontext

getcontext().prec = 50
YEAR = 365 * 24 * 3600
MIN_WINDOW = 24 * 3600          # at least a day of chain time between the first and last sample
DEFAULT_WINDOW = 30 * 24 * 3600  # look back this far


@dataclass(frozen=True)
class TrailingApy:
    apy: Decimal | None          # 0.048 = 4.8%; None: not enough history
    window_seconds: int
    samples: int
    reason: str | None = None

    def as_json(self) -> dict:
        return {"value_pct": str((self.apy * 100).quantize(Decimal("0.01"))) if self.apy is not None else None,
                "window_days": str((Decimal(self.window_seconds) / 86400).quantize(Decimal("0.01"))),
                "samples": self.samples, "note": self.reason}


def trailing_apy(samples: list[tuple[int, int]], now: int, window: int = DEFAULT_WINDOW) -> TrailingApy:
    """Annualised growth of the share price over about ``window``: from the newest sample at or
    before the window's start (or the oldest inside it) to the newest sample."""
    valid = [(t, p) for t, p in samples if p > 0]
    recent = [(t, p) for t, p in valid if t >= now - window]
    older = [(t, p) for t, p in valid if t < now - window]
    if older:  # the window starts at the newest sample at or before its start
        recent.insert(0, older[-1])
    if len(recent) < 2:
        return TrailingApy(None, 0, len(recent), "not enough history (fewer than 2 share-price samples)")
    (t0, p0), (t1, p1) = recent[0], recent[-1]
    span = t1 - t0
    if span < MIN_WINDOW:
        return TrailingApy(None, span, len(recent),
                           f"not enough history ({span / 3600:.1f} h of samples; needs at least 24 h)")
    growth = Decimal(p1) / Decimal(p0)
    apy = growth ** (Decimal(YEAR) / Decimal(span)) - 1
    return TrailingApy(apy, span, len(recent))

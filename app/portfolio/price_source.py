"""Where the portfolio's prices come from: the ``portfolio.price_source`` setting. Light on
purpose (no chain code): the Settings page and the CLI's parser read it without loading the
chain readers; ``app.portfolio.refresh`` applies it."""

from __future__ import annotations

from app.errors import InvalidInput

PRICE_SOURCE_SETTING = "portfolio.price_source"
PRICE_SOURCES = ("onchain", "coingecko")


def set_price_source(store, source: str) -> None:
    """Raises InvalidInput for anything but one of PRICE_SOURCES."""
    if source not in PRICE_SOURCES:
        raise InvalidInput(f"unknown price source {source!r}; one of {', '.join(PRICE_SOURCES)}")
    store.set_setting(PRICE_SOURCE_SETTING, source)

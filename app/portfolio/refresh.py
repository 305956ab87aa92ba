"""Refreshing the portfolio from the chain: one Multicall3 read (balances, pools, vault share
prices), prices with their source, everything stored, then a snapshot for value over time.

Prices come from the chain by default. With the ``portfolio.price_source`` setting at
"coingecko" the tokens CoinGecko knows take its price instead (source and time say so); any
it lacks, or a failed fetch, keep the on-chain price.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal, localcontext

from app.accounting.money import ACCOUNTING_CONTEXT, ZERO
from app.index.market import COINGECKO_URL, MarketDataUnavailable, fetch_coingecko, load_bundled
from app.portfolio.assets import Asset
from app.portfolio.price_source import PRICE_SOURCE_SETTING
from app.portfolio.pricing import Price, price_assets
from app.portfolio.records import record_balances, record_prices, record_snapshot
from app.portfolio.view import Portfolio, load_portfolio
from app.session import ChainSession

log = logging.getLogger(__name__)


def refresh_portfolio(session: ChainSession, accounts: Iterable[str], *,
                      coingecko_url: str = COINGECKO_URL, assets: list[Asset] | None = None) -> Portfolio:
    """Read, price and store the holdings of ``accounts`` (of ``assets``, default: every
    ``portfolio_assets``); return the portfolio as stored."""
    from app.portfolio.reader import portfolio_assets, read_state  # the chain (eth-abi): here only

    accounts = list(accounts)
    assets = portfolio_assets(session) if assets is None else assets
    state = read_state(session, assets, accounts)
    prices = price_assets(assets, state.pools, state.share_prices, session.network.usdc,
                          session.network.wrapped_native)
    if session.store.get_setting(PRICE_SOURCE_SETTING, "onchain") == "coingecko":
        prices.update(_coingecko_prices(assets, prices, coingecko_url))
    key = session.journal.chain
    record_balances(session.store, key, state.balances, state.block, state.timestamp)
    record_prices(session.store, key, prices, state.timestamp, state.block)
    with localcontext(ACCOUNTING_CONTEXT):
        decimals = {a.address: a.decimals for a in assets}
        values: dict[str, Decimal] = {}
        for (_account, token), amount in state.balances.items():
            if amount and token in prices:
                value = Decimal(amount).scaleb(-decimals[token]) * prices[token].usd
                values[token] = values.get(token, ZERO) + value
        total = sum(values.values(), ZERO).quantize(Decimal("0.01"))
    record_snapshot(session.store, key, state.timestamp, state.block, total,
                    {k: v.quantize(Decimal("0.01")) for k, v in values.items()})
    return load_portfolio(session.store, session.network, key, accounts)


def _coingecko_prices(assets: list[Asset], onchain: dict[str, Price], url: str) -> dict[str, Price]:
    try:
        snapshot = fetch_coingecko(load_bundled(), base_url=url)
    except MarketDataUnavailable as exc:
        log.info("CoinGecko prices unavailable, keeping on-chain prices: %s", exc)
        return {}
    found = {}
    for asset in assets:
        symbol = "WETH" if asset.is_native else asset.symbol
        if asset.kind != "vault" and symbol in snapshot.prices and symbol not in snapshot.carried_over:
            found[asset.address] = Price(Decimal(snapshot.prices[symbol]), "CoinGecko")
    for asset in assets:  # a vault share follows its asset's price
        if asset.kind == "vault" and asset.underlying in found and asset.address in onchain \
                and asset.underlying in onchain and onchain[asset.underlying].usd:
            ratio = onchain[asset.address].usd / onchain[asset.underlying].usd
            found[asset.address] = Price(ratio * found[asset.underlying].usd,
                                         "ERC-4626 previewRedeem × CoinGecko asset price")
    return found

"""The portfolio's two ways in: ``update`` (online: balances and prices read, history synced,
ledger derived, all stored) and ``open_offline`` (SQLite alone, the same view)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.index.market import COINGECKO_URL
from app.networks import Network
from app.portfolio.view import Portfolio, chain_key_offline, load_portfolio
from app.store import Store

# The chain readers (web3, eth-abi) and the ledger are imported by ``update``: ``open_offline``
# stays light.
if TYPE_CHECKING:
    from app.portfolio.history import HistorySync
    from app.portfolio.ledger import LedgerUpdate
    from app.session import ChainSession


@dataclass(frozen=True)
class PortfolioUpdate:
    portfolio: Portfolio
    history: HistorySync
    ledger: LedgerUpdate


def update(session: ChainSession, accounts: Iterable[str],
           progress: Callable[[str, int, int], None] | None = None,
           cancel: threading.Event | None = None, coingecko_url: str = COINGECKO_URL) -> PortfolioUpdate:
    """Refresh balances and prices (one read), bring the history up to that block, derive the
    new ledger events and reconcile them with the balances just read."""
    from app.portfolio.history import sync_history
    from app.portfolio.ledger import LedgerUpdate, build_ledger, quote_assets_of, reconcile
    from app.portfolio.native_receipts import find_native_receipts
    from app.portfolio.reader import portfolio_assets
    from app.portfolio.refresh import refresh_portfolio

    accounts = sorted(set(accounts))
    if progress:
        progress("Reading balances and prices", 0, 1)
    assets = portfolio_assets(session)  # once: the catalog read and recorded for both steps
    portfolio = refresh_portfolio(session, accounts, coingecko_url=coingecko_url, assets=assets)
    history = sync_history(session, accounts, progress=progress, cancel=cancel, to_block=portfolio.block,
                           assets=assets)
    ledger = build_ledger(session.store, session.journal.chain, accounts,
                          quote_assets_of(session.network.usdc, session.network.wrapped_native),
                          session.network.wrapped_native)
    if not history.cancelled and find_native_receipts(session, accounts, portfolio.block):
        # ETH received without a log, found by its balance: dated acquisitions, not an opening
        ledger = LedgerUpdate(ledger.transactions, ledger.events, reconcile(session.store, session.journal.chain,
                                                                            set(accounts)))
    return PortfolioUpdate(portfolio, history, ledger)


def open_offline(store: Store, network: Network, accounts: Iterable[str]) -> Portfolio:
    """The portfolio as last seen on ``network``, from SQLite alone."""
    return load_portfolio(store, network, chain_key_offline(store, network), accounts, offline=True)

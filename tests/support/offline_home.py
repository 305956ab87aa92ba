"""A small data directory for offline reviews, as the app leaves one after an online session
on the demo network: its genesis recorded, one watch account, the native coin's balance,
price and a snapshot. No chain is needed to make it, or to review it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from app.accounts import AccountRegistry
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.pricing import Price
from app.portfolio.records import record_balances, record_prices, record_snapshot
from app.store import Store
from app.tx.journal import ChainKey

CHAIN_ID = 31337   # the demo network
NETWORK = "demo"
GENESIS = "0x" + "ab" * 32
WATCHED = "0x000000000000000000000000000000000000bEEF"
BLOCK, AT = 100, 1_700_000_000


def make_offline_home(home: Path) -> Path:
    key = ChainKey(CHAIN_ID, GENESIS)
    with Store.open(home) as store:
        store.record_network(CHAIN_ID, GENESIS, NETWORK, now=AT)
        AccountRegistry(store).add("Watched", WATCHED, "watch")
        with store.lock, store.db.conn:
            store.db.conn.execute(
                "INSERT INTO tokens (chain_id, genesis_hash, address, symbol, name, decimals, kind, underlying)"
                " VALUES (?, ?, ?, 'ETH', NULL, 18, 'native', NULL)", [CHAIN_ID, GENESIS, NATIVE_ADDRESS])
        record_balances(store, key, {(WATCHED, NATIVE_ADDRESS): 2 * 10**18}, BLOCK, AT)
        record_prices(store, key, {NATIVE_ADDRESS: Price(Decimal(2500), "pool mid (test)")}, AT, BLOCK)
        record_snapshot(store, key, AT, BLOCK, Decimal(5000), {NATIVE_ADDRESS: Decimal(5000)})
    return home

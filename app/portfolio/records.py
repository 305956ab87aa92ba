"""The portfolio's rows in SQLite: assets, last-seen balances, prices, snapshots. Everything the
offline review shows comes from here. Times are the chain's block timestamps (unix seconds)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.portfolio.assets import Asset
from app.portfolio.pricing import Price
from app.store import Store
from app.tx.journal import ChainKey


@dataclass(frozen=True)
class StoredPrice:
    usd: Decimal
    source: str
    observed_at: int
    block: int | None


def stored_assets(store: Store, key: ChainKey) -> list[Asset]:
    rows = store.db.execute(
        "SELECT symbol, address, decimals, kind, underlying FROM tokens WHERE chain_id = ? AND genesis_hash = ?"
        " ORDER BY kind = 'vault', kind != 'native', symbol", [key.chain_id, key.genesis_hash]).fetchall()
    return [Asset(symbol, address, int(decimals), kind or "token", underlying)
            for symbol, address, decimals, kind, underlying in rows]


def record_prices(store: Store, key: ChainKey, prices: Mapping[str, Price], observed_at: int,
                  block: int | None) -> None:
    with store.lock, store.db.conn:
        store.db.conn.executemany(
            "INSERT INTO prices (chain_id, genesis_hash, token_address, price_usd, source, observed_at, block)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(key.chain_id, key.genesis_hash, address, str(price.usd), price.source, observed_at, block)
             for address, price in prices.items()])


def record_balances(store: Store, key: ChainKey, balances: Mapping[tuple[str, str], int], block: int,
                    observed_at: int) -> None:
    with store.lock, store.db.conn:
        store.db.conn.executemany(
            "INSERT OR REPLACE INTO balances (chain_id, genesis_hash, account_address, token_address, balance,"
            " block, observed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(key.chain_id, key.genesis_hash, account, token, str(amount), block, observed_at)
             for (account, token), amount in balances.items()])


def record_snapshot(store: Store, key: ChainKey, taken_at: int, block: int, total_usd: Decimal,
                    values: Mapping[str, Decimal]) -> None:
    with store.lock, store.db.conn:
        store.db.execute(
            "INSERT INTO portfolio_snapshots (chain_id, genesis_hash, taken_at, block, total_usd, values_json)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [key.chain_id, key.genesis_hash, taken_at, block, str(total_usd),
             json.dumps({k: str(v) for k, v in values.items()})])


def latest_prices(store: Store, key: ChainKey) -> dict[str, StoredPrice]:
    """The newest stored price of each asset (highest observed_at, then the newest row)."""
    rows = store.db.execute(
        "SELECT token_address, price_usd, source, observed_at, block FROM prices p WHERE chain_id = ?"
        " AND genesis_hash = ? AND id = (SELECT id FROM prices q WHERE q.chain_id = p.chain_id AND"
        " q.genesis_hash = p.genesis_hash AND q.token_address = p.token_address"
        " ORDER BY observed_at DESC, id DESC LIMIT 1)", [key.chain_id, key.genesis_hash]).fetchall()
    return {token: StoredPrice(Decimal(usd), source, int(at), block) for token, usd, source, at, block in rows}


def price_history(store: Store, key: ChainKey) -> dict[str, list[tuple[int, Decimal, str]]]:
    """Every stored price per asset, oldest first: (observed_at, usd, source)."""
    history: dict[str, list[tuple[int, Decimal, str]]] = {}
    for token, at, usd, source in store.db.execute(
            "SELECT token_address, observed_at, price_usd, source FROM prices WHERE chain_id = ? AND genesis_hash = ?"
            " ORDER BY observed_at, id", [key.chain_id, key.genesis_hash]):
        history.setdefault(token, []).append((int(at), Decimal(usd), source))
    return history


@dataclass(frozen=True)
class StoredBalance:
    account: str
    token: str
    balance: int
    block: int
    observed_at: int


def stored_balances(store: Store, key: ChainKey, accounts: Iterable[str] | None = None) -> list[StoredBalance]:
    rows = store.db.execute(
        "SELECT account_address, token_address, balance, block, observed_at FROM balances"
        " WHERE chain_id = ? AND genesis_hash = ?", [key.chain_id, key.genesis_hash]).fetchall()
    wanted = None if accounts is None else {a.lower() for a in accounts}
    return [StoredBalance(a, t, int(b), int(block), int(at)) for a, t, b, block, at in rows
            if wanted is None or a.lower() in wanted]


def snapshots(store: Store, key: ChainKey) -> list[tuple[int, Decimal]]:
    """(taken_at, total USD) of every stored snapshot, oldest first: the value-over-time line."""
    return [(int(at), Decimal(total)) for at, total in store.db.execute(
        "SELECT taken_at, total_usd FROM portfolio_snapshots WHERE chain_id = ? AND genesis_hash = ?"
        " ORDER BY taken_at, id", [key.chain_id, key.genesis_hash])]

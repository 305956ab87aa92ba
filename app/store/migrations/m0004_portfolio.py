"""Schema 4: the portfolio and its accounting.

- ``tokens``: ``kind`` and ``underlying`` (a vault's asset), so assets are named offline;
- ``balances``: the last balance seen of each (account, asset), with its block and time, so
  the portfolio opens offline and says how old each number is;
- ``portfolio_snapshots``: the total (and per-asset values) at each refresh: value over time;
- ``chain_txs``: every transaction that moved the user's assets (the app's own and ones found
  in Transfer logs): sender, value, gas and block time, i.e. what the ledger needs that logs lack;
- ``ledger_events``: acquisitions and disposals per (account, asset), priced in USD at their
  time, derived from ``chain_txs`` + ``transfers``; the input of every cost-basis method;
- ``pnl_reports``: each P&L computed, with the settings it ran with (reproducible).

The native coin is stored under the EIP-7528 address 0xEeee…EEeE (it has no contract).
"""

from __future__ import annotations

import sqlite_utils

STATEMENTS = (
    # every asset the portfolio knows, so it can be named offline: kind native|token|vault
    "ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'token'",
    "ALTER TABLE tokens ADD COLUMN underlying TEXT",
    """
    CREATE TABLE balances (
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        account_address TEXT NOT NULL,
        token_address TEXT NOT NULL,
        balance TEXT NOT NULL,
        block INTEGER NOT NULL,
        observed_at INTEGER NOT NULL,
        PRIMARY KEY (chain_id, genesis_hash, account_address, token_address)
    )
    """,
    """
    CREATE TABLE portfolio_snapshots (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        taken_at INTEGER NOT NULL,
        block INTEGER NOT NULL,
        total_usd TEXT NOT NULL,
        values_json TEXT NOT NULL  -- {token address: value in USD (decimal string)}
    )
    """,
    "CREATE INDEX portfolio_snapshots_by_time ON portfolio_snapshots (chain_id, genesis_hash, taken_at)",
    """
    CREATE TABLE chain_txs (
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        tx_hash TEXT NOT NULL,
        block INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        tx_index INTEGER NOT NULL,
        from_address TEXT NOT NULL,
        to_address TEXT,
        value TEXT NOT NULL,
        gas_used TEXT NOT NULL,
        effective_gas_price TEXT NOT NULL,
        success INTEGER NOT NULL,
        PRIMARY KEY (chain_id, genesis_hash, tx_hash)
    )
    """,
    "CREATE INDEX chain_txs_by_block ON chain_txs (chain_id, genesis_hash, block, tx_index)",
    """
    CREATE TABLE ledger_events (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        tx_hash TEXT,              -- NULL for an opening balance or an adjustment
        seq INTEGER NOT NULL,      -- order inside the transaction
        time INTEGER NOT NULL,
        block INTEGER NOT NULL,
        account_address TEXT NOT NULL,
        token_address TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('acquisition', 'disposal')),
        quantity TEXT NOT NULL,    -- base units
        value_usd TEXT NOT NULL,   -- cost (acquisition) or proceeds (disposal), fee excluded
        fee_usd TEXT NOT NULL,
        label TEXT NOT NULL,       -- trade, receive, send, gas, opening, adjustment, ...
        price_source TEXT NOT NULL,
        UNIQUE (chain_id, genesis_hash, tx_hash, seq)
    )
    """,
    "CREATE INDEX ledger_events_by_time ON ledger_events (chain_id, genesis_hash, time, id)",
    "CREATE INDEX ledger_events_by_position"
    " ON ledger_events (chain_id, genesis_hash, account_address, token_address)",
    """
    CREATE TABLE pnl_reports (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        method TEXT NOT NULL,
        settings_json TEXT NOT NULL,
        realized_usd TEXT NOT NULL,
        unrealized_usd TEXT NOT NULL,
        fees_usd TEXT NOT NULL,
        positions_json TEXT NOT NULL
    )
    """,
    "CREATE INDEX pnl_reports_by_time ON pnl_reports (chain_id, genesis_hash, created_at)",
)


def upgrade(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)

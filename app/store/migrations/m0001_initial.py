"""Schema 1: the first tables.

Plain SQL on purpose: a migration is frozen once released, so its DDL must not depend on how
a future sqlite-utils renders a table, and it needs constraints sqlite-utils' ``create()``
cannot express (CHECK, UNIQUE over columns, the previews <-> transactions cycle).

Conventions for every table:
- chain data is keyed by ``(chain_id, genesis_hash)``: a chain id alone is not an identity
  (a devnet reset or a fork reuses it with another genesis block);
- money (USD prices, costs) is TEXT holding a decimal string; token amounts are TEXT holding
  an integer in base units (they overflow SQLite's 64-bit INTEGER);
- times are INTEGER unix seconds (UTC); ``block`` is a block number;
- addresses and hashes are 0x-prefixed hex TEXT, compared exactly: write them in one case.
"""

from __future__ import annotations

import sqlite_utils

STATEMENTS = (
    """
    CREATE TABLE networks (
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (chain_id, genesis_hash)
    )
    """,
    "CREATE INDEX networks_by_name ON networks (name, chain_id, last_seen)",
    """
    CREATE TABLE settings (
        key TEXT NOT NULL PRIMARY KEY,
        value TEXT NOT NULL  -- JSON
    )
    """,
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL,
        label TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('local', 'watch', 'ledger', 'trezor')),
        derivation_path TEXT,
        keyring_item TEXT,
        created_at INTEGER NOT NULL
    )
    """,
    "CREATE INDEX accounts_by_address ON accounts (address)",
    """
    CREATE TABLE tokens (
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        address TEXT NOT NULL,
        symbol TEXT NOT NULL,
        name TEXT,
        decimals INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 255),
        PRIMARY KEY (chain_id, genesis_hash, address)
    )
    """,
    """
    CREATE TABLE prices (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        token_address TEXT NOT NULL,
        price_usd TEXT NOT NULL,
        source TEXT NOT NULL,
        observed_at INTEGER NOT NULL,
        block INTEGER
    )
    """,
    "CREATE INDEX prices_by_token ON prices (chain_id, genesis_hash, token_address, observed_at)",
    # The journal. previews and transactions point at each other (a preview is made before
    # its transaction exists); SQLite resolves REFERENCES when rows are written, not here.
    """
    CREATE TABLE transactions (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        account_address TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        nonce INTEGER,
        tx_hash TEXT,
        unsigned_json TEXT,
        signed_raw TEXT,
        receipt_json TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        preview_id INTEGER REFERENCES previews (id)
    )
    """,
    "CREATE INDEX transactions_by_account"
    " ON transactions (chain_id, genesis_hash, account_address, nonce)",
    "CREATE INDEX transactions_by_hash ON transactions (chain_id, genesis_hash, tx_hash)",
    "CREATE INDEX transactions_by_status ON transactions (chain_id, genesis_hash, status)",
    "CREATE INDEX transactions_by_preview ON transactions (preview_id)",
    """
    CREATE TABLE previews (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        block INTEGER NOT NULL,
        preview_json TEXT NOT NULL,
        transaction_id INTEGER REFERENCES transactions (id),
        realized_json TEXT
    )
    """,
    "CREATE INDEX previews_by_time ON previews (chain_id, genesis_hash, created_at)",
    "CREATE INDEX previews_by_transaction ON previews (transaction_id)",
    # One row per token movement; a native-coin transfer (no log) uses log_index -1.
    """
    CREATE TABLE transfers (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        tx_hash TEXT NOT NULL,
        log_index INTEGER NOT NULL,
        token_address TEXT NOT NULL,
        from_address TEXT NOT NULL,
        to_address TEXT NOT NULL,
        amount TEXT NOT NULL,
        block INTEGER NOT NULL,
        UNIQUE (chain_id, genesis_hash, tx_hash, log_index)
    )
    """,
    "CREATE INDEX transfers_by_from ON transfers (chain_id, genesis_hash, from_address, block)",
    "CREATE INDEX transfers_by_to ON transfers (chain_id, genesis_hash, to_address, block)",
    "CREATE INDEX transfers_by_token ON transfers (chain_id, genesis_hash, token_address, block)",
    """
    CREATE TABLE lots (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        account_address TEXT NOT NULL,
        token_address TEXT NOT NULL,
        acquired_at INTEGER NOT NULL,
        quantity TEXT NOT NULL,
        remaining TEXT NOT NULL,
        cost_usd TEXT NOT NULL,
        transaction_id INTEGER REFERENCES transactions (id)
    )
    """,
    "CREATE INDEX lots_by_holding"
    " ON lots (chain_id, genesis_hash, account_address, token_address, acquired_at)",
    "CREATE INDEX lots_by_transaction ON lots (transaction_id)",
    """
    CREATE TABLE vaults (
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        address TEXT NOT NULL,
        name TEXT NOT NULL,
        asset_address TEXT NOT NULL,
        PRIMARY KEY (chain_id, genesis_hash, address)
    )
    """,
    """
    CREATE TABLE vault_samples (
        id INTEGER PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        vault_address TEXT NOT NULL,
        block INTEGER NOT NULL,
        timestamp INTEGER NOT NULL,
        share_price TEXT NOT NULL,
        total_assets TEXT NOT NULL,
        UNIQUE (chain_id, genesis_hash, vault_address, block),
        FOREIGN KEY (chain_id, genesis_hash, vault_address)
            REFERENCES vaults (chain_id, genesis_hash, address)
    )
    """,
)


def upgrade(db: sqlite_utils.Database) -> None:
    """Create the schema-1 tables. Runs inside the migration's transaction."""
    for statement in STATEMENTS:
        db.execute(statement)

"""Schema 5: ``added_tokens``, the ERC-20 tokens a person added by address.

Per chain id AND genesis hash, like every chain-derived row: a reset demo network (a new
genesis) starts without them. Symbol, name and decimals are what the contract answered when it
was added (app/tokens/added.py checks it is an ERC-20 first); ``added_at`` is unix seconds.
"""

from __future__ import annotations

import sqlite_utils

STATEMENTS = (
    """
    CREATE TABLE added_tokens (
        chain_id INTEGER NOT NULL,
        genesis_hash TEXT NOT NULL,
        address TEXT NOT NULL,
        symbol TEXT NOT NULL,
        name TEXT NOT NULL,
        decimals INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 36),
        added_at INTEGER NOT NULL,
        PRIMARY KEY (chain_id, genesis_hash, address)
    )
    """,
)


def upgrade(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)

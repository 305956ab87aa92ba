"""Schema 2: what the wallet and the transaction journal need.

- accounts: ``device`` (how to reach a hardware wallet, e.g. "udp:127.0.0.1:21324") and
  ``hd_index`` (the BIP-44 index of an account derived from a stored mnemonic);
- transactions: ``replaces_id`` (a speed-up or cancel points at the entry it replaces),
  ``error`` (why it failed, for the user), ``summary_json`` (what the user approved).
"""

from __future__ import annotations

import sqlite_utils

STATEMENTS = (
    "ALTER TABLE accounts ADD COLUMN device TEXT",
    "ALTER TABLE accounts ADD COLUMN hd_index INTEGER",
    "ALTER TABLE transactions ADD COLUMN replaces_id INTEGER REFERENCES transactions (id)",
    "ALTER TABLE transactions ADD COLUMN error TEXT",
    "ALTER TABLE transactions ADD COLUMN summary_json TEXT",
    "CREATE UNIQUE INDEX transactions_unique_hash ON transactions (chain_id, genesis_hash, tx_hash)",
)


def upgrade(db: sqlite_utils.Database) -> None:
    for statement in STATEMENTS:
        db.execute(statement)

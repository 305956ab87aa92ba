"""The transaction journal in SQLite: every signed transaction is written here BEFORE it is
broadcast, so a crash at any point loses nothing and never sends twice under another nonce.

States: ``exported`` (an unsigned transaction written for air-gapped signing; no signature
yet) -> ``signed`` (journaled, maybe not yet sent) -> ``pending`` (broadcast, no receipt)
-> ``confirmed`` | ``failed`` (reverted on chain) | ``rejected`` (the node refused the bytes:
never on chain, its nonce free again) | ``replaced`` (another transaction with
the same nonce was mined, e.g. a speed-up or cancel) | ``dropped`` (the node no longer knows
it and its nonce was used by something else outside the app).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from app.store import Store

OPEN_STATES = ("signed", "pending")
FINAL_STATES = ("confirmed", "failed", "rejected", "replaced", "dropped")


@dataclass(frozen=True)
class ChainKey:
    chain_id: int
    genesis_hash: str


@dataclass(frozen=True)
class JournalEntry:
    id: int
    account: str
    kind: str
    status: str
    nonce: int
    tx_hash: str
    unsigned: dict[str, Any]
    signed_raw: str
    receipt: dict[str, Any] | None
    replaces_id: int | None
    error: str | None
    summary: dict[str, Any] | None
    created_at: int
    updated_at: int


class Journal:
    """Journal rows of one chain (chain id + genesis); the store stays on its own thread."""

    def __init__(self, store: Store, chain: ChainKey):
        self.store, self.chain = store, chain

    def record_signed(self, account: str, kind: str, nonce: int, tx_hash: str,
                      unsigned: dict[str, Any], signed_raw: str, summary: dict[str, Any] | None = None,
                      replaces_id: int | None = None) -> int:
        """Write a signed transaction (status ``signed``) and commit before returning. The same
        bytes signed again after the node ``rejected`` them (same nonce and content, so the same
        hash) reopen that entry rather than adding a second one."""
        now = int(time.time())
        db = self.store.db
        with self.store.lock, db.conn:
            row = db.execute("SELECT id FROM transactions WHERE chain_id = ? AND genesis_hash = ? AND tx_hash = ?"
                             " AND status = 'rejected'", [self.chain.chain_id, self.chain.genesis_hash, tx_hash]
                             ).fetchone()
            if row is not None:
                db.execute("UPDATE transactions SET status = 'signed', kind = ?, error = NULL, updated_at = ?,"
                           " summary_json = ? WHERE id = ?",
                           [kind, now, json.dumps(summary, default=str) if summary is not None else None, row[0]])
                return int(row[0])
            cursor = db.execute(
                "INSERT INTO transactions (chain_id, genesis_hash, account_address, kind, status,"
                " nonce, tx_hash, unsigned_json, signed_raw, created_at, updated_at, replaces_id,"
                " summary_json) VALUES (?, ?, ?, ?, 'signed', ?, ?, ?, ?, ?, ?, ?, ?)",
                [self.chain.chain_id, self.chain.genesis_hash, account, kind, nonce, tx_hash,
                 json.dumps(unsigned, default=str), signed_raw, now, now, replaces_id,
                 json.dumps(summary, default=str) if summary is not None else None])
        return int(cursor.lastrowid)

    def record_exported(self, account: str, kind: str, nonce: int, document: dict[str, Any],
                        summary: dict[str, Any]) -> int:
        """An unsigned transaction handed to an offline signer (``document``: the file's JSON)."""
        now = int(time.time())
        with self.store.lock, self.store.db.conn:
            cursor = self.store.db.execute(
                "INSERT INTO transactions (chain_id, genesis_hash, account_address, kind, status,"
                " nonce, unsigned_json, created_at, updated_at, summary_json)"
                " VALUES (?, ?, ?, ?, 'exported', ?, ?, ?, ?, ?)",
                [self.chain.chain_id, self.chain.genesis_hash, account, kind, nonce,
                 json.dumps(document), now, now, json.dumps(summary, default=str)])
        return int(cursor.lastrowid)

    def find_exported(self, account: str, nonce: int) -> JournalEntry | None:
        rows = self._many("status = 'exported' AND account_address = ? AND nonce = ? ORDER BY id DESC",
                          [account, nonce])
        return rows[0] if rows else None

    def attach_signature(self, entry_id: int, tx_hash: str, signed_raw: str, tx: dict[str, Any]) -> None:
        """An exported entry got its signature back: it becomes ``signed`` (before broadcast)."""
        with self.store.lock, self.store.db.conn:
            self.store.db.execute(
                "UPDATE transactions SET status = 'signed', tx_hash = ?, signed_raw = ?,"
                " unsigned_json = ?, updated_at = ? WHERE id = ? AND status = 'exported'",
                [tx_hash, signed_raw, json.dumps(tx, default=str), int(time.time()), entry_id])

    def set_status(self, entry_id: int, status: str, *, receipt: dict | None = None,
                   error: str | None = None) -> None:
        with self.store.lock, self.store.db.conn:
            self.store.db.execute(
                "UPDATE transactions SET status = ?, updated_at = ?,"
                " receipt_json = COALESCE(?, receipt_json), error = COALESCE(?, error) WHERE id = ?",
                [status, int(time.time()), json.dumps(receipt, default=str) if receipt else None,
                 error, entry_id])

    # --- queries ---------------------------------------------------------------------------
    def get(self, entry_id: int) -> JournalEntry:
        return self._one("id = ?", [entry_id])

    def by_hash(self, tx_hash: str) -> JournalEntry | None:
        try:
            return self._one("lower(tx_hash) = lower(?)", [tx_hash])
        except LookupError:
            return None

    def open_entries(self) -> list[JournalEntry]:
        return self._many(f"status IN {OPEN_STATES}", [])

    def entries(self, account: str | None = None, limit: int = 500) -> list[JournalEntry]:
        if account:
            return self._many("account_address = ? ORDER BY id DESC LIMIT ?", [account, limit])
        return self._many("1 ORDER BY id DESC LIMIT ?", [limit])

    def next_nonce_floor(self, account: str) -> int:
        """One above the highest nonce the journal holds for this account in an open state or
        confirmed: a nonce the app has signed with is never reused for different content."""
        row = self.store.db.execute(
            "SELECT MAX(nonce) FROM transactions WHERE chain_id = ? AND genesis_hash = ?"
            " AND account_address = ? AND status IN ('signed', 'pending', 'confirmed', 'failed')",
            [self.chain.chain_id, self.chain.genesis_hash, account]).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def _one(self, where: str, params: list) -> JournalEntry:
        rows = self._many(where, params)
        if not rows:
            raise LookupError(f"no journal entry where {where} {params}")
        return rows[0]

    def _many(self, where: str, params: list) -> list[JournalEntry]:
        rows = self.store.db.execute(
            "SELECT id, account_address, kind, status, nonce, tx_hash, unsigned_json, signed_raw,"
            " receipt_json, replaces_id, error, summary_json, created_at, updated_at"
            " FROM transactions WHERE chain_id = ? AND genesis_hash = ? AND " + where,
            [self.chain.chain_id, self.chain.genesis_hash, *params]).fetchall()
        return [JournalEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6] or "{}"), r[7],
                             json.loads(r[8]) if r[8] else None, r[9], r[10],
                             json.loads(r[11]) if r[11] else None, r[12], r[13]) for r in rows]

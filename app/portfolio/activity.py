"""Activity: the app's journal and the transactions found in the chain's history (``chain_txs``)
that the app did not send, in one list, newest first, from SQLite alone (so it opens offline).

Each item names its token movements for the user's accounts (symbols and decimals from
``tokens``), its gas and fee; a trade the app made carries its predicted-vs-realised rows
(``app.portfolio.comparison``) from the preview stored before signing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.comparison import ComparisonRow, compare
from app.portfolio.ledger import ChainTx, stored_chain_txs
from app.store import Store
from app.tx.journal import ChainKey, Journal, JournalEntry


@dataclass(frozen=True)
class Movement:
    """One token movement of one of the user's accounts."""

    direction: str            # "in" | "out"
    account: str
    counterparty: str | None
    token: str                # address; NATIVE_ADDRESS for the native coin
    symbol: str | None        # None: a contract the app does not know (amount in base units then)
    amount: Decimal           # whole units (base units if the token is unknown)

    def to_json(self) -> dict:
        return {"direction": self.direction, "account": self.account, "counterparty": self.counterparty,
                "token": self.token, "symbol": self.symbol, "amount": format(self.amount, "f"),
                "unit": "whole" if self.symbol is not None else "base units"}


@dataclass(frozen=True)
class ActivityItem:
    source: str                        # "app" (journaled) | "external" (found in the history)
    hash: str | None
    kind: str                          # the journal's kind, or "external"
    status: str
    time: int                          # block time if mined and known, else when journaled
    account: str                       # the sender
    to: str | None
    nonce: int | None = None
    block: int | None = None
    gas_used: int | None = None
    fee: Decimal | None = None         # native coin paid for gas, whole units (the sender's)
    summary: dict[str, Any] | None = None
    error: str | None = None
    entry_id: int | None = None        # the journal entry (speed-up / cancel)
    replaces_id: int | None = None
    created_at: int | None = None
    movements: list[Movement] = field(default_factory=list)
    comparison: list[ComparisonRow] = field(default_factory=list)
    comparison_kind: str | None = None  # the preview's kind, when there is one
    entry: JournalEntry | None = None   # the app's own: its journal entry (speed-up, cancel)


def load_activity(store: Store, key: ChainKey, accounts: Iterable[str] | None = None, *,
                  limit: int | None = None, journal: Journal | None = None,
                  token_names: Mapping[str, tuple[str, int]] | None = None) -> list[ActivityItem]:
    """The journal of ``key`` and the stored history's other transactions touching ``accounts``
    (None: every stored one), newest first, at most ``limit``. ``token_names`` (address ->
    (symbol, decimals)) names tokens the ``tokens`` table does not know yet."""
    journal = journal or Journal(store, key)
    mine = None if accounts is None else {a.lower() for a in accounts}
    names = _token_names(store, key, token_names or {})
    native = names.get(NATIVE_ADDRESS.lower(), ("ETH", 18))[0]
    chain = _chain_txs(store, key)
    moves = _transfers(store, key)
    previews = _previews(store, key)
    items: list[ActivityItem] = []
    journaled: set[str] = set()
    for entry in journal.entries(limit=limit or 1_000_000):
        tx_hash = (entry.tx_hash or "").lower()
        if tx_hash:
            journaled.add(tx_hash)
        items.append(_journal_item(entry, chain.get(tx_hash), moves.get(tx_hash, []), previews.get(entry.id),
                                   mine, names, native))
    for tx_hash, tx in chain.items():
        if tx_hash in journaled:
            continue
        movements = _movements(tx, moves.get(tx_hash, []), mine, names, native)
        if mine is not None and not movements and tx.from_address.lower() not in mine:
            continue  # another account's history (removed from this wallet since)
        ours = mine is None or tx.from_address.lower() in mine
        items.append(ActivityItem(
            "external", tx_hash, "external", "confirmed" if tx.success else "failed", tx.timestamp,
            tx.from_address, tx.to_address, block=tx.block, gas_used=tx.gas_used if ours else None,
            fee=Decimal(tx.gas_used * tx.gas_price).scaleb(-18) if ours else None, movements=movements))
    items.sort(key=lambda i: (i.time, i.block or 0, i.entry_id or 0), reverse=True)
    return items[:limit] if limit else items


def _journal_item(entry: JournalEntry, tx: ChainTx | None, moves: list[tuple], preview: tuple | None,
                  mine: set[str] | None, names: Mapping[str, tuple[str, int]], native: str) -> ActivityItem:
    receipt = entry.receipt or {}
    gas_used = _int(receipt.get("gasUsed"))
    price = _int(receipt.get("effectiveGasPrice"))
    block = _int(receipt.get("blockNumber"))
    if tx is not None:
        gas_used, price, block = tx.gas_used, tx.gas_price, tx.block
    fee = Decimal(gas_used * price).scaleb(-18) if gas_used is not None and price is not None else None
    if tx is None and entry.status == "confirmed":  # history not read yet: the native value sent
        tx = ChainTx(entry.tx_hash or "", block or 0, entry.created_at, entry.account, entry.unsigned.get("to"),
                      _int(entry.unsigned.get("value")) or 0, 0, 0, True)
    comparison, comparison_kind = [], None
    if preview is not None:
        comparison_kind, preview_json, realised_json = preview
        comparison = compare(comparison_kind, preview_json, realised_json)
    summary = entry.summary or {}
    return ActivityItem(
        "app", entry.tx_hash, entry.kind, entry.status,
        tx.timestamp if tx is not None and tx.block else entry.created_at,
        entry.account, summary.get("to") or entry.unsigned.get("to"), nonce=entry.nonce, block=block,
        gas_used=gas_used, fee=fee, summary=entry.summary, error=entry.error, entry_id=entry.id,
        replaces_id=entry.replaces_id, created_at=entry.created_at,
        movements=_movements(tx, moves, mine, names, native) if tx is not None else [],
        comparison=comparison, comparison_kind=comparison_kind, entry=entry)


def _movements(tx: ChainTx, moves: list[tuple], mine: set[str] | None,
               names: Mapping[str, tuple[str, int]], native: str) -> list[Movement]:
    """What moved in and out of the user's accounts, one line per (direction, account, asset):
    ERC-20 transfers, then the native value a successful transaction carried. The counterparty
    is named when there was one only."""
    flows = list(moves)
    if tx.success and tx.value and tx.to_address:
        flows.append((NATIVE_ADDRESS, tx.from_address, tx.to_address, tx.value))
    totals: dict[tuple[str, str, str], list] = {}
    for token, sender, receiver, amount in flows:
        for direction, account, other in (("out", sender, receiver), ("in", receiver, sender)):
            if mine is None or account.lower() in mine:
                line = totals.setdefault((direction, account, token), [0, set()])
                line[0] += amount
                line[1].add(other)
    found = []
    for (direction, account, token), (amount, others) in totals.items():
        symbol, decimals = (native, 18) if token == NATIVE_ADDRESS else names.get(token.lower(), (None, 0))
        quantity = Decimal(amount).scaleb(-decimals).normalize() if amount else Decimal(0)
        found.append(Movement(direction, account, next(iter(others)) if len(others) == 1 else None, token,
                              symbol, quantity))
    return sorted(found, key=lambda m: m.direction == "in")   # what left, then what came


# --- SQLite reads ------------------------------------------------------------------------------
def _token_names(store: Store, key: ChainKey, extra: Mapping[str, tuple[str, int]]) -> dict[str, tuple[str, int]]:
    names = {address.lower(): (symbol, int(decimals)) for address, (symbol, decimals) in extra.items()}
    for address, symbol, decimals in store.db.execute(
            "SELECT address, symbol, decimals FROM tokens WHERE chain_id = ? AND genesis_hash = ?",
            [key.chain_id, key.genesis_hash]):
        names[address.lower()] = (symbol, int(decimals))
    return names


def _chain_txs(store: Store, key: ChainKey) -> dict[str, ChainTx]:
    return {tx.tx_hash.lower(): tx for tx in stored_chain_txs(store, key)}


def _transfers(store: Store, key: ChainKey) -> dict[str, list[tuple[str, str, str, int]]]:
    moves: dict[str, list[tuple[str, str, str, int]]] = {}
    for tx_hash, token, sender, receiver, amount in store.db.execute(
            "SELECT tx_hash, token_address, from_address, to_address, amount FROM transfers"
            " WHERE chain_id = ? AND genesis_hash = ? ORDER BY tx_hash, log_index", [key.chain_id, key.genesis_hash]):
        moves.setdefault(tx_hash.lower(), []).append((token, sender, receiver, int(amount)))
    return moves


def _previews(store: Store, key: ChainKey) -> dict[int, tuple[str, dict, dict | None]]:
    """Journal entry id -> (kind, preview, realised). A preview points at its transaction
    (``previews.transaction_id``) or the transaction at it (``transactions.preview_id``)."""
    found: dict[int, tuple[str, dict, dict | None]] = {}
    for entry_id, kind, preview, realised in store.db.execute(
            "SELECT t.id, p.kind, p.preview_json, p.realized_json FROM transactions t JOIN previews p"
            " ON p.id = t.preview_id OR p.transaction_id = t.id"
            " WHERE t.chain_id = ? AND t.genesis_hash = ? ORDER BY p.id", [key.chain_id, key.genesis_hash]):
        found[int(entry_id)] = (kind, json.loads(preview), json.loads(realised) if realised else None)
    return found


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        return int(value, 16) if value.startswith("0x") else int(value)
    return int(value)

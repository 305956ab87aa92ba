"""Quotes a later command is bound to: a preview stored in SQLite with what it was made for.

``vault quote`` and ``index quote`` store their preview (table ``previews``, kind
``<action>_quote``, ``transaction_id`` NULL: no transaction followed it) and print its
``quote_id``. ``vault deposit --quote ID`` / ``index buy --quote ID`` load it, refuse unless it
was made on this network for the same account and inputs, and take their minimums from it (see
app/vaults/share_price_guard.py, app/index/quote_guard.py), so a state moved after the quote can
only refuse the action, never lower what the person accepted.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import InvalidInput

if TYPE_CHECKING:
    from app.session import ChainSession

KIND_SUFFIX = "_quote"
WHAT = {"vault_deposit": "a vault deposit", "index_buy": "an index buy"}


class QuoteMismatch(InvalidInput):
    """The quote given was made for something else: nothing was sent."""

    title = "Not the quoted action"


class QuoteMoved(InvalidInput):
    """The state moved past the quote's tolerance: nothing was sent."""

    title = "The price moved since the quote"


@dataclass(frozen=True)
class StoredQuote:
    id: int
    kind: str                   # "vault_deposit" | "index_buy"
    created_at: int
    block: int
    preview: dict[str, Any]
    binding: dict[str, Any]     # what it was made for (account, vault or basket, amount...)


def store_quote(session: ChainSession, kind: str, block: int, preview: dict[str, Any],
                binding: dict[str, Any]) -> int:
    """Store ``preview`` as a quote of ``kind``; returns its id (the ``quote_id``)."""
    store = session.store
    with store.lock, store.db.conn:
        cursor = store.db.execute(
            "INSERT INTO previews (chain_id, genesis_hash, kind, created_at, block, preview_json)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [session.chain_id, session.connection.genesis_hash, kind + KIND_SUFFIX, int(time.time()), block,
             json.dumps({"preview": preview, "binding": binding})])
    return int(cursor.lastrowid)


def load_quote(session: ChainSession, quote_id: int, kind: str) -> StoredQuote:
    """Raises QuoteMismatch if there is no such quote on this network or it is of another kind."""
    row = session.store.db.execute(
        "SELECT id, kind, created_at, block, preview_json, chain_id, genesis_hash FROM previews WHERE id = ?",
        [int(quote_id)]).fetchone()
    if row is None or not row[1].endswith(KIND_SUFFIX):
        raise QuoteMismatch(f"there is no quote {quote_id}: run the quote command first and pass the "
                            "quote_id it prints; nothing sent")
    stored_kind = row[1].removesuffix(KIND_SUFFIX)
    if (row[5], row[6]) != (session.chain_id, session.connection.genesis_hash):
        raise QuoteMismatch(f"quote {quote_id} was made on another network (chain id {row[5]}), not "
                            f"{session.network.label}: nothing sent")
    if stored_kind != kind:
        raise QuoteMismatch(f"quote {quote_id} is for {WHAT.get(stored_kind, stored_kind)}, not "
                            f"{WHAT.get(kind, kind)}: nothing sent")
    data = json.loads(row[4])
    return StoredQuote(int(row[0]), stored_kind, int(row[2]), int(row[3]), data["preview"], data["binding"])


def require_same(quote: StoredQuote, given: dict[str, Any]) -> None:
    """Refuse unless every field of ``given`` equals the quote's binding (addresses compared in
    any case). Raises QuoteMismatch naming each difference."""
    differ = []
    for name, value in given.items():
        quoted = quote.binding.get(name)
        same = str(quoted).lower() == str(value).lower()
        if not same:
            differ.append(f"{name.replace('_', ' ')} {value} (quoted: {quoted})")
    if differ:
        raise QuoteMismatch(f"quote {quote.id} was made for other inputs: " + "; ".join(differ)
                            + ". Nothing sent; quote again with these inputs")

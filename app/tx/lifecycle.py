"""Sign -> journal -> broadcast -> receipt, recovery after a crash, speed-up and cancel.

The order is the safety: the signed raw transaction is committed to SQLite before it is
broadcast, and a journaled transaction is only ever re-sent as the same bytes. So after a
crash at any point the next start finds it, and it is never sent twice under two nonces.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict
from typing import Any

from hexbytes import HexBytes

from app.chain.client import ChainClient
from app.errors import (
    BasketryError,
    ChainError,
    PrivateSubmissionFailed,
    PrivateSubmissionUnreachable,
    UserCancelled,
)
from app.tx.builder import simulate
from app.tx.fees import Fees, bumped, suggest_fees
from app.tx.journal import Journal, JournalEntry
from app.tx.submission import PrivateRoute, already_known, send_raw, with_route_note
from wallet.prompts import Prompts, SigningSummary
from wallet.signer import Signer

log = logging.getLogger(__name__)
FAILPOINT_ENV = "BASKETRY_FAILPOINT"  # tests only: crash the process at a named point


def _failpoint(name: str) -> None:
    """Die exactly here (as a kill -9 would) when a test asks for it."""
    if os.environ.get(FAILPOINT_ENV) == name:
        os._exit(137)


def sign_and_journal(signer: Signer, tx: dict[str, Any], chain_id: int, journal: Journal,
                     prompts: Prompts, kind: str, summary: SigningSummary,
                     replaces_id: int | None = None) -> JournalEntry:
    """Ask the user (summary), sign, and commit the signed transaction to the journal."""
    if not prompts.confirm(summary):
        raise UserCancelled()
    signed = signer.sign_transaction(tx, chain_id, prompts)
    entry_id = journal.record_signed(signer.address, kind, int(tx["nonce"]), signed.hash,
                                     {k: v for k, v in tx.items()}, "0x" + signed.raw.hex(),
                                     asdict(summary), replaces_id)
    log.info("journaled %s %s from %s nonce %s", kind, signed.hash, signer.address, tx["nonce"])
    _failpoint("after_journal")
    return journal.get(entry_id)


def broadcast(client: ChainClient, journal: Journal, entry: JournalEntry) -> PrivateRoute | None:
    """Send the journaled bytes, through the network's private submission RPC if it has one
    (app.tx.submission; returned), else its RPC. "Already known" counts as sent. A private
    endpoint that cannot be reached leaves the entry ``signed`` (sent again, privately, by the
    next recovery); any other refusal makes it ``rejected``: never on chain, so the journal's
    nonce floor leaves its nonce free for the next transaction."""
    route = None
    try:
        route = send_raw(client, entry.signed_raw)
    except PrivateSubmissionUnreachable as exc:
        journal.set_status(entry.id, "signed", error=str(exc))
        raise
    except ChainError as exc:
        if not already_known(str(exc)):
            journal.set_status(entry.id, "rejected", error=str(exc))
            raise
    journal.set_status(entry.id, "pending")
    log.info("broadcast %s%s", entry.tx_hash, f" privately via {route.host}" if route else "")
    _failpoint("after_broadcast")
    return route


def wait_for_final(client: ChainClient, journal: Journal, entry: JournalEntry,
                   timeout: float = 120.0, poll: float = 0.05) -> JournalEntry:
    """Until this entry or another with its nonce (a speed-up or cancel) is mined."""
    deadline = time.monotonic() + timeout
    while True:
        siblings = [e for e in journal.entries(entry.account)
                    if e.nonce == entry.nonce and e.tx_hash and e.status not in ("exported", "dropped")]
        for candidate in sorted(siblings, key=lambda e: e.id != entry.id):  # this one first
            receipt = client.receipt(candidate.tx_hash)
            if receipt is not None:
                finalise(journal, candidate, receipt)
                return journal.get(entry.id)
        if time.monotonic() > deadline:
            raise ChainError(f"no receipt for {entry.tx_hash} after {timeout:.0f} s; it stays "
                             "pending in the journal and is checked again at the next start")
        time.sleep(poll)


def finalise(journal: Journal, entry: JournalEntry, receipt: dict[str, Any]) -> None:
    status = "confirmed" if int(receipt["status"]) == 1 else "failed"
    journal.set_status(entry.id, status, receipt=_plain(receipt),
                       error=None if status == "confirmed" else "reverted on chain")
    log.info("%s %s in block %s", status, entry.tx_hash, receipt.get("blockNumber"))
    for other in journal.open_entries():  # the losers of a replacement race
        if other.account == entry.account and other.nonce == entry.nonce and other.id != entry.id:
            journal.set_status(other.id, "replaced")


def send(client: ChainClient, journal: Journal, signer: Signer, tx: dict[str, Any], chain_id: int,
         prompts: Prompts, kind: str, summary: SigningSummary, wait: bool = True) -> JournalEntry:
    """The whole path for one transaction already built and simulated by the caller."""
    summary = with_route_note(summary, client)  # "sent privately via …" when it is
    entry = sign_and_journal(signer, tx, chain_id, journal, prompts, kind, summary)
    broadcast(client, journal, journal.get(entry.id))
    return wait_for_final(client, journal, entry) if wait else journal.get(entry.id)


def recover_open_entries(client: ChainClient, journal: Journal) -> list[JournalEntry]:
    """After a start: settle every journal entry still ``signed`` or ``pending``.

    - a receipt exists -> confirmed/failed;
    - its nonce is already used on chain by something else -> replaced (if a journaled
      sibling was mined) or dropped;
    - otherwise the SAME signed bytes are (re)broadcast: never a new nonce.
    Returns the entries it changed.
    """
    changed = []
    for entry in journal.open_entries():  # first everything that was mined: replacements win
        receipt = client.receipt(entry.tx_hash)
        if receipt is not None:
            finalise(journal, entry, receipt)
            changed.append(entry.id)
    for entry in journal.open_entries():
        mined_nonce = int(client.rpc("eth_getTransactionCount", [entry.account, "latest"]), 16)
        if mined_nonce > entry.nonce:
            journal.set_status(entry.id, "dropped",
                               error="another transaction with the same nonce was mined")
            log.warning("dropped %s: nonce %s used by another transaction", entry.tx_hash, entry.nonce)
        else:
            try:
                broadcast(client, journal, entry)
            except PrivateSubmissionFailed as exc:  # still signed (unreachable) or failed: the
                log.warning("not resent %s: %s", entry.tx_hash, exc)  # session opens all the same
        changed.append(entry.id)
    return [journal.get(entry_id) for entry_id in changed]


def replacement(client: ChainClient, entry: JournalEntry, cancel: bool) -> tuple[dict[str, Any], Fees]:
    """The transaction that replaces ``entry``: same nonce, fees raised by at least 12.5%;
    a cancel sends 0 to oneself with no data instead of the original call."""
    if entry.status not in ("signed", "pending"):
        raise BasketryError(f"{entry.tx_hash} is {entry.status}; only a pending transaction can be replaced")
    old = Fees(int(entry.unsigned["maxFeePerGas"]), int(entry.unsigned["maxPriorityFeePerGas"]), 0)
    fees = bumped(old, suggest_fees(client))
    tx = dict(entry.unsigned)
    tx.update({"maxFeePerGas": fees.max_fee_per_gas, "maxPriorityFeePerGas": fees.max_priority_fee_per_gas})
    if cancel:
        tx.update({"to": entry.account, "value": 0, "data": "0x", "gas": 21_000})
    else:
        simulate(client, tx)
    return tx, fees


def _plain(value: Any) -> Any:
    """A receipt (or any part of one) as JSON-friendly values: 0x-hex for bytes, all the way down."""
    if isinstance(value, bytes | bytearray | HexBytes):
        return "0x" + bytes(value).hex()
    if hasattr(value, "items"):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value

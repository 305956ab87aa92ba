"""Bringing the history up to date: the Transfer logs of the user's addresses (resumable scan,
``app.history.scan``), then, for every transaction that moved their assets (found there or
journaled by the app), what the logs lack: sender, ETH value, gas paid and block time (into
``chain_txs``), and the prices at the block before it, when the node still has that state.

All reads are batched: one JSON-RPC batch per ``BATCH`` transactions, one Multicall3 read per
block priced.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from eth_utils import to_checksum_address

from app.errors import ChainError
from app.history.scan import scan_transfers
from app.portfolio.assets import Asset
from app.portfolio.pricing import price_assets
from app.portfolio.reader import portfolio_assets, read_state
from app.portfolio.records import record_prices
from app.session import ChainSession

BATCH = 50


@dataclass(frozen=True)
class HistorySync:
    scanned_to: int
    transfers_found: int
    transactions_added: int
    blocks_priced: int
    blocks_unpriced: int      # the node no longer had their state: stored prices are used
    cancelled: bool


def sync_history(session: ChainSession, addresses: Iterable[str],
                 progress: Callable[[str, int, int], None] | None = None,
                 cancel: threading.Event | None = None, to_block: int | None = None,
                 assets: list[Asset] | None = None) -> HistorySync:
    """Scan (up to ``to_block``, default the latest), then fetch every new transaction's details and price its block.
    ``progress(stage, done, total)``: the scan's in blocks (done of total), then transactions,
    then priced blocks; ``cancel`` stops between ranges or batches (what was done is kept, a
    later sync resumes there). Raises ChainError if the node fails."""
    addresses = sorted({to_checksum_address(a) for a in addresses})
    report = (lambda stage, done, total: progress(stage, done, total)) if progress else (lambda *_: None)
    report("Finding where the history starts", 0, 1)  # a first sync searches; the scan reports blocks
    scan = scan_transfers(session, addresses, progress=lambda d, t: report("Scanning transfers", d, t),
                          cancel=cancel, to_block=to_block)
    hashes = _unknown_transactions(session, addresses)
    added = 0
    blocks: set[int] = set()
    for start in range(0, len(hashes), BATCH):
        if cancel is not None and cancel.is_set():
            break
        chunk = hashes[start:start + BATCH]
        added_blocks = _fetch_transactions(session, chunk)
        blocks.update(added_blocks)
        added += len(chunk)
        report("Reading transactions", start + len(chunk), len(hashes))
    priced = unpriced = 0
    if blocks and not (cancel is not None and cancel.is_set()):
        assets = portfolio_assets(session) if assets is None else assets
        ordered = sorted(blocks)
        for index, block in enumerate(ordered):
            if cancel is not None and cancel.is_set():
                break
            try:
                state = read_state(session, assets, [], block=max(block - 1, 0))
            except ChainError:
                unpriced += 1  # pruned state (a restarted devnet, a non-archive node)
                continue
            prices = price_assets(assets, state.pools, state.share_prices, session.network.usdc,
                                  session.network.wrapped_native)
            record_prices(session.store, session.journal.chain, prices, state.timestamp, state.block)
            priced += 1
            report("Pricing history", index + 1, len(ordered))
    return HistorySync(scan.scanned_to, scan.found, added, priced, unpriced,
                       scan.cancelled or bool(cancel is not None and cancel.is_set()))


def _unknown_transactions(session: ChainSession, addresses: list[str]) -> list[str]:
    """Hashes of transfers touching ``addresses`` and of the app's settled journal entries
    from them that are not in ``chain_txs`` yet."""
    key = [session.chain_id, session.connection.genesis_hash]
    marks = ",".join("?" * len(addresses))
    rows = session.store.db.execute(
        f"SELECT DISTINCT tx_hash FROM transfers WHERE chain_id = ? AND genesis_hash = ? AND"
        f" (from_address IN ({marks}) OR to_address IN ({marks}))"
        f" UNION SELECT tx_hash FROM transactions WHERE chain_id = ? AND genesis_hash = ? AND"
        f" tx_hash IS NOT NULL AND status IN ('confirmed', 'failed') AND account_address IN ({marks})",
        key + addresses + addresses + key + addresses).fetchall()
    known = {r[0] for r in session.store.db.execute(
        "SELECT tx_hash FROM chain_txs WHERE chain_id = ? AND genesis_hash = ?", key)}
    return sorted({r[0].lower() for r in rows} - known)


def _fetch_transactions(session: ChainSession, hashes: list[str]) -> set[int]:
    client = session.client
    answers = client.batch([(m, [h]) for h in hashes
                            for m in ("eth_getTransactionByHash", "eth_getTransactionReceipt")])
    found = []
    for index, tx_hash in enumerate(hashes):
        tx, receipt = answers[2 * index], answers[2 * index + 1]
        if isinstance(tx, Exception) or isinstance(receipt, Exception):
            raise ChainError(f"reading {tx_hash} failed: {tx if isinstance(tx, Exception) else receipt}")
        if tx is None or receipt is None:
            continue  # not mined (yet), or dropped: the journal settles it
        found.append((tx_hash, tx, receipt))
    block_numbers = sorted({int(r["blockNumber"], 16) for _h, _t, r in found})
    stamps = {}
    for number, block in zip(block_numbers, client.batch(
            [("eth_getBlockByNumber", [hex(n), False]) for n in block_numbers]), strict=True):
        if isinstance(block, Exception) or block is None:
            raise ChainError(f"reading block {number} failed: {block}")
        stamps[number] = int(block["timestamp"], 16)
    rows = []
    for tx_hash, tx, receipt in found:
        block = int(receipt["blockNumber"], 16)
        price = receipt.get("effectiveGasPrice") or tx.get("gasPrice") or "0x0"
        rows.append((session.chain_id, session.connection.genesis_hash, tx_hash, block, stamps[block],
                     int(receipt["transactionIndex"], 16), to_checksum_address(tx["from"]),
                     to_checksum_address(tx["to"]) if tx.get("to") else None, str(int(tx["value"], 16)),
                     str(int(receipt["gasUsed"], 16)), str(int(price, 16)), int(receipt["status"], 16)))
    store = session.store
    with store.lock, store.db.conn:
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO chain_txs (chain_id, genesis_hash, tx_hash, block, timestamp, tx_index,"
            " from_address, to_address, value, gas_used, effective_gas_price, success)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return set(stamps)

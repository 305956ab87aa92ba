"""ETH that arrived without a log (an exchange withdrawal, an internal transfer from a
contract): found from the account's ETH balance block by block, so it becomes an acquisition
dated at its block and priced at the block before, instead of part of an opening balance.

``receipt_blocks`` is pure: given the balance at any block (a callable) and the ETH the ledger
explains per block, it bisects the range for the blocks where the balance moved by more (or
less) than the ledger says; each such block's difference is a receipt. It asks for
O(receipts x log2(blocks)) balances. ``find_native_receipts`` runs it for each account from
the block before its first ledger event to the block just read, prices each receipt's block
and stores the receipts in the settings (JSON under ``native_receipts:<chain>:<genesis>``),
with the block searched to, so the next search starts there. ``reconcile`` books them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from app.errors import ChainError
from app.portfolio.assets import NATIVE_ADDRESS
from app.tx.journal import ChainKey


def receipts_key(key: ChainKey) -> str:
    return f"native_receipts:{key.chain_id}:{key.genesis_hash}"


def receipt_blocks(balance_at: Callable[[int], int], explained: Mapping[int, int], start: int,
                   end: int) -> list[tuple[int, int]]:
    """(block, amount) of every block in (start, end] where the balance changed by ``amount``
    more than ``explained`` (block -> the ETH change the ledger books there) says; negative for
    less. ``balance_at(block)`` is the balance after that block."""
    blocks = sorted(explained)

    def unexplained(block: int, balance: int) -> int:   # relative to ``start``
        return balance - base - sum(explained[b] for b in blocks if start < b <= block)

    base = balance_at(start)
    found: list[tuple[int, int]] = []
    stack = [(start, 0, end, unexplained(end, balance_at(end)))]
    while stack:
        low, u_low, high, u_high = stack.pop()
        if u_low == u_high:
            continue   # nothing unexplained in between (a receipt and an equal loss: not seen)
        if high == low + 1:
            found.append((high, u_high - u_low))
            continue
        mid = (low + high) // 2
        u_mid = unexplained(mid, balance_at(mid))
        stack += [(mid, u_mid, high, u_high), (low, u_low, mid, u_mid)]
    return sorted(found)


def find_native_receipts(session, accounts: Iterable[str], to_block: int) -> int:
    """Search each account's ETH receipts without a log up to ``to_block`` (from where the last
    search stopped), price their blocks, store them. Returns how many were found. A node
    without the past state (pruned) leaves the account as it was: what stays unexplained is an
    opening balance or adjustment, as before."""
    from app.portfolio.pricing import price_assets
    from app.portfolio.reader import portfolio_assets, read_state
    from app.portfolio.records import record_prices

    store, key = session.store, session.journal.chain
    saved = store.get_setting(receipts_key(key), {}) or {}
    chain = [key.chain_id, key.genesis_hash]
    found_total, new_blocks = 0, set()
    for account in accounts:
        mine = saved.get(account, {"to": None, "receipts": []})
        # summed in Python: wei amounts overflow SQLite's 64-bit integers above ~9.2 ETH (and
        # CAST clamps a larger text to 2**63 - 1)
        rows = store.db.execute(
            "SELECT block, kind, quantity FROM ledger_events WHERE chain_id = ? AND genesis_hash = ?"
            " AND tx_hash IS NOT NULL AND account_address = ? AND token_address = ?",
            [*chain, account, NATIVE_ADDRESS]).fetchall()
        if not rows:
            continue
        explained: dict[int, int] = {}
        for block, kind, quantity in rows:
            signed = int(quantity) if kind == "acquisition" else -int(quantity)
            explained[int(block)] = explained.get(int(block), 0) + signed
        start = mine["to"] if mine["to"] is not None else min(explained) - 1
        if start >= to_block:
            continue
        try:
            found = receipt_blocks(lambda block, who=account: session.client.balance(who, block), explained, start,
                                   to_block)
        except ChainError:
            continue   # pruned state: left to reconcile's opening balance / adjustment
        stamps = {block: _timestamp(session, block) for block, _amount in found}
        mine["receipts"] += [[block, stamps[block], str(amount)] for block, amount in found]
        mine["to"] = to_block
        saved[account] = mine
        found_total += len(found)
        new_blocks.update(b for b, _a in found)
    if new_blocks:
        assets = portfolio_assets(session)
        for block in sorted(new_blocks):
            try:
                state = read_state(session, assets, [], block=max(block - 1, 0))
            except ChainError:
                continue   # priced by the stored prices around it
            prices = price_assets(assets, state.pools, state.share_prices, session.network.usdc,
                                  session.network.wrapped_native)
            record_prices(store, key, prices, state.timestamp, state.block)
    store.set_setting(receipts_key(key), saved)
    return found_total


def _timestamp(session, block: int) -> int:
    answer = session.client.batch([("eth_getBlockByNumber", [hex(block), False])])[0]
    if isinstance(answer, Exception) or answer is None:
        raise ChainError(f"reading block {block} failed: {answer}")
    return int(answer["timestamp"], 16)


def stored_receipts(store, key: ChainKey) -> dict[str, list[tuple[int, int, int]]]:
    """account -> [(block, time, amount)] as found (amount negative: less than explained)."""
    saved = store.get_setting(receipts_key(key), {}) or {}
    return {account: [(int(b), int(t), int(a)) for b, t, a in value.get("receipts", [])]
            for account, value in saved.items()}

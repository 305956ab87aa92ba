"""ERC-20 transfers of the user's addresses, made anywhere (also outside the app), found in the
chain's Transfer logs and stored in the ``transfers`` table.

A first scan of an address starts at its first activity (``app.history.first_activity``: a
search over the node's past state, about 9 JSON-RPC batches for 24M blocks; block 0 when the
node has no archive state). Each block range then costs ONE JSON-RPC batch of two
``eth_getLogs`` (topic1 = one of the addresses: sent; topic2 = one of them: received); ranges
grow and shrink with what the node accepts (``app.history.ranges``). The last fully scanned
block of each address is kept in the settings (the search's result too: the block before the
first activity), so the next scan starts after it; a cancelled scan keeps what it completed.
Native-coin movements have no logs: out of scope, except WETH9's Deposit (wrap) and Withdrawal
(unwrap) logs of the user's addresses, stored as WETH transfers from and to the zero address
(the ledger books the ETH side).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from eth_utils import keccak, to_checksum_address

from app.errors import ChainError, InvalidInput
from app.history.first_activity import FirstActivity, find_first_activity
from app.history.ranges import RangePolicy, is_refusal, refusal_kind
from app.session import ChainSession

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
# WETH9's wrap and unwrap log no Transfer: stored as transfers from/to the zero address
WETH_DEPOSIT_TOPIC = "0x" + keccak(text="Deposit(address,uint256)").hex()
WETH_WITHDRAWAL_TOPIC = "0x" + keccak(text="Withdrawal(address,uint256)").hex()
_ZERO = "0x" + "0" * 40


@dataclass(frozen=True)
class ScanResult:
    from_block: int       # the first block scanned (after the cursor)
    to_block: int         # the last block asked for
    scanned_to: int       # the last block fully scanned (from_block - 1 if none)
    found: int            # distinct Transfer logs seen
    inserted: int         # of them, rows new to the store
    ranges: int           # block ranges completed (one batch each)
    cancelled: bool
    requests: int = 0     # eth_getLogs batches sent, the refused ones included
    refused: int = 0      # of them, ranges the node refused for their size
    first_activity: FirstActivity | None = None  # the search, when an address had no cursor

    @property
    def complete(self) -> bool:
        return self.scanned_to >= self.to_block


def cursor_key(session: ChainSession, tokens: Iterable[str] | None = None) -> str:
    """The settings key of the scan cursors ({address: last scanned block}) on this chain;
    a scan limited to some tokens keeps its own cursors (it did not see the others)."""
    key = f"history_cursor.{session.chain_id}.{session.connection.genesis_hash}"
    if tokens is not None:
        digest = hashlib.sha256(",".join(sorted(t.lower() for t in tokens)).encode()).hexdigest()
        key += f".{digest[:16]}"
    return key


def scan_transfers(session: ChainSession, addresses: Iterable[str], tokens: Iterable[str] | None = None,
                   from_block: int | None = None, to_block: int | None = None,
                   ranges: RangePolicy | None = None, find_start: bool = True,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None) -> ScanResult:
    """Scan blocks ``from_block..to_block`` (default: after the addresses' cursors .. latest) for
    Transfer logs from or to ``addresses`` (of ``tokens``, or of any contract) and store them.

    An address without a cursor starts at its first activity (``find_start``; False: at block
    0). ``ranges`` sizes the ranges (default ``RangePolicy()``: 2,000 blocks, doubling up to
    100,000, halved when refused). ``progress(done_blocks, total_blocks)`` is called once the
    start is known and after each range; ``cancel`` is checked between ranges (the cursor then
    covers the ranges completed). Raises InvalidInput for bad arguments and ChainError if the
    node fails (even a one-block range refused)."""
    wanted = _addresses(addresses)
    token_list = None if tokens is None else sorted({_checksum(t, "token") for t in tokens})
    policy = ranges if ranges is not None else RangePolicy()
    client, store = session.client, session.store
    key = cursor_key(session, token_list)
    cursors: dict[str, int] = {to_checksum_address(a): int(b)
                               for a, b in (store.get_setting(key) or {}).items()}
    end = to_block if to_block is not None else client.block_number()
    if (from_block is not None and from_block < 0) or end < -1:
        raise InvalidInput("block numbers cannot be negative")
    searched = None
    if from_block is None and find_start and end >= 0 and not (cancel is not None and cancel.is_set()):
        searched = _find_starts(session, wanted, token_list, cursors, end)
        if searched is not None:
            _save_search(store, key, cursors, searched)
    start = from_block if from_block is not None else min(cursors.get(a, -1) + 1 for a in wanted)
    total = max(end - start + 1, 0)
    seen: set[tuple[str, int]] = set()
    inserted = completed = requests = refused = 0
    done_to = start - 1
    cancelled = False
    state = policy.start()
    if progress is not None and total:
        progress(0, total)
    while done_to < end:
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        low = done_to + 1
        # resuming: an address already scanned past this range is left out of it (an explicit
        # from_block rescans every address)
        high = min(low + state.size - 1, end)
        active = wanted if from_block is not None else [a for a in wanted if cursors.get(a, -1) < high]
        if not active:  # every address is known up to further on: go there
            done_to = min(min(cursors[a] for a in wanted), end)
        else:
            asked = state if high - low + 1 == state.size else replace(state, size=high - low + 1)
            logs = _logs(client, active, token_list, low, high)
            requests += 1
            if isinstance(logs, ChainError):  # the range was too big for the node: smaller
                smaller = policy.refused(asked, refusal_kind(str(logs)))
                if smaller is None:
                    raise ChainError(f"the node refuses eth_getLogs even for {asked.size} block(s) from"
                                     f" block {low}: {logs}") from logs
                state, refused = smaller, refused + 1
                continue
            inserted += _store(session, logs, seen)
            done_to, completed = high, completed + 1
            state = policy.accepted(asked, len(logs))
        _save_cursors(store, key, cursors, wanted, start, done_to)
        if progress is not None:
            progress(done_to - start + 1, total)
    return ScanResult(start, end, done_to, len(seen), inserted, completed, cancelled, requests, refused,
                      searched)


def _find_starts(session: ChainSession, wanted: list[str], tokens: list[str] | None,
                 cursors: dict[str, int], end: int) -> FirstActivity | None:
    """The first activity of each address without a cursor; the known tokens' balances count
    (the scan's own tokens when it has a filter)."""
    missing = [a for a in wanted if a not in cursors]
    if not missing:
        return None
    known = tokens if tokens is not None else sorted({to_checksum_address(t.address) for t in session.tokens})
    return find_first_activity(session.client, missing, known, end)


def _save_search(store, key: str, cursors: dict[str, int], searched: FirstActivity) -> None:
    """Nothing before an address's first activity: its cursor is the block before (none is
    stored for a start at 0; an address never active has its cursor at the head)."""
    changed = False
    for address, first in searched.starts.items():
        if first > 0:
            cursors[address] = first - 1
            changed = True
    if changed:
        store.set_setting(key, dict(sorted(cursors.items())))


def _addresses(addresses: Iterable[str]) -> list[str]:
    if isinstance(addresses, str):
        addresses = [addresses]
    wanted = sorted({_checksum(a, "address") for a in addresses}, key=str.lower)  # by value, not by case
    if not wanted:
        raise InvalidInput("no address to scan")
    return wanted


def _checksum(value: str, what: str) -> str:
    try:
        return to_checksum_address(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"not an {what}: {value!r}") from exc


def _topic(address: str) -> str:
    return "0x" + "0" * 24 + address.lower()[2:]


def _logs(client, addresses: list[str], tokens: list[str] | None, low: int,
          high: int) -> list[dict] | ChainError:
    """Both filters (sent, received) of one range in ONE batch; the node's error (returned, not
    raised) if it found the range too big."""
    slot = [_topic(a) for a in addresses]
    base: dict = {"fromBlock": hex(low), "toBlock": hex(high)}
    if tokens is not None:
        base["address"] = tokens
    requests = [("eth_getLogs", [{**base, "topics": [[TRANSFER_TOPIC, WETH_DEPOSIT_TOPIC, WETH_WITHDRAWAL_TOPIC],
                                                      slot]}]),
                ("eth_getLogs", [{**base, "topics": [TRANSFER_TOPIC, None, slot]}])]
    try:
        answers = client.batch(requests)
    except ChainError as exc:  # some nodes fail the whole batch when a response is too large
        if is_refusal(str(exc)):
            return exc
        raise
    logs: list[dict] = []
    for answer in answers:
        if isinstance(answer, Exception):
            if is_refusal(str(answer)):
                return answer
            raise answer
        logs.extend(answer or [])
    return logs


def _store(session: ChainSession, logs: list[dict], seen: set[tuple[str, int]]) -> int:
    """INSERT OR IGNORE each ERC-20 Transfer (3 topics, a 32-byte amount; ERC-721's has 4)."""
    store, inserted = session.store, 0
    weth = (session.network.wrapped_native or "").lower()
    with store.lock, store.db.conn:
        for log in logs:
            topics = list(log.get("topics") or [])
            data = log.get("data") or "0x"
            if len(topics) == 2 and weth and log.get("address", "").lower() == weth:   # a wrap or an unwrap
                if topics[0].lower() == WETH_DEPOSIT_TOPIC:
                    topics = [TRANSFER_TOPIC, _ZERO, topics[1]]
                elif topics[0].lower() == WETH_WITHDRAWAL_TOPIC:
                    topics = [TRANSFER_TOPIC, topics[1], _ZERO]
            if log.get("removed") or len(topics) != 3 or topics[0].lower() != TRANSFER_TOPIC \
                    or len(data) != 66:
                continue
            tx_hash, index = log["transactionHash"].lower(), int(log["logIndex"], 16)
            if (tx_hash, index) in seen:  # both sides are the user's: returned by both filters
                continue
            seen.add((tx_hash, index))
            cursor = store.db.execute(
                "INSERT OR IGNORE INTO transfers (chain_id, genesis_hash, tx_hash, log_index, token_address,"
                " from_address, to_address, amount, block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [session.chain_id, session.connection.genesis_hash, tx_hash, index,
                 to_checksum_address(log["address"]), to_checksum_address("0x" + topics[1][-40:]),
                 to_checksum_address("0x" + topics[2][-40:]), str(int(data, 16)),
                 int(log["blockNumber"], 16)])
            inserted += cursor.rowcount
    return inserted


def _save_cursors(store, key: str, cursors: dict[str, int], wanted: list[str], start: int,
                  done_to: int) -> None:
    """Advance each address's cursor to ``done_to`` if this scan joined on to what it had
    (an explicit ``from_block`` past its cursor leaves a gap: that cursor is kept)."""
    changed = False
    for address in wanted:
        previous = cursors.get(address)
        if done_to > (previous if previous is not None else -1) and (previous is None or start <= previous + 1):
            cursors[address] = done_to
            changed = True
    if changed:
        store.set_setting(key, dict(sorted(cursors.items())))

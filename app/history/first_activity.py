"""Where an address's history starts, found before its Transfer logs are scanned.

An address "has been active by block b" if, in the state after block b, it has sent a
transaction (nonce > 0), holds ETH (balance > 0), or holds any of the known tokens. That is
monotonic enough to search: a nonce never goes down, and ETH or a token leaves an account only
through a transaction it sends (which raises its nonce). ``search_first`` finds the first block
where it is true with a k-ary search over a ``probe(blocks) -> [bool]`` (pure);
``find_first_activity`` runs one search per address on a node, all addresses in lockstep, one
JSON-RPC batch per round (``fanout`` blocks per address per round: 9 rounds for 24M blocks at
the default 7, instead of 25 one at a time).

What it can miss (the scan starts at that block, so it does not see them): transfers of tokens
that are NOT known here (not in the network's list or the scan's token filter) received before
the address first sent a transaction, held ETH or held a known token; and known tokens received
and taken away again without a transaction of the address's own (an EIP-2612 permit relayed by
someone else) before that block. An address never active by the head (a new address, or one
that only ever received unknown tokens) has nothing to scan up to the head, by the same rule.

Nodes without archive state refuse the old blocks ("missing trie node", "header not found",
pruned history): then there is no bound, and the scan starts at block 0 (``archive=False``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.errors import ChainError, ChainUnavailable, ContractReverted

FANOUT = 7
_BALANCE_OF = "0x70a08231"  # balanceOf(address)


@dataclass(frozen=True)
class Search:
    """The first true block is in ``low..high``; ``high == head + 1`` means "none up to head"."""
    low: int
    high: int

    @property
    def done(self) -> bool:
        return self.low >= self.high

    def candidates(self, fanout: int = FANOUT) -> list[int]:
        """At most ``fanout`` blocks that split ``low..high - 1`` into equal parts."""
        span = self.high - self.low
        count = min(max(fanout, 1), span)
        return sorted({self.low + (span * (i + 1)) // (count + 1) for i in range(count)})

    def narrowed(self, blocks: Sequence[int], active: Sequence[bool]) -> Search:
        low, high = self.low, self.high
        for block, yes in zip(blocks, active, strict=True):
            if yes:
                high = min(high, block)
            else:
                low = max(low, block + 1)
        return Search(low, max(low, high))


def search_first(probe: Callable[[list[int]], Sequence[bool]], head: int,
                 fanout: int = FANOUT, low: int = 0) -> int | None:
    """The first block in ``low..head`` where ``probe`` is true (it must stay true after), or
    None. ``probe`` gets up to ``fanout`` blocks at a time (``fanout=1``: a binary search)."""
    search = Search(low, head + 1)
    while not search.done:
        blocks = search.candidates(fanout)
        search = search.narrowed(blocks, probe(blocks))
    return None if search.low > head else search.low


@dataclass(frozen=True)
class FirstActivity:
    starts: dict[str, int]   # address -> first block to scan (its first activity; head + 1: none)
    archive: bool            # False: the node had no state for old blocks, every start is 0
    rounds: int              # JSON-RPC batches sent
    reason: str = ""         # why the starts are 0, when they are


class NoArchiveState(ChainError):
    """The node has no state for a block the search asked about."""


def find_first_activity(client, addresses: Sequence[str], tokens: Sequence[str], head: int,
                        fanout: int = FANOUT) -> FirstActivity:
    """Every address's first active block up to ``head`` (see the module's rule), in lockstep
    searches, one batch per round. A node without the old state gives starts of 0."""
    searches = {address: Search(0, head + 1) for address in addresses}
    rounds = 0
    while not all(s.done for s in searches.values()):
        asked = [(a, s.candidates(fanout)) for a, s in searches.items() if not s.done]
        requests = [request for address, blocks in asked for block in blocks
                    for request in _probe_requests(address, tokens, block)]
        rounds += 1
        try:
            answers = client.batch(requests)
        except ChainUnavailable:
            raise
        except ChainError as exc:  # the node refused the whole batch: no bound from it
            return FirstActivity({a: 0 for a in addresses}, False, rounds,
                                 f"the node refused the first-activity probes ({exc}): scanning from block 0")
        per_probe, offset = 2 + len(tokens), 0
        try:
            for address, blocks in asked:
                active = []
                for block in blocks:
                    active.append(_active(answers[offset:offset + per_probe], block))
                    offset += per_probe
                searches[address] = searches[address].narrowed(blocks, active)
        except NoArchiveState as exc:
            return FirstActivity({a: 0 for a in addresses}, False, rounds,
                                 f"the node has no state for old blocks ({exc}): scanning from block 0")
    return FirstActivity({a: s.low for a, s in searches.items()}, True, rounds)


def _probe_requests(address: str, tokens: Sequence[str], block: int) -> list[tuple[str, list]]:
    at = hex(block)
    data = _BALANCE_OF + "0" * 24 + address.lower()[2:]
    return [("eth_getTransactionCount", [address, at]), ("eth_getBalance", [address, at]),
            *[("eth_call", [{"to": token, "data": data}, at]) for token in tokens]]


def _active(answers: Sequence, block: int) -> bool:
    """One probe's answers (nonce, balance, token balances...): was the address active?"""
    for position, answer in enumerate(answers):
        if isinstance(answer, ContractReverted):
            continue  # a token that cannot answer at that block: holds nothing there
        if isinstance(answer, Exception):
            if position >= 2 and not _state_missing(answer):
                continue  # a token's own failure, not the node's state
            raise NoArchiveState(f"block {block}: {answer}")
        if answer not in (None, "0x", "0x0") and int(answer, 16) != 0:
            return True
    return False


def _state_missing(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("missing trie node", "header not found", "pruned", "state",
                                         "out of range", "not available", "unknown block", "archive"))

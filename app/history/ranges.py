"""How many blocks the next ``eth_getLogs`` range covers (pure).

A scan starts at ``initial`` blocks. A range the node accepts with fewer than ``grow_below`` logs
doubles the next one (up to ``maximum``); a denser one keeps its size. A range the node refuses
is halved, or brought back to the largest span accepted so far (down to ``minimum``; refused
there, the scan gives up). Nodes refuse for two reasons, told apart by their words
(``refusal_kind``):

* the span in blocks (geth/erigon/infura/alchemy-style "block range" limits): a fixed limit, so
  the smallest refused span is remembered and the policy never asks that much again; growth then
  bisects between the largest accepted and the smallest refused span until they are within
  1/``precision`` of each other, and stays at the accepted one;
* the number of results or the response size ("more than 10000 results", "response size
  exceeded", "query timeout"): depends on how busy those blocks were, so it is not remembered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.errors import InvalidInput

BLOCKS, RESULTS = "blocks", "results"

# Words nodes use when a range returns too much (geth, erigon, alchemy, infura, quicknode...).
_LIMIT_HINTS = ("too many", "more than", "limit", "exceed", "too large", "range is too",
                "response size", "max results", "query timeout", "timed out")
# Of them, the words of a refusal for what the range returned (or the work it took).
_RESULT_WORDS = ("result", "response size", "log response", "timeout", "timed out")


def is_refusal(message: str) -> bool:
    """Whether a node's error says the range was too big (rather than that the node failed)."""
    text = message.lower()
    return any(hint in text for hint in _LIMIT_HINTS)


def refusal_kind(message: str) -> str:
    """``RESULTS`` if a refusal names what the range returned or a timeout (even if it also
    suggests a smaller block range), else ``BLOCKS``: remembered, the safer guess."""
    text = message.lower().replace("eth_getlogs", "")
    return RESULTS if any(word in text for word in _RESULT_WORDS) else BLOCKS


@dataclass(frozen=True)
class RangeState:
    size: int                 # blocks in the next range
    accepted: int = 0         # the largest span the node accepted
    refused: int | None = None  # the smallest span it refused for its size in blocks


@dataclass(frozen=True)
class RangePolicy:
    initial: int = 2_000
    maximum: int = 100_000
    minimum: int = 1
    grow_below: int = 1_000   # logs in a range (both filters) under which the next one doubles
    precision: int = 16       # stop bisecting a block limit once within 1/16 of it

    def __post_init__(self) -> None:
        if not 1 <= self.minimum <= self.initial <= self.maximum:
            raise InvalidInput("a scan range must be at least 1 block, with minimum <= initial <= maximum")

    def start(self) -> RangeState:
        return RangeState(self.initial)

    def accepted(self, state: RangeState, logs: int) -> RangeState:
        """The state after the node answered a range of ``state.size`` blocks with ``logs`` logs."""
        best = max(state.accepted, state.size)
        size = state.size
        if logs < self.grow_below:
            size = min(size * 2, self.maximum)
            if state.refused is not None and size >= state.refused:
                gap = state.refused - best
                size = (best + state.refused) // 2 if gap > max(best // self.precision, 1) else best
                size = max(size, state.size)
        return replace(state, size=size, accepted=best)

    def refused(self, state: RangeState, kind: str) -> RangeState | None:
        """The state after the node refused a range of ``state.size`` blocks; None when even
        ``minimum`` blocks were refused (the scan cannot go on)."""
        if state.size <= self.minimum:
            return None
        if kind == BLOCKS:
            limit = state.size if state.refused is None else min(state.refused, state.size)
            fallback = state.accepted if 0 < state.accepted < state.size else state.size // 2
            return replace(state, size=max(fallback, self.minimum), refused=limit)
        return replace(state, size=max(state.size // 2, self.minimum))

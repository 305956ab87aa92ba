"""The history scan's two pure parts: the first-activity search and the range policy."""

from __future__ import annotations

import random

import pytest

from app.errors import InvalidInput
from app.history.first_activity import Search, search_first
from app.history.ranges import BLOCKS, RESULTS, RangePolicy, RangeState, is_refusal, refusal_kind


def counting(first: int | None):
    """probe(blocks) for an address first active at ``first`` (None: never); counts calls."""
    calls: list[list[int]] = []

    def probe(blocks):
        calls.append(list(blocks))
        return [first is not None and b >= first for b in blocks]
    return probe, calls


@pytest.mark.parametrize("fanout", [1, 2, 7, 15])
def test_search_finds_the_first_active_block_exactly(fanout):
    rng = random.Random(fanout)
    head = 24_000_000
    for first in [0, 1, 2, head - 1, head, *rng.sample(range(head), 40)]:
        probe, calls = counting(first)
        assert search_first(probe, head, fanout) == first
        assert all(len(c) <= fanout and c == sorted(c) for c in calls)


def test_search_says_none_when_never_active_and_probes_the_head():
    probe, calls = counting(None)
    assert search_first(probe, 1000, 1) is None
    assert any(1000 in c for c in calls)
    probe, _ = counting(None)
    assert search_first(probe, 0) is None
    probe, _ = counting(0)
    assert search_first(probe, 0) == 0


def test_a_wider_fanout_needs_fewer_rounds():
    head = 24_000_000
    rounds = {}
    for fanout in (1, 7, 15):
        probe, calls = counting(23_999_000)
        search_first(probe, head, fanout)
        rounds[fanout] = len(calls)
    assert rounds[1] == 25 and rounds[7] <= 9 and rounds[15] <= 7  # ceil(log2 24M) = 25; log8 = 8.2
    assert sum(len(c) for c in counting(5)[1]) == 0


def test_search_narrows_within_its_bounds():
    search = Search(10, 20)
    assert search.candidates(100) == list(range(10, 20))
    assert search.narrowed([12, 15], [False, True]) == Search(13, 15)
    assert Search(5, 5).done and Search(5, 5).candidates() == []


def test_ranges_grow_while_sparse_stay_when_dense_and_are_bounded():
    policy = RangePolicy(initial=2_000, maximum=50_000, grow_below=100)
    state = policy.start()
    sizes = []
    for _ in range(8):
        sizes.append(state.size)
        state = policy.accepted(state, logs=3)
    assert sizes == [2_000, 4_000, 8_000, 16_000, 32_000, 50_000, 50_000, 50_000]
    assert policy.accepted(RangeState(4_000), logs=100).size == 4_000  # dense: no growth
    with pytest.raises(InvalidInput, match="at least 1 block"):
        RangePolicy(initial=0)
    with pytest.raises(InvalidInput):
        RangePolicy(initial=10, maximum=5)


def run_against_block_limit(policy: RangePolicy, limit: int, ranges: int) -> tuple[list[int], int]:
    """The sizes asked of a node refusing spans above ``limit``, for ``ranges`` accepted ranges."""
    state, asked, refusals = policy.start(), [], 0
    while len(asked) < ranges:
        if state.size > limit:
            refusals += 1
            state = policy.refused(state, BLOCKS)
        else:
            asked.append(state.size)
            state = policy.accepted(state, 0)
    return asked, refusals


def test_a_block_range_limit_is_learnt_in_a_few_refusals_and_not_asked_again():
    asked, refusals = run_against_block_limit(RangePolicy(), 10_000, 200)
    assert max(asked) == 10_000 and asked[-150:] == [10_000] * 150
    assert refusals <= 5
    asked, refusals = run_against_block_limit(RangePolicy(), 7_777, 200)
    assert 7_777 * 15 / 16 <= asked[-1] <= 7_777 and len(set(asked[-150:])) == 1 and refusals <= 8


def test_a_result_count_refusal_halves_and_is_not_remembered():
    policy = RangePolicy()
    state = policy.refused(RangeState(8_000, accepted=4_000), RESULTS)
    assert state == RangeState(4_000, accepted=4_000, refused=None)
    assert policy.accepted(state, 0).size == 8_000  # the next sparse range may grow again
    assert policy.refused(RangeState(1), RESULTS) is None and policy.refused(RangeState(1), BLOCKS) is None
    assert policy.refused(RangeState(3), BLOCKS).size == 1


@pytest.mark.parametrize(("message", "kind"), [
    ("eth_getLogs failed: query exceeds max block range 10000", BLOCKS),
    ("block range is too wide", BLOCKS),
    ("exceed maximum block range: 50000", BLOCKS),
    ("eth_getLogs is limited to a 10,000 range", BLOCKS),
    ("query returned more than 10000 results", RESULTS),
    ("Too many blocks in range", BLOCKS),
    ("Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range", RESULTS),
    ("Query timeout exceeded. Consider reducing your block range", RESULTS),
    ("query timeout exceeded", RESULTS),
    ("too many results, max results is 10000", RESULTS),
])
def test_refusals_are_recognised_and_told_apart(message, kind):
    assert is_refusal(message) and refusal_kind(message) == kind
    assert not is_refusal("eth_getLogs failed: internal error")

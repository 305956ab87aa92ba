"""The first history sync on a tall chain (150,000+ blocks, real anvil started at block 150,000)
behind a node that refuses eth_getLogs spans above 10,000 blocks: it finds exactly what a full
scan finds, with far fewer requests; without archive state it scans from block 0; a cancelled
sync resumes where it stopped."""

from __future__ import annotations

import math
import threading

import pytest

from app.history import RangePolicy, scan_transfers
from app.history.scan import cursor_key
from app.store import Store
from tests.conftest import free_port
from tests.support.limited_node import LimitedNode
from tests.support.tall_chain import TallChain, stored_transfers, transfers_on_chain

GENESIS = 150_000
OLD = RangePolicy(initial=2_000, maximum=2_000)  # the fixed ranges before issue 10


@pytest.fixture(scope="module")
def tall():
    """alice: ETH at +100 (her first activity), the known token at +200, sends some to bob at
    +300; bob only ever receives the known token (nonce 0, no ETH); carol gets the UNKNOWN token
    at +50, ETH at +400, the known token at +450. Head: +500."""
    with TallChain(GENESIS, free_port()) as chain:
        alice, bob, carol = chain.person("alice"), chain.person("bob"), chain.person("carol")
        chain.mine_to(GENESIS + 50)
        chain.send_token(chain.deployer, carol, 11, token=chain.unknown_token)
        chain.mine_to(GENESIS + 100)
        chain.send_eth(alice)
        chain.mine_to(GENESIS + 200)
        chain.send_token(chain.deployer, alice, 5_000)
        chain.mine_to(GENESIS + 300)
        chain.send_token(alice, bob, 1_234)
        chain.mine_to(GENESIS + 400)
        chain.send_eth(carol)
        chain.mine_to(GENESIS + 450)
        chain.send_token(chain.deployer, carol, 77)
        chain.mine_to(GENESIS + 501)  # empty blocks up to +500
        assert chain.client.block_number() == GENESIS + 500
        yield chain


def scan(tmp_path, tall, name: str, addresses, node: LimitedNode, **kwargs):
    """A scan in a data directory of its own; returns (result, stored rows, the node's counts)."""
    home = tmp_path / name
    home.mkdir()
    with Store.open(home) as store:
        session = tall.session(home, store, node.url)
        node.reset_counts()
        result = scan_transfers(session, addresses, **kwargs)
        counts = node.counts()
        return result, sorted(stored_transfers(store, addresses)), counts


def test_first_sync_finds_what_a_full_scan_finds_with_far_fewer_requests(tmp_path, tall):
    alice, bob = tall.person("alice"), tall.person("bob")
    expected = sorted(transfers_on_chain(tall.client, [alice, bob], 0))
    assert len(expected) == 2
    head = GENESIS + 500
    with LimitedNode(tall.rpc_url, max_range=10_000, empty_below=GENESIS) as node:
        old, old_rows, old_counts = scan(tmp_path, tall, "old", [alice, bob], node, ranges=OLD, find_start=False)
        new, new_rows, new_counts = scan(tmp_path, tall, "new", [alice, bob], node)
    assert old_rows == new_rows == expected
    # the old way: every 2,000 blocks from 0, one batch (two eth_getLogs) each
    assert old.requests == old.ranges == math.ceil((head + 1) / 2_000) == 76
    assert old_counts["methods"] == {"eth_blockNumber": 1, "eth_getLogs": 2 * 76}
    assert old_counts["http_requests"] == 1 + 76
    # the new one: the search (bob is found by his token balance), then one range
    assert new.first_activity.archive and new.first_activity.starts == {alice: GENESIS + 100, bob: GENESIS + 300}
    assert new.from_block == GENESIS + 100 and new.requests == new.ranges == 1 and new.complete
    assert new_counts["methods"]["eth_getLogs"] == 2
    assert new_counts["http_requests"] == 1 + new.first_activity.rounds + 1 <= 9
    assert new_counts["http_requests"] * 9 < old_counts["http_requests"]


def test_adaptive_ranges_from_block_0_learn_the_node_limit(tmp_path, tall):
    alice, bob = tall.person("alice"), tall.person("bob")
    head = GENESIS + 500
    with LimitedNode(tall.rpc_url, max_range=10_000, empty_below=GENESIS) as node:
        result, rows, counts = scan(tmp_path, tall, "adaptive", [alice, bob], node, find_start=False)
    assert rows == sorted(transfers_on_chain(tall.client, [alice, bob], 0))
    assert result.complete and result.from_block == 0
    assert 0 < result.refused <= 5
    assert counts["get_logs_refused"] == {"block range": 2 * result.refused}  # both eth_getLogs of a batch
    # ~15 ranges of up to 10,000 blocks (2k, 4k, 8k, then the limit) instead of 76 of 2,000
    assert math.ceil((head + 1) / 10_000) <= result.ranges <= math.ceil((head + 1) / 10_000) + 4
    assert counts["http_requests"] - 1 == result.requests == result.ranges + result.refused < 76 / 3


def test_a_result_count_limit_halves_ranges_and_the_rows_are_the_same(tmp_path, tall):
    deployer = tall.deployer  # minted both tokens, sent to alice and carol (both tokens): 5 logs
    with LimitedNode(tall.rpc_url, max_range=None, max_results=1, empty_below=GENESIS) as node:
        result, rows, counts = scan(tmp_path, tall, "results", [deployer], node)
    assert rows == sorted(transfers_on_chain(tall.client, [deployer], 0)) and len(rows) == 5
    assert 0 < result.refused <= counts["get_logs_refused"]["results"] and result.complete


def test_without_archive_state_the_first_sync_scans_from_block_0_and_says_so(tmp_path, tall):
    alice, bob = tall.person("alice"), tall.person("bob")
    # no empty_below: anvil refuses the state of blocks below its genesis, like a pruned node
    with LimitedNode(tall.rpc_url, max_range=10_000) as node:
        result, rows, _counts = scan(tmp_path, tall, "pruned", [alice, bob], node)
    assert not result.first_activity.archive and "no state for old blocks" in result.first_activity.reason
    assert result.first_activity.starts == {alice: 0, bob: 0} and result.from_block == 0
    assert rows == sorted(transfers_on_chain(tall.client, [alice, bob], 0)) and result.complete


def test_the_documented_limit_an_unknown_token_before_the_first_activity(tmp_path, tall):
    carol = tall.person("carol")
    everything = transfers_on_chain(tall.client, [carol], 0)
    with LimitedNode(tall.rpc_url, max_range=10_000, empty_below=GENESIS) as node:
        result, rows, _counts = scan(tmp_path, tall, "carol", [carol], node)
    assert result.first_activity.starts == {carol: GENESIS + 400}
    missed = {r for r in everything if r[2] == tall.unknown_token}
    assert len(missed) == 1 and next(iter(missed))[6] == GENESIS + 50
    assert set(rows) == everything - missed and len(rows) == 1  # the known token at +450


def test_a_cancelled_first_sync_resumes_where_it_stopped(tmp_path, tall):
    alice, bob = tall.person("alice"), tall.person("bob")
    home = tmp_path / "resume"
    home.mkdir()
    head = GENESIS + 500
    with LimitedNode(tall.rpc_url, max_range=10_000) as node, Store.open(home) as store:  # no archive: from 0
        session = tall.session(home, store, node.url)
        cancel = threading.Event()
        calls: list[tuple[int, int]] = []

        def progress(done, total):
            calls.append((done, total))
            if done >= 50_000:
                cancel.set()

        first = scan_transfers(session, [alice, bob], progress=progress, cancel=cancel)
        assert first.cancelled and not first.complete and 50_000 <= first.scanned_to + 1 < head
        assert calls[0] == (0, head + 1) and calls[-1] == (first.scanned_to + 1, head + 1)
        assert [d for d, _t in calls] == sorted(d for d, _t in calls) and {t for _d, t in calls} == {head + 1}
        assert store.get_setting(cursor_key(session)) == {alice: first.scanned_to, bob: first.scanned_to}
        rest_calls: list[tuple[int, int]] = []
        rest = scan_transfers(session, [alice, bob], progress=lambda d, t: rest_calls.append((d, t)))
        assert rest.from_block == first.scanned_to + 1 and rest.complete and rest.first_activity is None
        assert rest_calls[-1] == (head - first.scanned_to, head - first.scanned_to)
        assert sorted(stored_transfers(store, [alice, bob])) == sorted(transfers_on_chain(tall.client, [alice, bob], 0))
        assert store.get_setting(cursor_key(session)) == {alice: head, bob: head}


def test_a_sync_cancelled_right_after_the_search_keeps_its_result(tmp_path, tall):
    alice, bob = tall.person("alice"), tall.person("bob")
    home = tmp_path / "searched"
    home.mkdir()
    with LimitedNode(tall.rpc_url, max_range=10_000, empty_below=GENESIS) as node, Store.open(home) as store:
        session = tall.session(home, store, node.url)
        cancel = threading.Event()
        first = scan_transfers(session, [alice, bob], progress=lambda d, t: cancel.set(), cancel=cancel)
        assert first.cancelled and first.ranges == 0 and first.scanned_to == GENESIS + 99
        assert store.get_setting(cursor_key(session)) == {alice: GENESIS + 99, bob: GENESIS + 299}
        node.reset_counts()
        rest = scan_transfers(session, [alice, bob])
        assert rest.first_activity is None and rest.from_block == GENESIS + 100 and rest.complete
        assert node.counts()["methods"] == {"eth_blockNumber": 1, "eth_getLogs": 2}
        assert sorted(stored_transfers(store, [alice, bob])) == sorted(transfers_on_chain(tall.client, [alice, bob], 0))

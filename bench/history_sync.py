"""History sync benchmark (prints JSON): the requests, bytes and seconds of a FIRST history scan
(``app.history.scan.scan_transfers``, the step of ``sync_history`` that reads the chain) of two
accounts whose first activity is late on a 24,000,000-block chain, behind a node that refuses
``eth_getLogs`` spans above 10,000 blocks: the fixed 2,000-block ranges from block 0 (the scan
before issue 10) against the first-activity search plus adaptive ranges.

    .venv/bin/python bench/history_sync.py [--head 24000000] [--real-blocks 1000]
                                           [--max-range 10000] [--skip-old]

The chain: anvil cannot mine 24M blocks (anvil_mine slows with every block: ~1.6 s for the
first 1,000, ~160 s for 10,000 in one call), so it starts at genesis block ``head -
real-blocks`` (``--number``) and ``--real-blocks`` blocks are mined on top, with two demo
ERC-20 tokens (tests/support/tall_chain.py). In front of it, tests/support/limited_node.py
refuses eth_getLogs spans above ``--max-range`` blocks ("query exceeds max block range") and
counts HTTP requests (a JSON-RPC batch is one), methods and bytes; the blocks below the genesis
are the empty past: eth_getLogs there is anvil's own answer (no logs) and balance/nonce probes
answer 0 (an archive node's answer for an address that did not exist yet).

Activity (blocks above the genesis G): alice gets ETH at G+200 (her first activity), the known
token at G+400, sends some to bob at G+600 and gets more at G+800; bob only receives the known
token (no ETH, nonce 0: found by his token balance). Scenarios, each a first scan into a new
data directory:

* ``old_fixed_2000_from_0``: ``RangePolicy(2000, 2000)``, no search (the pre-issue-10 scan);
* ``new``: the default (the search, then ranges from 2,000 growing);
* ``new_without_archive_state``: the same proxy without the empty past: anvil refuses state
  below its genesis like a pruned node, the search gives up and the scan runs from block 0
  with adaptive ranges;
* ``search_only``: the first-activity search alone, 7 blocks per round and 1 (binary).

Every scenario's stored transfers are compared with the node's own log list.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.devnet import toolchain  # noqa: E402
from app.history import RangePolicy, scan_transfers  # noqa: E402
from app.history.first_activity import find_first_activity  # noqa: E402
from app.store import Store  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.support.limited_node import LimitedNode  # noqa: E402
from tests.support.tall_chain import TallChain, stored_transfers, transfers_on_chain  # noqa: E402

HEAD = 24_000_000
REAL_BLOCKS = 1_000
MAX_RANGE = 10_000
OLD_CHUNK = 2_000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--head", type=int, default=HEAD, help="the chain's last block")
    parser.add_argument("--real-blocks", type=int, default=REAL_BLOCKS, help="blocks anvil mines (>= 1000)")
    parser.add_argument("--max-range", type=int, default=MAX_RANGE, help="the node's eth_getLogs limit")
    parser.add_argument("--skip-old", action="store_true", help="do not run the fixed-range scan (slow)")
    args = parser.parse_args(argv)
    if args.real_blocks < 1_000 or args.head <= args.real_blocks:
        parser.error("--real-blocks must be at least 1000 and below --head")
    began, load_before = time.perf_counter(), os.getloadavg()
    genesis = args.head - args.real_blocks
    with tempfile.TemporaryDirectory(prefix="basketry-bench-history-") as tmp, \
            TallChain(genesis, free_port()) as chain:
        started = time.perf_counter()
        accounts = make_activity(chain, genesis, args.head)
        setup = {"genesis_block": genesis, "head": args.head, "real_blocks": args.real_blocks,
                 "seconds": round(time.perf_counter() - started, 2), "activity": accounts["heights"]}
        addresses = accounts["addresses"]
        expected = sorted(transfers_on_chain(chain.client, addresses, 0))
        setup["transfers_on_chain"] = len(expected)
        scenarios: dict[str, Any] = {}
        with LimitedNode(chain.rpc_url, max_range=args.max_range, empty_below=genesis) as node:
            if not args.skip_old:
                scenarios["old_fixed_2000_from_0"] = run_scan(
                    Path(tmp) / "old", chain, node, addresses, expected,
                    ranges=RangePolicy(OLD_CHUNK, OLD_CHUNK), find_start=False)
            scenarios["new"] = run_scan(Path(tmp) / "new", chain, node, addresses, expected)
            scenarios["search_only"] = {f"fanout_{f}": run_search(chain, node, addresses, args.head, f)
                                        for f in (7, 1)}
        with LimitedNode(chain.rpc_url, max_range=args.max_range) as pruned:
            scenarios["new_without_archive_state"] = run_scan(Path(tmp) / "pruned", chain, pruned, addresses,
                                                              expected)
    result = report(args, setup, scenarios)
    result["environment"]["load_average_1_5_15"] = {"before": [round(x, 2) for x in load_before],
                                                     "after": [round(x, 2) for x in os.getloadavg()]}
    result["total_s"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, indent=2))


def make_activity(chain: TallChain, genesis: int, head: int) -> dict[str, Any]:
    alice, bob = chain.person("alice"), chain.person("bob")
    heights = {}
    chain.mine_to(genesis + 200)
    heights["alice_gets_eth"] = chain.send_eth(alice)
    chain.mine_to(genesis + 400)
    heights["alice_gets_token"] = chain.send_token(chain.deployer, alice, 5_000 * 10**18)
    chain.mine_to(genesis + 600)
    heights["alice_pays_bob"] = chain.send_token(alice, bob, 1_234 * 10**18)
    chain.mine_to(genesis + 800)
    heights["alice_gets_more"] = chain.send_token(chain.deployer, alice, 10**18)
    chain.mine_to(head + 1)
    assert chain.client.block_number() == head
    return {"addresses": [alice, bob], "heights": heights}


def run_scan(home: Path, chain: TallChain, node: LimitedNode, addresses: list[str], expected: list[tuple],
             **kwargs) -> dict[str, Any]:
    home.mkdir()
    with Store.open(home) as store:
        session = chain.session(home, store, node.url)
        node.reset_counts()
        started = time.perf_counter()
        result = scan_transfers(session, addresses, **kwargs)
        seconds = time.perf_counter() - started
        counts = node.counts()
        rows = sorted(stored_transfers(store, addresses))
    out = {"seconds": round(seconds, 2), **counts, "get_logs_batches": result.requests,
           "ranges": result.ranges, "ranges_refused": result.refused, "from_block": result.from_block,
           "complete": result.complete, "transfers_found": result.found, "same_transfers_as_the_node": rows == expected}
    if result.first_activity is not None:
        out["first_activity"] = {"archive": result.first_activity.archive, "rounds": result.first_activity.rounds,
                                 "starts": result.first_activity.starts, "reason": result.first_activity.reason}
    return out


def run_search(chain: TallChain, node: LimitedNode, addresses: list[str], head: int, fanout: int) -> dict[str, Any]:
    from app.chain.client import ChainClient
    client = ChainClient(node.url, timeout=60)
    node.reset_counts()
    started = time.perf_counter()
    found = find_first_activity(client, addresses, [chain.token], head, fanout=fanout)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "rounds": found.rounds, "starts": found.starts, **node.counts()}


def report(args, setup: dict, scenarios: dict) -> dict[str, Any]:
    new, pruned = scenarios["new"], scenarios["new_without_archive_state"]
    old = scenarios.get("old_fixed_2000_from_0")
    comparison = {"old_requests_computed": math.ceil((args.head + 1) / OLD_CHUNK),
                  "new_http_requests": new["http_requests"],
                  "new_without_archive_http_requests": pruned["http_requests"]}
    if old is not None:
        comparison["old_http_requests"] = old["http_requests"]
        comparison["requests_ratio_old_over_new"] = round(old["http_requests"] / new["http_requests"], 1)
        comparison["seconds_old_over_new"] = round(old["seconds"] / max(new["seconds"], 1e-3), 1)
        comparison["bytes_old_over_new"] = round((old["bytes_sent"] + old["bytes_received"])
                                                 / (new["bytes_sent"] + new["bytes_received"]), 1)
    anvil = subprocess.run([str(toolchain.anvil_binary()), "--version"], capture_output=True,
                           text=True).stdout.splitlines()[0]
    return {
        "benchmark": "history_sync",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(), "anvil": anvil},
        "config": {"head": args.head, "real_blocks": args.real_blocks, "max_range": args.max_range,
                   "old_chunk": OLD_CHUNK, "skip_old": args.skip_old},
        "setup": setup,
        "scenarios": scenarios,
        "comparison": comparison,
        "notes": [
            "http_requests include the scan's one eth_blockNumber; a JSON-RPC batch is one request",
            "seconds: on loopback through a Python proxy (no network latency): a remote node "
            "adds its round-trip time per request, so the request counts carry over, the seconds do not",
            "the blocks below the genesis are empty: on mainnet, ranges before the first activity "
            "would hold other accounts' logs, not these addresses' (the filters are by topic)",
        ],
    }


if __name__ == "__main__":
    main()

"""Split-routing benchmark (prints JSON): what splitting a leg across pools and routes (every
fee tier, via WETH and via USDC; app/index/split.py) adds to an index buy against one route per
leg, at 1, 100 and 1,000 ETH of the Top 10 on the demo network.

    .venv/bin/python bench/split_routing.py [--amounts 1,100,1000] [--basket "Top 10"] [--pay ETH]
                                            [--runs 3] [--latency 0]

Set-up, in a temporary data directory: the demo network (anvil), a fresh buyer funded with
ETH (and USDC for --pay USDC). For each amount the basket is planned with ``plan_index_buy``
twice at the same block, with ``split_routes=False`` (one route per leg: the best of the same
candidate routes) and with splitting on. Both plans simulate their exact transaction; the
figures are those simulations valued at the pools' mid prices (the preview's
``expected_value_usd``), so "gain" is what the chain would deliver, not what independent quotes
promise. ``net_gain_usd`` also subtracts the extra gas of the split transaction (at the
preview's gas price). Planning time: the median of ``--runs`` runs after one warm-up, through
tests/support/rpc_proxy.RpcProxy adding ``--latency`` seconds per round trip; round trips as
the proxy counted them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_abi import encode  # noqa: E402
from eth_account import Account  # noqa: E402
from eth_utils import keccak  # noqa: E402

from app.chain.client import ChainClient  # noqa: E402
from app.devnet.manager import Devnet  # noqa: E402
from app.index.planner import plan_index_buy  # noqa: E402
from app.session import ChainSession  # noqa: E402
from app.store import Store  # noqa: E402
from bench.index_preview import _free_port, environment  # noqa: E402
from tests.support.rpc_proxy import RpcProxy  # noqa: E402

AMOUNTS = ("1", "100", "1000")
RUNS = 3
BUYER_ETH = 10**6
BUYER_USDC = 10**10
DEMO_TOKEN_BALANCES_SLOT = 0   # OpenZeppelin 5 ERC20: _balances is the first storage slot


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--amounts", default=",".join(AMOUNTS), help="comma-separated amounts to buy")
    parser.add_argument("--basket", default="Top 10")
    parser.add_argument("--pay", default="ETH", choices=("ETH", "USDC"))
    parser.add_argument("--runs", type=int, default=RUNS, help="timed plans per amount and mode")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per RPC round trip")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="basketry-bench-split-") as tmp:
        home = Path(tmp)
        devnet = Devnet(home)
        status = devnet.start(block_time=None, port=_free_port())
        try:
            client = ChainClient(status.rpc_url)
            buyer = Account.from_key(keccak(text="basketry split routing benchmark buyer")).address
            client.rpc("anvil_setBalance", [buyer, hex(BUYER_ETH * 10**18)])
            usdc = next(t["address"] for t in status.deployment["tokens"] if t["symbol"] == "USDC")
            slot = keccak(encode(["address", "uint256"], [buyer, DEMO_TOKEN_BALANCES_SLOT]))
            client.rpc("anvil_setStorageAt", [usdc, "0x" + slot.hex(),
                                              "0x" + (BUYER_USDC * 10**6).to_bytes(32, "big").hex()])
            client.rpc("anvil_mine", ["0x1"])
            rows = []
            with Store.open(home) as store, RpcProxy(status.rpc_url, latency=args.latency) as proxy:
                session = ChainSession.open(home, "demo", store, proxy.url)
                for amount in args.amounts.split(","):
                    rows.append(measure(session, proxy, args, amount.strip(), buyer))
        finally:
            devnet.stop()
    print(json.dumps({
        "benchmark": "split_routing",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "config": {"basket": args.basket, "pay": args.pay, "runs": args.runs, "latency_s": args.latency,
                   "network": "demo (anvil, app/devnet pools: depth ~ sqrt(market cap), WETH and USDC pairs)"},
        "amounts": rows,
        "notes": [
            "value_usd: the preview's expected_value_usd, i.e. the exact transaction's simulated "
            "amounts out at the pools' mid prices; single = one route per leg (split_routes=False), "
            "split = splitting on (the default); both planned at the same block",
            "gain = split - single; gain_bps against single; net_gain_usd also pays the split "
            "transaction's extra gas at the preview's gas price",
            "legs: per token, split amount out against single, in bps (tokens whose leg was split)",
            "plan_s: median wall time of plan_index_buy; round_trips: HTTP requests the proxy saw",
        ],
        "total_s": round(time.perf_counter() - began, 1),
    }, indent=2))


def measure(session: ChainSession, proxy: RpcProxy, args, amount: str, buyer: str) -> dict[str, Any]:
    modes = {}
    for name, split in (("single", False), ("split", True)):
        plan = plan_index_buy(session, args.basket, amount, args.pay, None, buyer, split_routes=split)  # warm-up
        seconds, trips = [], []
        for _ in range(args.runs):
            proxy.reset_counts()
            started = time.perf_counter()
            plan = plan_index_buy(session, args.basket, amount, args.pay, None, buyer, split_routes=split)
            seconds.append(time.perf_counter() - started)
            trips.append(proxy.requests)
        modes[name] = (plan, statistics.median(seconds), max(trips))
    (single, single_s, single_trips), (split, split_s, split_trips) = modes["single"], modes["split"]
    if single.block != split.block:
        raise RuntimeError("the two plans are at different blocks: the comparison would not be fair")
    single_json, split_json = single.preview.to_json(), split.preview.to_json()
    single_value = Decimal(single_json["pnl_preview"]["expected_value_usd"])
    split_value = Decimal(split_json["pnl_preview"]["expected_value_usd"])
    gain = split_value - single_value
    extra_fee = Decimal(split_json["network_fee"]["usd"]) - Decimal(single_json["network_fee"]["usd"])
    by_symbol = {leg["symbol"]: leg for leg in single_json["legs"]}
    legs = {}
    for leg in split_json["legs"]:
        if len(leg.get("parts") or []) > 1:
            before = Decimal(by_symbol[leg["symbol"]]["expected_out"])
            after = Decimal(leg["expected_out"])
            legs[leg["symbol"]] = {
                "route": leg["route"], "single_route": by_symbol[leg["symbol"]]["route"],
                "gain_bps": str(((after - before) / before * 10_000).quantize(Decimal("0.01"))),
                "gain_usd": str((Decimal(leg["expected_value_usd"])
                                 - Decimal(by_symbol[leg["symbol"]]["expected_value_usd"])).quantize(Decimal("0.01"))),
                "price_impact_bps": {"single": by_symbol[leg["symbol"]]["price_impact_bps"],
                                     "split": leg["price_impact_bps"]}}
    return {
        "amount": f"{amount} {args.pay}",
        "block": split.block,
        "value_usd": {"single": str(single_value), "split": str(split_value)},
        "gain_usd": str(gain),
        "gain_bps": str((gain / single_value * 10_000).quantize(Decimal("0.01"))) if single_value else None,
        "network_fee_usd": {"single": single_json["network_fee"]["usd"], "split": split_json["network_fee"]["usd"]},
        "net_gain_usd": str(gain - extra_fee),
        "split_taken": split.route_split.get("taken", False),
        "split_considered": split.route_split.get("considered", False),
        "why_not": split.route_split.get("reason"),
        "swaps": {"single": len(single.swap_legs), "split": len(split.swap_legs)},
        "gas": {"single": single_json["network_fee"]["gas"], "split": split_json["network_fee"]["gas"]},
        "transactions": {"single": single_json["transactions"], "split": split_json["transactions"]},
        "legs": legs,
        "plan_s": {"single": round(single_s, 3), "split": round(split_s, 3)},
        "round_trips": {"single": single_trips, "split": split_trips,
                        "planner_count": {"single": single.round_trips, "split": split.round_trips}},
    }


if __name__ == "__main__":
    main()

"""Index preview benchmark (prints JSON): how long an index-buy preview takes and how many
RPC round trips it makes for baskets of 5, 20 and 100 legs behind a slow RPC, and how much
gas one transaction saves against buying the same legs one transaction at a time.

    .venv/bin/python bench/index_preview.py [--legs 5,20,100] [--runs 3] [--latency 0.05]

Set-up, all in a temporary data directory: the demo network (anvil), plus BENCH_TOKENS extra
demo tokens, each with one 0.3% WETH pool (depth from app.devnet.liquidity's rule for a $1B
token), deployed from anvil's unlocked account 0 with app.devnet.deploy's own helpers. The
N-leg basket is a user basket file (equal weights) listing the first N of them by address;
they are unknown to the demo deployment, so the session is given them as extra known tokens
(in this process only). The buyer is a fresh key funded with ETH: it holds none of the tokens,
so every leg pays the first-time storage cost (the worst case for the gas cap).

1. Preview: ``plan_index_buy`` through tests/support/rpc_proxy.RpcProxy, which adds
   ``--latency`` seconds to every HTTP round trip (a JSON-RPC batch is one). One warm-up, then
   the median of ``--runs`` timed runs; round trips as the proxy counted them.
2. Gas: the preview's estimate (``vs_separate``) and the gas actually used, from the same
   fresh state each time (evm_snapshot/evm_revert): the plan's transaction(s) through the
   Universal Router, against one SwapRouter02 ETH->token swap per leg, each its own
   transaction, signed with eth_account by the buyer's key.

Targets are reported as booleans, never asserted: at most 4 round trips whatever N, under
1 s at N=100 with 50 ms latency, and a saving above 15.7% at N=20 (FACTS.md's measured
SwapRouter02 multicall figure).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account  # noqa: E402
from eth_utils import keccak  # noqa: E402

from app.chain.client import ChainClient  # noqa: E402
from app.devnet import artifacts, liquidity, toolchain  # noqa: E402
from app.devnet.deploy import MAX_UINT256, _Deployer, load_snapshot  # noqa: E402
from app.devnet.manager import Devnet  # noqa: E402
from app.index import routers  # noqa: E402
from app.index.planner import DEADLINE_SECONDS, plan_index_buy  # noqa: E402
from app.session import ChainSession, Token  # noqa: E402
from app.store import Store  # noqa: E402
from tests.support.rpc_proxy import RpcProxy  # noqa: E402

LEGS = (5, 20, 100)
RUNS = 3
LATENCY_S = 0.05
AMOUNT_PER_LEG_ETH = Decimal("0.1")
BENCH_FEE = 3000
BENCH_PRICE_USD = Decimal(1)
BENCH_MARKET_CAP_USD = Decimal(10**9)
BUYER_ETH = 10**6
SEPARATE_SWAP_GAS_LIMIT = 1_000_000
TARGET_ROUND_TRIPS = 4
TARGET_SECONDS = 1.0            # at the largest N (100 in the full run)
TARGET_SAVING_AT_20_PCT = Decimal("15.7")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--legs", default=",".join(map(str, LEGS)), help="comma-separated basket sizes")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed previews per size (after one warm-up)")
    parser.add_argument("--latency", type=float, default=LATENCY_S, help="seconds added per RPC round trip")
    args = parser.parse_args(argv)
    legs = sorted({int(n) for n in args.legs.split(",")})
    began = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="basketry-bench-") as tmp:
        home = Path(tmp)
        devnet = Devnet(home)
        started = time.perf_counter()
        status = devnet.start(block_time=None, port=_free_port())
        try:
            demo_start = time.perf_counter() - started
            client = ChainClient(status.rpc_url)
            started = time.perf_counter()
            extra = deploy_bench_tokens(client, status.deployment, max(legs))
            extra_deploy = time.perf_counter() - started
            buyer = Account.from_key(keccak(text="basketry index preview benchmark buyer"))
            client.rpc("anvil_setBalance", [buyer.address, hex(BUYER_ETH * 10**18)])
            client.rpc("anvil_mine", ["0x1"])

            previews, gas = {}, {}
            with Store.open(home) as store, RpcProxy(status.rpc_url, latency=args.latency) as proxy:
                session = ChainSession.open(home, "demo", store, proxy.url)
                session = dataclasses.replace(session, tokens=session.tokens + extra)
                for n in legs:
                    basket = write_basket(home, extra[:n])
                    amount = str(AMOUNT_PER_LEG_ETH * n)
                    previews[n], plan = measure_preview(session, proxy, basket, amount, buyer.address,
                                                        args.runs)
                    gas[n] = measure_gas(client, session, plan, buyer)
        finally:
            devnet.stop()

    print(json.dumps(report(legs, args, previews, gas, demo_start, extra_deploy,
                            time.perf_counter() - began), indent=2))


# --- set-up -----------------------------------------------------------------------------------
def deploy_bench_tokens(client: ChainClient, deployment: dict, count: int) -> list[Token]:
    """``count`` more demo tokens (BX001...), each with one full-range WETH pool, from anvil's
    unlocked account 0 like app.devnet.deploy does. Returns them as session tokens."""
    _as_of, snapshot = load_snapshot()
    weth_usd = next(t.price_usd for t in snapshot if t.symbol == "WETH")
    contracts = deployment["contracts"]
    weth, position_manager = contracts["weth"], contracts["position_manager"]
    d = _Deployer(client)
    client.rpc("anvil_setBalance", [d.address, hex(10**9 * 10**18)])
    demo_token = artifacts.demo_contracts()["DemoToken"]
    manager = client.contract(position_manager, artifacts.canonical("NonfungiblePositionManager").abi)

    tokens, pools = [], []
    for i in range(1, count + 1):
        symbol = f"BX{i:03d}"
        (pool,) = liquidity.split_depth(symbol, liquidity.token_depth_usd(BENCH_MARKET_CAP_USD),
                                        [BENCH_FEE], [])
        supply = liquidity.base_units(pool.depth_usd, BENCH_PRICE_USD, 18) * 11 // 10 + 1
        address = d.deploy(demo_token, f"Benchmark token {i}", symbol, 18, supply)
        tokens.append(Token(symbol, address, 18))
        pools.append(pool)
    weth_needed = sum(liquidity.base_units(p.depth_usd, weth_usd, 18) for p in pools) * 11 // 10 + 1
    weth_contract = client.contract(weth, artifacts.canonical("WETH9").abi)
    d.send("wrap ETH", weth_contract, "deposit", value=weth_needed)
    d.send("approve WETH", weth_contract, "approve", position_manager, MAX_UINT256)

    lower, upper = liquidity.full_range_ticks(BENCH_FEE)
    for token, pool in zip(tokens, pools, strict=True):
        d.send(f"approve {token.symbol}", client.contract(token.address, demo_token.abi), "approve",
               position_manager, MAX_UINT256)
        sides = [(token.address, BENCH_PRICE_USD), (weth, weth_usd)]
        (addr0, price0), (addr1, price1) = sorted(sides, key=lambda side: int(side[0], 16))
        sqrt_price = liquidity.sqrt_price_x96(price0, 18, price1, 18)
        d.send(f"create {token.symbol}/WETH", manager, "createAndInitializePoolIfNecessary",
               addr0, addr1, BENCH_FEE, sqrt_price)
        amount0 = liquidity.base_units(pool.depth_usd, price0, 18)
        amount1 = liquidity.base_units(pool.depth_usd, price1, 18)
        d.send(f"add liquidity {token.symbol}/WETH", manager, "mint",
               (addr0, addr1, BENCH_FEE, lower, upper, amount0, amount1, 0, 0, d.address, 2**40))
    d.verify()
    return tokens


def write_basket(home: Path, tokens: list[Token]) -> Path:
    path = home / f"bench-{len(tokens)}.json"
    path.write_text(json.dumps({
        "name": f"Bench {len(tokens)}", "weighting": "equal",
        "description": "benchmark tokens, by address",
        "constituents": [{"token": t.address} for t in tokens]}))
    return path


# --- 1. preview latency and round trips -------------------------------------------------------
def measure_preview(session: ChainSession, proxy: RpcProxy, basket: Path, amount: str, buyer: str,
                    runs: int) -> tuple[dict[str, Any], Any]:
    plan = plan_index_buy(session, str(basket), amount, "ETH", None, buyer)  # warm-up
    seconds, trips = [], []
    for _ in range(runs):
        proxy.reset_counts()
        started = time.perf_counter()
        plan = plan_index_buy(session, str(basket), amount, "ETH", None, buyer)
        seconds.append(time.perf_counter() - started)
        trips.append(proxy.requests)
    preview = plan.preview.to_json()
    skipped = [leg["symbol"] for leg in preview["legs"] if leg["skipped"]]
    return {
        "amount_eth": amount,
        "median_s": round(statistics.median(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
        "round_trips": max(trips),
        "round_trips_per_run": trips,
        "planner_round_trips": plan.round_trips,
        "rpc_calls_last_run": dict(sorted(proxy.methods.items())),
        "transactions": preview["transactions"],
        "skipped_legs": skipped,
        "simulation_ok": preview["simulation"]["ok"],
    }, plan


# --- 2. gas: one transaction against N ------------------------------------------------------
def measure_gas(client: ChainClient, session: ChainSession, plan, buyer) -> dict[str, Any]:
    estimated = plan.preview.to_json()["vs_separate"]
    fee_fields = {k: plan.transactions[-1][k] for k in ("maxFeePerGas", "maxPriorityFeePerGas")}

    snapshot = client.rpc("evm_snapshot")
    try:
        one = _send_all(client, buyer, plan.transactions)
    finally:
        _revert(client, snapshot)

    weth, swap_router = session.network.wrapped_native, session.network.swap_router
    snapshot = client.rpc("evm_snapshot")
    try:
        deadline = int(client.block("latest")["timestamp"]) + DEADLINE_SECONDS
        separate_txs = []
        for leg in plan.swap_legs:
            data, value = routers.encode_swaprouter02_eth_single(leg, deadline, weth)
            separate_txs.append({"to": swap_router, "value": value, "data": "0x" + data.hex(),
                                 "gas": SEPARATE_SWAP_GAS_LIMIT, **fee_fields})
        separate = _send_all(client, buyer, separate_txs)
    finally:
        _revert(client, snapshot)

    saved = separate["gas_used"] - one["gas_used"]
    return {
        "estimated": {**estimated, "transactions": plan.preview.transactions,
                      "per_tx_estimates": plan.gas_estimates},
        "measured": {
            "one_tx_gas": one["gas_used"], "one_tx_per_tx": one["per_tx"],
            "transactions": len(plan.transactions), "all_succeeded": one["ok"] and separate["ok"],
            "separate_txs_gas": separate["gas_used"], "separate_txs": len(separate_txs),
            "saved_gas": saved, "saved_pct": _pct(saved, separate["gas_used"]),
        },
    }


def _send_all(client: ChainClient, account, transactions: list[dict[str, Any]]) -> dict[str, Any]:
    """Sign and send in order (anvil mines each at once, in its own block); gas used."""
    nonce = int(client.rpc("eth_getTransactionCount", [account.address, "latest"]), 16)
    hashes = []
    for offset, tx in enumerate(transactions):
        fields = {"to": tx["to"], "value": int(tx["value"]), "data": tx["data"], "gas": int(tx["gas"]),
                  "maxFeePerGas": int(tx["maxFeePerGas"]),
                  "maxPriorityFeePerGas": int(tx["maxPriorityFeePerGas"]),
                  "chainId": 31337, "type": 2, "nonce": nonce + offset}
        signed = account.sign_transaction(fields)
        hashes.append(client.send_raw_transaction(signed.raw_transaction))
    receipts = [client.wait_for_receipt(h, poll=0.001) for h in hashes]
    per_tx = [int(r["gasUsed"]) for r in receipts]
    return {"gas_used": sum(per_tx), "per_tx": per_tx, "ok": all(r["status"] == 1 for r in receipts)}


def _revert(client: ChainClient, snapshot: str) -> None:
    if not client.rpc("evm_revert", [snapshot]):
        raise RuntimeError("evm_revert failed: later measurements would not start from the same state")


# --- the report ----------------------------------------------------------------------------------
def report(legs: list[int], args, previews: dict, gas: dict, demo_start: float, extra_deploy: float,
           total: float) -> dict[str, Any]:
    largest = max(legs)
    at_20 = gas.get(20)
    targets = {
        f"round_trips_at_most_{TARGET_ROUND_TRIPS}": all(
            p["round_trips"] <= TARGET_ROUND_TRIPS for p in previews.values()),
        f"under_{TARGET_SECONDS:g}s_at_100_legs": (
            previews[100]["median_s"] < TARGET_SECONDS if 100 in previews else None),
        f"saving_at_20_legs_above_{TARGET_SAVING_AT_20_PCT}pct": {
            "estimated": None if at_20 is None else
            Decimal(at_20["estimated"]["saved_pct"]) > TARGET_SAVING_AT_20_PCT,
            "measured": None if at_20 is None else
            Decimal(at_20["measured"]["saved_pct"]) > TARGET_SAVING_AT_20_PCT,
        },
    }
    notes = [
        "round_trips: HTTP requests the proxy saw during one plan_index_buy (a JSON-RPC batch "
        "counts as one); planner_round_trips: the planner's own count",
        f"median_s: wall time of plan_index_buy, median of {args.runs} runs after one warm-up, "
        f"{args.latency * 1000:g} ms added per round trip",
        "gas.estimated: the preview's vs_separate (eth_estimateGas of the one tx, summed over "
        "each leg's own SwapRouter02 tx); gas.measured: gasUsed of the transactions actually sent "
        "from the same state (Universal Router, ETH wrapped once, vs one SwapRouter02 "
        "multicall(exactInputSingle) per leg with the ETH as value)",
        "the buyer holds none of the tokens: first-time balance storage on every leg "
        f"(FACTS.md: ~135 such legs reach the {16_777_216:,} per-transaction gas cap)",
    ]
    split = [n for n in legs if gas[n]["measured"]["transactions"] > 1]
    notes.append(f"split into several transactions by the gas cap at N = {split}" if split else
                 f"no split needed up to N = {largest} (one transaction each)")
    return {
        "benchmark": "index_preview",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "config": {"legs": legs, "runs": args.runs, "latency_s": args.latency, "pay": "ETH",
                   "amount_per_leg_eth": str(AMOUNT_PER_LEG_ETH), "weighting": "equal",
                   "tokens": f"BX001..BX{largest:03d}: demo tokens at ${BENCH_PRICE_USD}, one "
                             f"{BENCH_FEE / 10_000:g}% WETH pool each, depth per side "
                             f"${liquidity.token_depth_usd(BENCH_MARKET_CAP_USD):,.0f}"},
        "setup_s": {"demo_network_first_start": round(demo_start, 2),
                    f"deploy_{largest}_extra_tokens_and_pools": round(extra_deploy, 2)},
        "preview": {str(n): p for n, p in previews.items()},
        "gas": {str(n): g for n, g in gas.items()},
        "targets": targets,
        "notes": notes,
        "total_s": round(total, 1),
    }


def environment() -> dict[str, Any]:
    try:
        anvil = subprocess.run([str(toolchain.anvil_binary()), "--version"], capture_output=True,
                               text=True, timeout=10).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError) as exc:
        anvil = f"unknown ({exc})"
    return {"cpu_count": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "anvil": anvil}


def _pct(part: int, whole: int) -> str | None:
    return str((Decimal(part) / Decimal(whole) * 100).quantize(Decimal("0.1"))) if whole else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()

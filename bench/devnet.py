"""Demo network benchmark (prints JSON): first start (deploy) and warm start times, and the
price impact of $1k / $100k / $1M buys of every token through its main pool (QuoterV2).

    .venv/bin/python bench/devnet.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.chain.client import ChainClient  # noqa: E402
from app.devnet import artifacts  # noqa: E402
from app.devnet.manager import Devnet  # noqa: E402

TRADES_USD = (1_000, 100_000, 1_000_000)


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        devnet = Devnet(Path(home))
        started = time.perf_counter()
        status = devnet.start(block_time=None)
        first_start = time.perf_counter() - started
        devnet.stop()
        started = time.perf_counter()
        status = devnet.start(block_time=None)
        warm_start = time.perf_counter() - started
        impacts = price_impacts(ChainClient(status.rpc_url), status.deployment)
        devnet.stop()
    print(json.dumps({
        "first_start_s": round(first_start, 2),
        "warm_start_s": round(warm_start, 2),
        "deployed": {"tokens": len(status.deployment["tokens"]), "pools": len(status.deployment["pools"]),
                     "vaults": len(status.deployment["vaults"]), "block": status.block},
        "buy_cost_pct": impacts,
        "note": "buy_cost_pct: price impact plus pool fee of buying the token with WETH (USDC for "
                "WETH) in its main pool, against the snapshot price; fee tier in the key",
    }, indent=2))


def price_impacts(client: ChainClient, deployment: dict) -> dict[str, dict[str, str]]:
    tokens = {t["symbol"]: t for t in deployment["tokens"]}
    quoter = client.contract(deployment["contracts"]["quoter"], artifacts.canonical("QuoterV2").abi)
    main_pool: dict[str, dict] = {}
    for pool in deployment["pools"]:  # the first pool listed per token is its main one
        main_pool.setdefault(pool["token"], pool)
    result = {}
    for symbol, pool in main_pool.items():
        sell = tokens[pool["quote"]]
        buy = tokens[symbol]
        row = {}
        for usd in TRADES_USD:
            amount_in = int(Decimal(usd) / Decimal(sell["price_usd"]) * 10 ** sell["decimals"])
            out = quoter.functions.quoteExactInputSingle(
                (sell["address"], buy["address"], amount_in, pool["fee"], 0)).call()[0]
            value = Decimal(out) / 10 ** buy["decimals"] * Decimal(buy["price_usd"])
            row[f"${usd:,}"] = str(((1 - value / usd) * 100).quantize(Decimal("0.001")))
        result[f"{symbol} ({pool['quote']} {pool['fee'] / 10_000:g}%)"] = row
    return result


if __name__ == "__main__":
    main()

"""The demo network: real contracts, realistic markets, persistence. Real anvil throughout."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from web3 import Web3

from app.chain.client import ChainClient
from app.chain.multicall import MULTICALL3_ADDRESS
from app.devnet import artifacts
from app.devnet.clock import advance_time
from app.devnet.manager import Devnet
from app.devnet.node import BLOCK_TIMESTAMP_INTERVAL
from app.paths import resources_dir
from tests.conftest import free_port

SNAPSHOT = json.loads((resources_dir() / "market_snapshot.json").read_text())
SNAPSHOT_PRICES = {t["symbol"]: Decimal(t["price_usd"]) for t in SNAPSHOT["tokens"]}
ERC20 = artifacts.demo_contracts()["DemoToken"].abi
VAULT = artifacts.demo_contracts()["DemoYieldVault"].abi
QUOTER = artifacts.canonical("QuoterV2").abi


def tokens_by_symbol(deployment: dict) -> dict[str, dict]:
    return {t["symbol"]: t for t in deployment["tokens"]}


def quote(chain: ChainClient, deployment: dict, sell: str, buy: str, amount: Decimal, fee: int) -> Decimal:
    tokens = tokens_by_symbol(deployment)
    quoter = chain.contract(deployment["contracts"]["quoter"], QUOTER)
    amount_in = int(amount * 10 ** tokens[sell]["decimals"])
    out = quoter.functions.quoteExactInputSingle(
        (tokens[sell]["address"], tokens[buy]["address"], amount_in, fee, 0)).call()
    return Decimal(out[0]) / 10 ** tokens[buy]["decimals"]


def test_quoter_prices_one_weth_at_the_snapshot_eth_price(chain, deployment):
    usdc_out = quote(chain, deployment, "WETH", "USDC", Decimal(1), 500)
    eth_usd = SNAPSHOT_PRICES["WETH"] / SNAPSHOT_PRICES["USDC"]
    # 1 WETH is tiny against the pool: out = price less the 0.05% fee and a hair of impact
    assert eth_usd * Decimal("0.9990") < usdc_out < eth_usd * Decimal("0.9996")


def test_tokens_have_their_real_decimals_on_chain(chain, deployment):
    tokens = tokens_by_symbol(deployment)
    assert len(tokens) >= 20
    for symbol, expected in {"USDC": 6, "WBTC": 8, "USDT": 6, "WETH": 18, "LINK": 18}.items():
        contract = chain.contract(tokens[symbol]["address"], ERC20)
        assert contract.functions.decimals().call() == expected, symbol
        assert contract.functions.symbol().call() == symbol


def test_canonical_contracts_are_deployed(chain, deployment):
    for name, address in deployment["contracts"].items():
        assert len(chain.code(address)) > 0, name
    assert deployment["contracts"]["multicall3"] == MULTICALL3_ADDRESS
    # the pools are the factory's, created through the position manager
    assert len(deployment["pools"]) >= 40
    assert all(len(chain.code(pool["address"])) > 0 for pool in deployment["pools"])


def test_price_impact_grows_with_size_and_differs_by_token(chain, deployment):
    eth = SNAPSHOT_PRICES["WETH"]

    def cost_pct(symbol: str, fee: int, usd: int) -> Decimal:
        received = quote(chain, deployment, "WETH", symbol, Decimal(usd) / eth, fee)
        return (1 - received * SNAPSHOT_PRICES[symbol] / usd) * 100

    wbtc = [cost_pct("WBTC", 500, usd) for usd in (1_000, 100_000, 1_000_000)]
    grt = [cost_pct("GRT", 3000, usd) for usd in (1_000, 100_000, 1_000_000)]
    assert wbtc[0] < wbtc[1] < wbtc[2] and grt[0] < grt[1] < grt[2]
    # $1k pays about the pool fee; $1M of a deep market costs well under 1%, of a thin one more
    assert wbtc[0] < Decimal("0.06") and grt[0] < Decimal("0.32")
    assert wbtc[2] < Decimal("0.5") < grt[2]


def test_demo_account_holds_eth_and_usdc(chain, deployment):
    demo = deployment["demo_account"]
    usdc = chain.contract(tokens_by_symbol(deployment)["USDC"]["address"], ERC20)
    assert chain.balance(demo) == 100 * 10**18
    assert usdc.functions.balanceOf(demo).call() == 100_000 * 10**6


def test_vaults_grow_share_price_with_chain_time_at_their_apy(chain, deployment):
    assert {v["asset"] for v in deployment["vaults"]} >= {"USDC", "WETH"}
    assert len(deployment["vaults"]) >= 3
    tokens = tokens_by_symbol(deployment)
    for entry in deployment["vaults"]:
        vault = chain.contract(entry["address"], VAULT)
        assert vault.functions.asset().call() == entry["asset_address"]
        # deposit from the market maker (anvil's first dev account), which holds every asset
        depositor = Web3.to_checksum_address(chain.rpc("eth_accounts")[0])
        asset = chain.contract(entry["asset_address"], ERC20)
        amount = 10 ** tokens[entry["asset"]]["decimals"]
        for call in (asset.functions.approve(entry["address"], amount),
                     vault.functions.deposit(amount, depositor)):
            tx = call.build_transaction({"from": depositor, "gas": 500_000})
            assert chain.wait_for_receipt(chain.send_transaction(tx))["status"] == 1
        one_share = 10 ** vault.functions.decimals().call()
        before = vault.functions.convertToAssets(one_share).call()
        advance_time(chain, 365 * 24 * 3600)
        after = vault.functions.convertToAssets(one_share).call()
        growth = Decimal(after) / Decimal(before) - 1
        assert abs(growth - Decimal(entry["apy_bps"]) / 10_000) < Decimal("0.0005"), entry["name"]


def test_blocks_are_twelve_seconds_apart(chain):
    chain.rpc("anvil_mine", ["0x3"])
    latest = chain.block_number()
    stamps = [chain.block(n)["timestamp"] for n in range(latest - 3, latest + 1)]
    assert [b - a for a, b in zip(stamps, stamps[1:], strict=False)] == [BLOCK_TIMESTAMP_INTERVAL] * 3


def test_multicall_reads_every_balance_in_one_call(chain, deployment):
    from app.chain.multicall import Call
    demo = deployment["demo_account"]
    calls, contracts = [], []
    for token in deployment["tokens"]:
        contract = chain.contract(token["address"], ERC20)
        contracts.append(contract)
        calls.append(Call(token["address"], contract.encode_abi("balanceOf", [demo])))
    results = chain.multicall(calls)
    assert all(r.success for r in results)
    for contract, result in zip(contracts, results, strict=True):
        assert int.from_bytes(result.data, "big") == contract.functions.balanceOf(demo).call()


def test_start_reuses_a_running_devnet(devnet, devnet_home):
    again = Devnet(devnet_home).start(block_time=None)
    assert again.reused and again.rpc_url == devnet.rpc_url


@pytest.fixture
def own_devnet(tmp_path: Path):
    """A devnet of its own, for tests that stop, restart or reset it."""
    net = Devnet(tmp_path)
    yield net
    net.stop()


def test_stop_and_start_keep_block_height_balances_and_genesis(own_devnet):
    port = free_port()
    first = own_devnet.start(block_time=None, port=port)
    client = ChainClient(first.rpc_url)
    demo = first.deployment["demo_account"]
    funder = Web3.to_checksum_address(client.rpc("eth_accounts")[0])
    client.wait_for_receipt(client.send_transaction({"from": funder, "to": demo, "value": 12345}))
    block, balance = client.block_number(), client.balance(demo)
    stamp = client.block("latest")["timestamp"]
    assert own_devnet.stop()
    assert not own_devnet.status().running
    # restarted several times: anvil's dump gathered one genesis block per start and, after two
    # or three, loaded another one: a new genesis hash, so the demo chain was redeployed
    # (balances and history gone). Every restart must bring back the same chain.
    for _ in range(3):
        second = own_devnet.start(block_time=None, port=port)
        assert client.genesis_hash() == first.deployment["genesis_hash"] and second.block == block
        assert own_devnet.stop()
    restarted_at = int(time.time())
    second = own_devnet.start(block_time=None, port=port)
    assert not second.reused
    assert second.block == block
    assert client.balance(demo) == balance
    assert second.deployment["genesis_hash"] == client.genesis_hash() == first.deployment["genesis_hash"]
    client.rpc("anvil_mine", ["0x2"])  # time goes on, never backwards, 12 s a block again
    resumed, after = client.block(block + 1)["timestamp"], client.block(block + 2)["timestamp"]
    assert resumed >= max(stamp + BLOCK_TIMESTAMP_INTERVAL, restarted_at)  # never before a restart
    assert after == resumed + BLOCK_TIMESTAMP_INTERVAL


def test_reset_deploys_a_fresh_chain(own_devnet):
    first = own_devnet.start(block_time=None, port=free_port())
    client = ChainClient(first.rpc_url)
    client.rpc("anvil_mine", ["0x5"])
    own_devnet.reset()
    assert own_devnet.deployment() is None and not own_devnet.status().running
    second = own_devnet.start(block_time=None, port=free_port())
    assert second.block < first.block + 5
    assert second.deployment["genesis_hash"] != first.deployment["genesis_hash"]


def test_lost_state_is_redeployed_not_trusted(own_devnet):
    first = own_devnet.start(block_time=None, port=free_port())
    own_devnet.stop()
    (own_devnet.dir / "state.json").unlink()  # e.g. killed before anvil's first dump
    second = own_devnet.start(block_time=None, port=free_port())
    client = ChainClient(second.rpc_url)
    assert len(client.code(second.deployment["contracts"]["weth"])) > 0
    assert second.deployment["genesis_hash"] != first.deployment["genesis_hash"]


def test_stale_genesis_blocks_are_pruned_from_the_dump_keeping_the_oldest(tmp_path):
    from app.devnet.node import prune_stale_genesis

    def block(number: int, stamp: int) -> dict:
        return {"header": {"number": hex(number), "timestamp": hex(stamp)}, "transactions": []}

    dump = tmp_path / "state.json"
    dump.write_text(json.dumps({"blocks": [block(1, 112), block(0, 300), block(0, 100), block(0, 200),
                                           block(2, 124)], "best_block_number": "0x2"}))
    assert prune_stale_genesis(dump) == 2
    kept = json.loads(dump.read_text())
    assert [(int(b["header"]["number"], 16), int(b["header"]["timestamp"], 16)) for b in kept["blocks"]] == [
        (1, 112), (0, 100), (2, 124)]
    assert kept["best_block_number"] == "0x2" and prune_stale_genesis(dump) == 0
    (tmp_path / "broken.json").write_text("{not json")
    assert prune_stale_genesis(tmp_path / "broken.json") == 0 and prune_stale_genesis(tmp_path / "none.json") == 0

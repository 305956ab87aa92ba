"""The public-network code paths, run end to end on local replicas of Ethereum and Base."""

from __future__ import annotations

import json
import os
import random
import subprocess
from decimal import Decimal

import pytest

from app.chain.client import ChainClient
from app.chain.l1_fee import GAS_PRICE_ORACLE, L1FeeParams, fastlz_length
from app.connection import verify_chain
from app.devnet.deploy import demo_account_address
from app.devnet.toolchain import anvil_binary
from app.errors import ChainMismatch, InvalidInput
from app.index.routers import check_universal_router, pool_address
from app.networks import get_network
from tests.conftest import free_port

PASSWORD = "correct horse battery"
RECIPIENT = "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"
# Uniswap V3's USDC/WETH 0.05% pool on Ethereum mainnet (app.uniswap.org, etherscan)
MAINNET_USDC_WETH_500 = "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"


def test_the_canonical_contracts_sit_at_their_real_addresses(ethereum):
    network = get_network("ethereum")
    client = ethereum.client
    assert client.chain_id() == 1
    for name in ("wrapped_native", "factory", "swap_router", "quoter", "position_manager",
                 "universal_router", "multicall3", "usdc"):
        assert len(client.code(getattr(network, name))) > 0, name
    # the pool the real factory made by CREATE2 is the real pool's address
    assert pool_address(network.factory, network.usdc, network.wrapped_native, 500) == MAINNET_USDC_WETH_500
    assert len(client.code(MAINNET_USDC_WETH_500)) > 0
    assert {p["address"] for p in ethereum.deployment["pools"]} >= {MAINNET_USDC_WETH_500}
    # curated vaults at their addresses (resources/vaults.json)
    assert ethereum.deployment["vaults"][0]["address"] == "0xBe53A109B494E5c9f97b9Cd39Fe969BE68BF6204"
    assert len(client.code(ethereum.deployment["vaults"][0]["address"])) > 0


def test_a_node_claiming_chain_id_1_with_another_genesis_is_refused(ethereum):
    network = get_network("ethereum")
    port = free_port()
    process = subprocess.Popen([str(anvil_binary()), "--port", str(port), "--chain-id", "1", "--silent"])
    try:
        impostor = f"http://127.0.0.1:{port}"
        _wait(impostor)
        with pytest.raises(ChainMismatch, match="not Ethereum's 0xd4e56740f876"):
            verify_chain(network, impostor, None, replica=ethereum.deployment["genesis_hash"])
        result = ethereum.cli("--rpc", impostor, "network", "check", check=False)
        assert result.returncode != 0 and "refusing to go on" in result.stdout
    finally:
        process.terminate()
        process.wait()
    # this home's replica is accepted; the same chain without the replica in the home is not
    assert verify_chain(network, ethereum.rpc_url, None, replica=ethereum.deployment["genesis_hash"]).chain_id == 1
    with pytest.raises(ChainMismatch):
        verify_chain(network, ethereum.rpc_url, None)


def _wait(url: str) -> None:
    import time

    from app.chain.status import probe_status

    deadline = time.monotonic() + 10
    while not probe_status("ethereum", url, timeout=1).connected:
        assert time.monotonic() < deadline, "anvil did not start"
        time.sleep(0.05)


def test_portfolio_and_pnl_of_a_local_and_a_watch_only_account(ethereum):
    demo = ethereum.json("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    watched = demo_account_address(3)  # one of anvil's own accounts: 10,000 ETH, no tokens
    ethereum.json("wallet", "watch", "watched", watched)
    assert demo["address"] == ethereum.deployment["demo_account"]
    portfolio = ethereum.json("portfolio")
    by_symbol = {h["symbol"]: h for h in portfolio["holdings"]}
    assert by_symbol["USDC"]["address"] == get_network("ethereum").usdc
    assert Decimal(by_symbol["USDC"]["balance"]) == 100_000
    assert Decimal(by_symbol["ETH"]["balance"]) == 100 + 10_000
    assert Decimal(portfolio["total_usd"]) > 0
    pnl = ethereum.json("pnl", "--method", "fifo")
    assert pnl["method"] == "fifo" and Decimal(pnl["realized_usd"]) == 0


def test_fastlz_and_the_fjord_formula_equal_the_gas_price_oracle(base):
    """The oracle on the replica is the real predeploy: its getL1Fee(data) compresses ``data``
    with Solady's FastLZ and adds 68 bytes. Ours must agree on every kind of payload."""
    params = _params(base.client)
    rnd = random.Random(10)
    payloads = [b"", b"\x01", bytes(20), b"\x01" * 200, bytes(range(256)) * 4]
    for _ in range(80):
        n = rnd.choice([5, 13, 14, 40, 100, 300, 1000, 3000, 9000])
        pick = rnd.random()
        if pick < 0.3:
            payloads.append(os.urandom(n))
        elif pick < 0.6:
            payloads.append(bytes(rnd.choice([0, 0, 0, 1, 255, rnd.randrange(256)]) for _ in range(n)))
        else:
            payloads.append((os.urandom(rnd.randrange(1, 40)) * (n // 5 + 1))[:n])
    for payload in payloads:
        assert params.fee_for_size(fastlz_length(payload) + 68) == _oracle_fee(base.client, payload), len(payload)


def test_a_send_on_base_is_charged_the_l1_fee_the_signing_summary_showed(base):
    base.json("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    sender = base.deployment["demo_account"]
    before = base.client.balance(sender)
    result = base.cli("send", RECIPIENT, "0.01", "--yes", "--password-stdin", stdin=PASSWORD + "\n")
    (line,) = [line for line in result.stderr.splitlines() if line.startswith('{"signing_summary"')]
    fee = json.loads(line)["signing_summary"]["fee"]  # the summary the person approved (--json)
    assert int(fee["total_wei"]) == int(fee["gas_wei"]) + int(fee["l1_wei"])
    sent = base.client.receipt(json.loads(result.stdout)["tx_hash"])
    gas_cost = int(sent["gasUsed"]) * int(sent["effectiveGasPrice"])
    charged_l1 = before - base.client.balance(sender) - 10**16 - gas_cost
    assert charged_l1 > 0
    assert int(fee["l1_wei"]) == charged_l1


def test_an_unknown_universal_router_version_is_refused():
    assert check_universal_router("0x66a9893cC07D91D95644AEDD05D03f95e1dBA8Af", "2.0.0", "Ethereum")
    for version in ("2.1.1", None):
        with pytest.raises(InvalidInput, match="will not send a call"):
            check_universal_router("0x66a9893cC07D91D95644AEDD05D03f95e1dBA8Af", version, "Ethereum")


def _params(client: ChainClient) -> L1FeeParams:
    from app.chain.l1_fee import _SELECTORS

    def read(name: str) -> int:
        return int.from_bytes(client.call({"to": GAS_PRICE_ORACLE, "data": _SELECTORS[name]}), "big")

    assert read("isFjord") == 1
    return L1FeeParams(read("l1BaseFee"), read("blobBaseFee"), read("baseFeeScalar"), read("blobBaseFeeScalar"))


def _oracle_fee(client: ChainClient, data: bytes) -> int:
    padded = data.hex().ljust((len(data) + 31) // 32 * 64, "0")
    call = "0x49948e0e" + (32).to_bytes(32, "big").hex() + len(data).to_bytes(32, "big").hex() + padded
    return int.from_bytes(client.call({"to": GAS_PRICE_ORACLE, "data": call}), "big")


def test_a_curated_vault_deposit_on_ethereum_and_its_history(ethereum):
    ethereum.json("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    listed = {v["name"]: v for v in ethereum.json("vault", "list")["vaults"]}
    assert listed["USDC-1 yVault"]["address"] == "0xBe53A109B494E5c9f97b9Cd39Fe969BE68BF6204"
    quote = ethereum.json("vault", "quote", "USDC-1 yVault", "--amount", "1000")
    assert quote["asset"] == "USDC"
    done = ethereum.json("vault", "deposit", "USDC-1 yVault", "--amount", "1000", "--yes",
                         "--password-stdin", stdin=PASSWORD + "\n")
    assert done["status"] == "confirmed" and done["shares_received"] == quote["expected_shares"]
    portfolio = ethereum.json("portfolio")
    usdc = next(h for h in portfolio["holdings"] if h["symbol"] == "USDC")
    assert Decimal(usdc["balance"]) == 100_000 - 1000
    assert any(v["address"] == "0xBe53A109B494E5c9f97b9Cd39Fe969BE68BF6204" for v in portfolio["vaults"])
    kinds = [t["kind"] for t in ethereum.json("activity")["transactions"]]
    assert kinds.count("vault_deposit") == 1 and kinds.count("approve") == 1


def test_a_base_vault_deposit_is_charged_the_l1_fee_its_preview_showed(base):
    base.json("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    sender = base.deployment["demo_account"]
    quote = base.json("vault", "quote", "USDC Horizon yVault", "--amount", "250")
    predicted = Decimal(quote["network_fee"]["l1_data_fee_eth"])
    assert predicted > 0
    before = base.client.balance(sender)
    base.json("vault", "deposit", "USDC Horizon yVault", "--amount", "250", "--yes",
              "--password-stdin", stdin=PASSWORD + "\n")
    hashes = [t["hash"] for t in base.json("activity")["transactions"]]
    gas_cost = sum(int(r["gasUsed"]) * int(r["effectiveGasPrice"]) for r in map(base.client.receipt, hashes))
    charged_l1 = before - base.client.balance(sender) - gas_cost
    assert len(hashes) == 2  # the approval and the deposit, each posting its bytes to L1
    assert predicted == (Decimal(charged_l1) / Decimal(10**18)).quantize(Decimal("0.000000001"))


def test_top_10_on_ethereum_lists_quotes_and_buys_with_mainnet_addresses(ethereum):
    listed = {i["name"]: i for i in ethereum.json("index", "list")["indices"]}
    assert listed["Top 10"]["skipped"] == []  # every constituent has its mainnet token
    shown = ethereum.json("index", "show", "Top 10")
    by_symbol = {c["symbol"] if "symbol" in c else c["token"]: c for c in shown["constituents"]}
    assert by_symbol["WBTC"]["address"] == "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"
    ethereum.json("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    quote = ethereum.json("index", "quote", "Top 10", "--amount", "1", "--pay", "ETH")
    assert quote["simulation"]["ok"] and not any(leg["skipped"] for leg in quote["legs"])
    assert quote["network_fee"]["l1_data_fee_eth"] is None  # Ethereum is the L1
    bought = ethereum.json("index", "buy", "Top 10", "--amount", "1", "--pay", "ETH", "--yes",
                           "--password-stdin", stdin=PASSWORD + "\n")
    assert bought["status"] == "confirmed" and len(bought["legs"]) == 10
    for leg in bought["legs"]:
        assert Decimal(leg["received"]) >= Decimal(leg["min_out"]) > 0
    assert bought["explorer_url"].startswith("https://etherscan.io/tx/0x")
    pnl = ethereum.json("pnl")
    assert {p["symbol"] for p in pnl["positions"]} >= {"WBTC", "LINK", "UNI"}


def test_baskets_on_base_pick_base_tokens_and_say_what_they_skip(base):
    shown = base.json("index", "show", "BTC/ETH 60/40")
    addresses = {c["address"] for c in shown["constituents"]}
    assert "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf" in addresses  # BTC is cbBTC on Base
    top10 = base.json("index", "show", "Top 10")
    assert top10["skipped"] and all(s["reason"] for s in top10["skipped"])
    base.json("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    quote = base.json("index", "quote", "BTC/ETH 60/40", "--amount", "0.5", "--pay", "ETH")
    assert quote["simulation"]["ok"] and Decimal(quote["network_fee"]["l1_data_fee_eth"]) > 0

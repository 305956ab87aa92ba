"""Basket buys through Uniswap's canonical routers, on the real devnet (anvil + npm contracts).

ETH in: ONE Universal Router transaction (wrap once, one V3 swap per leg). USDC in: ONE
SwapRouter02 multicall after an exact approval. Every leg has its own minimum out, the
transaction its deadline; a leg that would get less, or a late transaction, reverts it all.

The gas comparison buys the N largest tokens with a WETH pool for equal ETH amounts, each
variant from the same chain state (evm_snapshot/evm_revert between variants), always by a
fresh buyer holding none of the tokens, so the first-holder storage cost (a zero balance
slot set) is paid once per token on every side alike. The N separate transactions are sent
sequentially by that buyer, one after another (what a user does), each in its own block.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from eth_abi import decode, encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, keccak

from app.chain.client import ChainClient
from app.devnet import artifacts
from app.index.routers import (
    UR_ADDRESS_THIS,
    V3_POOL_INIT_CODE_HASH,
    SwapLeg,
    encode_erc20_approve,
    encode_swaprouter02_eth_buy,
    encode_swaprouter02_eth_single,
    encode_swaprouter02_token_buy,
    encode_universal_router_eth_buy,
    pool_address,
    swap_call,
    total_amount_in,
    v3_path,
)
from app.networks import get_network

ERC20 = artifacts.demo_contracts()["DemoToken"].abi
QUOTER = artifacts.canonical("QuoterV2").abi
FACTORY = artifacts.canonical("UniswapV3Factory").abi
WETH_DEPOSIT = keccak(text="Deposit(address,uint256)")
ETH_PER_LEG = 5 * 10**16  # 0.05 ETH
FACTS_NAIVE_SAVING_AT_20 = Decimal("15.7")  # SwapRouter02 multicall vs 20 txs (FACTS.md)


# --- pure encoding ------------------------------------------------------------------------------
def test_v3_path_is_token_fee_token():
    a, b, c = "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20
    assert v3_path([a, b], [3000]) == bytes.fromhex("11" * 20 + "000bb8" + "22" * 20)
    two_hop = v3_path([a, b, c], [500, 10000])
    assert len(two_hop) == 66 and two_hop[20:23] == (500).to_bytes(3, "big")
    assert two_hop[43:46] == (10000).to_bytes(3, "big") and two_hop[-20:] == bytes.fromhex("33" * 20)
    with pytest.raises(ValueError):
        v3_path([a, b], [3000, 500])
    with pytest.raises(ValueError):
        v3_path([a, b], [2**24])


def test_universal_router_calldata_wraps_once_then_swaps_each_leg():
    weth, user = "0x" + "ee" * 20, "0x" + "aa" * 20
    legs = [("0x" + f"{i:02x}" * 20, 3000, 10**17 * i, 5 * i, user) for i in range(1, 4)]
    calldata, value = encode_universal_router_eth_buy(legs, 1_700_000_000, weth)
    assert value == 6 * 10**17
    assert calldata[:4] == function_signature_to_4byte_selector("execute(bytes,bytes[],uint256)")
    commands, inputs, deadline = decode(["bytes", "bytes[]", "uint256"], calldata[4:])
    assert commands == bytes([0x0B, 0x00, 0x00, 0x00]) and deadline == 1_700_000_000
    assert decode(["address", "uint256"], inputs[0]) == (UR_ADDRESS_THIS, value)
    recipient, amount_in, amount_min, path, payer_is_user = decode(
        ["address", "uint256", "uint256", "bytes", "bool"], inputs[2])
    assert (recipient.lower(), amount_in, amount_min, payer_is_user) == (user, 2 * 10**17, 10, False)
    assert path == v3_path([weth, legs[1][0]], [3000])


def test_a_split_leg_is_several_swaps_for_the_same_token_in_one_call():
    weth, usdc, user = "0x" + "ee" * 20, "0x" + "cc" * 20, "0x" + "aa" * 20
    link, uni = "0x" + "01" * 20, "0x" + "02" * 20
    legs = [SwapLeg(link, 3000, 6 * 10**17, 600, user),                   # LINK: 60% direct 0.3%
            SwapLeg(link, 3000, 4 * 10**17, 390, user, usdc, 500),        # 40% via USDC 0.05%/0.3%
            SwapLeg(uni, 3000, 10**17, 50, user)]
    calldata, value = encode_universal_router_eth_buy(legs, 1_700_000_000, weth)
    commands, inputs, _deadline = decode(["bytes", "bytes[]", "uint256"], calldata[4:])
    assert commands == bytes([0x0B, 0x00, 0x00, 0x00]) and value == 11 * 10**17
    assert decode(["address", "uint256"], inputs[0]) == (UR_ADDRESS_THIS, value)  # wrapped once
    swaps = [decode(["address", "uint256", "uint256", "bytes", "bool"], i) for i in inputs[1:]]
    assert [(s[1], s[2]) for s in swaps] == [(leg.amount_in, leg.amount_out_min) for leg in legs]
    assert swaps[0][3] == v3_path([weth, link], [3000])
    assert swaps[1][3] == v3_path([weth, usdc, link], [500, 3000])
    assert all(s[0].lower() == user and s[4] is False for s in swaps)
    # paid in USDC through SwapRouter02: one exactInputSingle and one exactInput for LINK
    data = encode_swaprouter02_token_buy([SwapLeg(link, 3000, 6 * 10**6, 600, user),
                                          SwapLeg(link, 3000, 4 * 10**6, 390, user, weth, 500)], 1, usdc)
    _deadline, calls = decode(["uint256", "bytes[]"], data[4:])
    assert [c[:4] for c in calls] == [
        function_signature_to_4byte_selector("exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"),
        function_signature_to_4byte_selector("exactInput((bytes,address,uint256,uint256))")]
    (single,) = decode(["(address,address,uint24,address,uint256,uint256,uint160)"], calls[0][4:])
    (two_hop,) = decode(["(bytes,address,uint256,uint256)"], calls[1][4:])
    assert (single[1].lower(), single[4], single[5]) == (link, 6 * 10**6, 600)
    assert (two_hop[0], two_hop[2], two_hop[3]) == (v3_path([usdc, weth, link], [500, 3000]), 4 * 10**6, 390)


def test_legs_without_protection_are_refused():
    weth, user, token = "0x" + "ee" * 20, "0x" + "aa" * 20, "0x" + "01" * 20
    with pytest.raises(ValueError, match="amount_out_min"):
        encode_universal_router_eth_buy([(token, 3000, 10**18, 0, user)], 1, weth)
    with pytest.raises(ValueError, match="deadline"):
        encode_universal_router_eth_buy([(token, 3000, 10**18, 1, user)], 0, weth)
    with pytest.raises(ValueError, match="recipient"):
        encode_swaprouter02_token_buy([(token, 3000, 10**6, 1, UR_ADDRESS_THIS)], 1, weth)
    with pytest.raises(ValueError, match="at least one leg"):
        encode_swaprouter02_eth_buy([], 1, weth)
    with pytest.raises(ValueError, match="unlimited"):
        encode_erc20_approve(user, 2**256 - 1)


# --- on the devnet --------------------------------------------------------------------------------
def test_pool_address_is_the_factorys(chain, deployment):
    factory = chain.contract(deployment["contracts"]["factory"], FACTORY)
    assert keccak(bytes.fromhex(artifacts.canonical("UniswapV3Pool").bytecode[2:])) == \
        bytes.fromhex(V3_POOL_INIT_CODE_HASH[2:])
    addresses = {t["symbol"]: t["address"] for t in deployment["tokens"]}
    for row in deployment["pools"][:: max(1, len(deployment["pools"]) // 8)]:
        a, b = addresses[row["token"]], addresses[row["quote"]]
        expected = factory.functions.getPool(a, b, row["fee"]).call()
        assert pool_address(factory.address, a, b, row["fee"]) == expected == row["address"]
        assert pool_address(factory.address, b, a, row["fee"], V3_POOL_INIT_CODE_HASH) == expected


def test_the_devnet_has_a_universal_router(chain, deployment):
    router = deployment["contracts"]["universal_router"]
    assert len(chain.code(router)) > 0
    assert get_network("demo").with_deployment(deployment).universal_router == router


@dataclass
class Buyer:
    chain: ChainClient
    address: str

    def send(self, to: str, data: bytes, value: int = 0, gas: int | None = None) -> dict:
        tx = {"from": self.address, "to": to, "data": "0x" + data.hex(), "value": value}
        tx["gas"] = gas if gas is not None else self.chain.estimate_gas(tx) * 11 // 10
        return self.chain.wait_for_receipt(self.chain.send_transaction(tx))

    def balances(self, tokens: list[str]) -> list[int]:
        return [self.chain.contract(t, ERC20).functions.balanceOf(self.address).call() for t in tokens]


@pytest.fixture
def buyer(chain) -> Buyer:
    """A fresh account (holds nothing but ETH) that anvil signs for."""
    address = Account.from_key(keccak(text="basketry router tests: buyer")).address
    chain.rpc("anvil_setBalance", [address, hex(1_000 * 10**18)])
    chain.rpc("anvil_impersonateAccount", [address])
    yield Buyer(chain, address)
    chain.rpc("anvil_stopImpersonatingAccount", [address])


def weth_legs(deployment: dict, n: int, recipient: str) -> list[SwapLeg]:
    """The n largest tokens (snapshot order) with a WETH pool, each through its deepest one."""
    legs = []
    for token in deployment["tokens"]:
        pools = [p for p in deployment["pools"] if p["token"] == token["symbol"] and p["quote"] == "WETH"]
        if token["symbol"] == "WETH" or not pools:
            continue
        best = max(pools, key=lambda p: Decimal(p["depth_usd"]))
        legs.append(SwapLeg(token["address"], best["fee"], ETH_PER_LEG, 1, recipient))
    assert len(legs) >= n
    return legs[:n]


def quote_legs(chain: ChainClient, deployment: dict, legs: list[SwapLeg], token_in: str) -> list[int]:
    quoter = chain.contract(deployment["contracts"]["quoter"], QUOTER)
    quotes = []
    for leg in legs:
        if leg.via is None:
            out = quoter.functions.quoteExactInputSingle(
                (token_in, leg.token_out, leg.amount_in, leg.fee, 0)).call()
        else:
            out = quoter.functions.quoteExactInput(leg.path(token_in), leg.amount_in).call()
        quotes.append(out[0])
    return quotes


def with_minimums(legs: list[SwapLeg], quotes: list[int], bps: int = 50) -> list[SwapLeg]:
    return [leg._replace(amount_out_min=q * (10_000 - bps) // 10_000) for leg, q in zip(legs, quotes, strict=True)]


def deadline(chain: ChainClient, seconds: int = 600) -> int:
    return int(chain.block("latest")["timestamp"]) + seconds


def test_eth_buy_of_five_legs_is_one_universal_router_transaction(chain, deployment, buyer):
    contracts = deployment["contracts"]
    legs = weth_legs(deployment, 5, buyer.address)
    quotes = quote_legs(chain, deployment, legs, contracts["weth"])
    legs = with_minimums(legs, quotes)
    tokens = [leg.token_out for leg in legs]
    before, eth_before = buyer.balances(tokens), chain.balance(buyer.address)

    calldata, value = encode_universal_router_eth_buy(legs, deadline(chain), contracts["weth"])
    receipt = buyer.send(contracts["universal_router"], calldata, value)

    assert receipt["status"] == 1 and value == 5 * ETH_PER_LEG
    received = [b - a for a, b in zip(before, buyer.balances(tokens), strict=True)]
    assert received == quotes  # distinct pools: each leg gets exactly its quote
    assert all(r >= leg.amount_out_min > 0 for r, leg in zip(received, legs, strict=True))
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert eth_before - chain.balance(buyer.address) == value + fee
    # wrapped ONCE, and nothing left behind in the router
    deposits = [log for log in receipt["logs"] if log["topics"][0] == WETH_DEPOSIT]
    assert len(deposits) == 1 and int.from_bytes(deposits[0]["data"], "big") == value
    weth = chain.contract(contracts["weth"], ERC20)
    assert weth.functions.balanceOf(contracts["universal_router"]).call() == 0
    assert chain.balance(contracts["universal_router"]) == 0


def _assert_reverted_and_nothing_lost(chain, buyer, receipt, tokens, before, eth_before):
    assert receipt["status"] == 0
    assert buyer.balances(tokens) == before
    assert eth_before - chain.balance(buyer.address) == receipt["gasUsed"] * receipt["effectiveGasPrice"]


def test_one_leg_below_its_minimum_reverts_the_whole_buy(chain, deployment, buyer):
    contracts = deployment["contracts"]
    legs = weth_legs(deployment, 5, buyer.address)
    quotes = quote_legs(chain, deployment, legs, contracts["weth"])
    legs = with_minimums(legs, quotes)
    legs[3] = legs[3]._replace(amount_out_min=quotes[3] + 1)  # more than the pool gives
    tokens = [leg.token_out for leg in legs]
    before, eth_before = buyer.balances(tokens), chain.balance(buyer.address)
    calldata, value = encode_universal_router_eth_buy(legs, deadline(chain), contracts["weth"])
    receipt = buyer.send(contracts["universal_router"], calldata, value, gas=2_000_000)
    _assert_reverted_and_nothing_lost(chain, buyer, receipt, tokens, before, eth_before)


def test_a_past_deadline_reverts(chain, deployment, buyer):
    contracts = deployment["contracts"]
    legs = weth_legs(deployment, 2, buyer.address)
    legs = with_minimums(legs, quote_legs(chain, deployment, legs, contracts["weth"]))
    tokens = [leg.token_out for leg in legs]
    before, eth_before = buyer.balances(tokens), chain.balance(buyer.address)
    # the next block is 12 s after the latest: a deadline of "latest" has passed by then
    late = deadline(chain, 0)
    calldata, value = encode_universal_router_eth_buy(legs, late, contracts["weth"])
    receipt = buyer.send(contracts["universal_router"], calldata, value, gas=1_000_000)
    _assert_reverted_and_nothing_lost(chain, buyer, receipt, tokens, before, eth_before)
    eth_before = chain.balance(buyer.address)
    calldata, value = encode_swaprouter02_eth_buy(legs, late, contracts["weth"])
    receipt = buyer.send(contracts["swap_router"], calldata, value, gas=1_000_000)
    _assert_reverted_and_nothing_lost(chain, buyer, receipt, tokens, before, eth_before)


def test_the_demo_router_cannot_pull_tokens_from_a_wallet(chain, deployment, buyer):
    """permit2 is a code-less address on the demo network: payerIsUser = true reverts."""
    contracts = deployment["contracts"]
    usdc = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")
    token = weth_legs(deployment, 1, buyer.address)[0].token_out
    swap = encode(["address", "uint256", "uint256", "bytes", "bool"],
                  [buyer.address, 10**6, 1, v3_path([usdc, contracts["weth"], token], [500, 3000]), True])
    data = function_signature_to_4byte_selector("execute(bytes,bytes[],uint256)") + encode(
        ["bytes", "bytes[]", "uint256"], [b"\x00", [swap], deadline(chain)])
    assert buyer.send(contracts["universal_router"], data, gas=1_000_000)["status"] == 0


def test_usdc_buy_of_five_legs_through_swaprouter02_after_an_exact_approval(chain, deployment, buyer):
    contracts = deployment["contracts"]
    by_symbol = {t["symbol"]: t["address"] for t in deployment["tokens"]}
    usdc = chain.contract(by_symbol["USDC"], ERC20)
    demo = deployment["demo_account"]
    chain.rpc("anvil_impersonateAccount", [demo])
    try:
        Buyer(chain, demo).send(usdc.address, bytes.fromhex(
            usdc.encode_abi("transfer", [buyer.address, 10_000 * 10**6])[2:]))
    finally:
        chain.rpc("anvil_stopImpersonatingAccount", [demo])

    r = buyer.address
    legs = [SwapLeg(by_symbol["WBTC"], 3000, 2_000 * 10**6, 1, r),
            SwapLeg(by_symbol["USDT"], 100, 1_500 * 10**6, 1, r),
            SwapLeg(by_symbol["LINK"], 3000, 1_000 * 10**6, 1, r),
            SwapLeg(by_symbol["DAI"], 500, 500 * 10**6, 1, r),
            # two hops: USDC -0.05%-> WETH -0.3%-> UNI (exactInput)
            SwapLeg(by_symbol["UNI"], 3000, 750 * 10**6, 1, r, via=contracts["weth"], via_fee=500)]
    quotes = quote_legs(chain, deployment, legs, usdc.address)
    legs = with_minimums(legs, quotes)
    tokens = [leg.token_out for leg in legs]
    before, usdc_before = buyer.balances(tokens), usdc.functions.balanceOf(r).call()

    total = total_amount_in(legs)
    assert buyer.send(usdc.address, encode_erc20_approve(contracts["swap_router"], total))["status"] == 1
    assert usdc.functions.allowance(r, contracts["swap_router"]).call() == total
    receipt = buyer.send(contracts["swap_router"],
                         encode_swaprouter02_token_buy(legs, deadline(chain), usdc.address))

    assert receipt["status"] == 1
    assert [b - a for a, b in zip(before, buyer.balances(tokens), strict=True)] == quotes
    assert usdc_before - usdc.functions.balanceOf(r).call() == total
    assert usdc.functions.allowance(r, contracts["swap_router"]).call() == 0


# --- gas: one transaction vs N ---------------------------------------------------------------------
def _measure(chain: ChainClient, buyer: Buyer, deployment: dict, n: int) -> dict[str, int]:
    """Gas of each variant for n legs, each variant from the same state (snapshot/revert)."""
    contracts = deployment["contracts"]
    weth, legs = contracts["weth"], weth_legs(deployment, n, buyer.address)
    legs = with_minimums(legs, quote_legs(chain, deployment, legs, weth))
    results: dict[str, int] = {}

    def variant(name: str, txs: list[tuple[str, bytes, int]]) -> None:
        snapshot = chain.rpc("evm_snapshot")
        try:
            used = 0
            for to, data, value in txs:
                receipt = buyer.send(to, data, value)
                assert receipt["status"] == 1, name
                used += receipt["gasUsed"]
            results[name] = used
        finally:
            assert chain.rpc("evm_revert", [snapshot])

    # the deadline is the same for every variant; each variant starts from the same block
    when = deadline(chain, 3600)
    variant("universal_router_one_tx",
            [(contracts["universal_router"], *encode_universal_router_eth_buy(legs, when, weth))])
    variant("swaprouter02_multicall_one_tx",
            [(contracts["swap_router"], *encode_swaprouter02_eth_buy(legs, when, weth))])
    # what a user does one swap at a time: exactInputSingle with the ETH as msg.value, and no
    # deadline (SwapRouter02's swap functions have none; FACTS.md measured this form) ...
    variant("separate_swaprouter02_txs",
            [(contracts["swap_router"], swap_call(leg, weth), leg.amount_in) for leg in legs])
    # ... and the same with a deadline (multicall(deadline, [exactInputSingle]))
    variant("separate_swaprouter02_txs_with_deadline",
            [(contracts["swap_router"], *encode_swaprouter02_eth_single(leg, when, weth)) for leg in legs])
    return results


def test_one_universal_router_transaction_costs_less_gas_than_separate_swaps(chain, deployment, buyer,
                                                                             capsys):
    gas = {n: _measure(chain, buyer, deployment, n) for n in (5, 20)}
    again = _measure(chain, buyer, deployment, 5)
    assert again == gas[5]  # deterministic: same state, same block spacing, same gas

    lines = [f"{'variant':42} {'N=5':>11} {'N=20':>11} {'per leg (20-5)/15':>18}"]
    for name in gas[5]:
        marginal = (gas[20][name] - gas[5][name]) / 15
        lines.append(f"{name:42} {gas[5][name]:>11,} {gas[20][name]:>11,} {marginal:>18,.0f}")
    for n in (5, 20):
        base = gas[n]["separate_swaprouter02_txs"]
        for name in ("universal_router_one_tx", "swaprouter02_multicall_one_tx"):
            saving = Decimal(100) * (base - gas[n][name]) / base
            lines.append(f"N={n:<2} {name} saves {saving:.1f}% vs {n} separate exactInputSingle txs")
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    for n in (5, 20):
        g = gas[n]
        assert g["universal_router_one_tx"] < g["swaprouter02_multicall_one_tx"]
        assert g["swaprouter02_multicall_one_tx"] < g["separate_swaprouter02_txs"]
        assert g["separate_swaprouter02_txs"] < g["separate_swaprouter02_txs_with_deadline"]
    g = gas[20]
    ur_saving = Decimal(100) * (g["separate_swaprouter02_txs"] - g["universal_router_one_tx"]) \
        / g["separate_swaprouter02_txs"]
    assert ur_saving > FACTS_NAIVE_SAVING_AT_20

"""The chain wrapper against a real node, through a proxy that counts and drops requests."""

from __future__ import annotations

import pytest
from eth_account import Account

from app.chain.client import ChainClient
from app.chain.multicall import Call
from app.devnet import artifacts
from app.errors import ChainUnavailable, ContractReverted
from tests.conftest import free_port
from tests.support.rpc_proxy import RpcProxy


def test_unreachable_rpc_is_a_clear_chain_unavailable():
    client = ChainClient(f"http://127.0.0.1:{free_port()}", timeout=1, retries=0)
    with pytest.raises(ChainUnavailable, match="connection refused"):
        client.block_number()


def test_reads_are_retried_after_a_dropped_connection(devnet):
    with RpcProxy(devnet.rpc_url) as proxy:
        client = ChainClient(proxy.url, retries=3)
        proxy.drop_next = 2
        assert client.block_number() == ChainClient(devnet.rpc_url).block_number()
        assert proxy.methods["eth_blockNumber"] == 3  # two dropped, one answered


def test_sending_is_never_retried(chain, devnet):
    sender = Account.create()
    chain.rpc("anvil_setBalance", [sender.address, hex(10**18)])
    signed = sender.sign_transaction({"to": sender.address, "value": 1, "gas": 21000, "nonce": 0,
                                      "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9,
                                      "chainId": 31337})
    with RpcProxy(devnet.rpc_url) as proxy:
        client = ChainClient(proxy.url, retries=3)
        proxy.drop_next = 1
        with pytest.raises(ChainUnavailable):
            client.send_raw_transaction(signed.raw_transaction)
        assert proxy.methods["eth_sendRawTransaction"] == 1


def test_a_revert_carries_its_decoded_reason(chain, deployment):
    usdc = next(t for t in deployment["tokens"] if t["symbol"] == "USDC")
    token = chain.contract(usdc["address"], artifacts.demo_contracts()["DemoToken"].abi)
    nobody = Account.create().address
    data = token.encode_abi("transfer", [deployment["demo_account"], 1])
    with pytest.raises(ContractReverted) as caught:
        chain.call({"from": nobody, "to": usdc["address"], "data": data})
    assert caught.value.reason  # OZ 5's custom error, decoded by web3 to its selector


def test_multicall_is_one_eth_call_for_many_reads(devnet, deployment):
    abi = artifacts.demo_contracts()["DemoToken"].abi
    holder = deployment["demo_account"]
    with RpcProxy(devnet.rpc_url) as proxy:
        client = ChainClient(proxy.url)
        calls = []
        for token in deployment["tokens"]:
            contract = client.w3.eth.contract(address=token["address"], abi=abi)
            calls.append(Call(token["address"], contract.encode_abi("balanceOf", [holder])))
            calls.append(Call(token["address"], contract.encode_abi("decimals", [])))
        proxy.reset_counts()
        results = client.multicall(calls)
        assert proxy.requests == 1 and proxy.methods == {"eth_call": 1}
    decimals = [int.from_bytes(r.data, "big") for r in results[1::2]]
    assert decimals == [t["decimals"] for t in deployment["tokens"]]


def test_multicall_reports_a_failing_call_without_failing_the_batch(chain, deployment):
    weth = deployment["contracts"]["weth"]
    abi = artifacts.demo_contracts()["DemoToken"].abi
    contract = chain.contract(weth, abi)
    data = contract.encode_abi("decimals", [])
    results = chain.multicall([Call(weth, data), Call(deployment["contracts"]["quoter"], data)])
    assert results[0].success and int.from_bytes(results[0].data, "big") == 18
    assert not results[1].success  # the quoter has no decimals(): reported, not raised

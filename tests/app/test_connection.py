"""Connecting: chain id verified, genesis recorded, a different chain refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.connection import connect, resolve_rpc_url, rpc_setting_key
from app.errors import ChainMismatch, InvalidInput
from app.networks import get_network, load_networks
from app.store import Store


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home") as opened:
        yield opened


def test_networks_cover_demo_and_five_public_chains():
    networks = load_networks()
    assert {"demo", "ethereum", "arbitrum", "base", "optimism", "polygon"} <= set(networks)
    expected_ids = {"ethereum": 1, "arbitrum": 42161, "base": 8453, "optimism": 10, "polygon": 137}
    for key, chain_id in expected_ids.items():
        network = networks[key]
        assert network.chain_id == chain_id
        for field in ("wrapped_native", "usdc", "factory", "swap_router", "quoter", "multicall3"):
            value = getattr(network, field)
            assert value.startswith("0x") and len(value) == 42, (key, field)


def test_connect_records_the_genesis_of_the_demo_chain(devnet, store):
    connection = connect(get_network("demo"), devnet.rpc_url, store)
    assert connection.chain_id == 31337
    assert connection.genesis_hash == devnet.deployment["genesis_hash"]
    assert store.known_genesis(31337, "demo") == devnet.deployment["genesis_hash"]


def test_a_wrong_chain_id_is_refused_and_nothing_recorded(devnet, store):
    with pytest.raises(ChainMismatch, match="chain id 31337.*Ethereum is chain id 1"):
        connect(get_network("ethereum"), devnet.rpc_url, store)
    assert store.known_genesis(31337, "ethereum") is None and store.known_genesis(1, "ethereum") is None


def test_a_public_network_whose_genesis_changed_is_refused(devnet, store):
    # A public network (not a devnet) served by this chain id, seen before with another genesis.
    public = replace(get_network("ethereum"), key="lookalike", chain_id=31337)
    store.record_network(31337, "0x" + "ab" * 32, "lookalike")
    with pytest.raises(ChainMismatch, match="genesis"):
        connect(public, devnet.rpc_url, store)


def test_the_demo_network_accepts_a_new_genesis_after_reset(devnet, store):
    store.record_network(31337, "0x" + "ab" * 32, "demo", now=1)
    connection = connect(get_network("demo"), devnet.rpc_url, store)
    assert store.known_genesis(31337, "demo") == connection.genesis_hash
    rows = store.db.execute("SELECT COUNT(*) FROM networks WHERE chain_id = 31337").fetchone()[0]
    assert rows == 2  # the old chain's history stays, keyed by its own genesis


def test_rpc_url_precedence(tmp_path, store):
    ethereum = get_network("ethereum")
    with pytest.raises(InvalidInput, match="no RPC URL for Ethereum"):
        resolve_rpc_url(ethereum, tmp_path, store, None)
    store.set_setting(rpc_setting_key(ethereum), "http://saved.example:8545")
    assert resolve_rpc_url(ethereum, tmp_path, store, None) == "http://saved.example:8545"
    assert resolve_rpc_url(ethereum, tmp_path, store, "http://cli:1") == "http://cli:1"


def test_demo_rpc_comes_from_the_running_devnet(devnet, devnet_home):
    assert resolve_rpc_url(get_network("demo"), devnet_home, None, None) == devnet.rpc_url

"""Connecting to a network: which RPC, and is it really the chain we think it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.devnet.manager import Devnet
from app.errors import ChainMismatch, InvalidInput
from app.networks import Network
from app.store import Store

# web3 is imported by verify_chain, the one place here that talks to a node: which RPC URL
# (and its settings key) stays light.
if TYPE_CHECKING:
    from app.chain.client import ChainClient


@dataclass(frozen=True)
class Connection:
    network: Network
    client: ChainClient
    chain_id: int
    genesis_hash: str


def rpc_setting_key(network: Network) -> str:
    return f"rpc_url.{network.key}"


def resolve_rpc_url(network: Network, home: Path, store: Store | None, explicit: str | None) -> str:
    """``--rpc`` beats the URL saved in settings beats the running devnet (demo) or the
    network's default (for demo, only while this home has no devnet of its own). Raises
    InvalidInput when there is none."""
    if explicit:
        return explicit
    if store is not None and (saved := store.get_setting(rpc_setting_key(network))):
        return saved
    if network.devnet:
        devnet = Devnet(home)
        node = devnet.running_node()
        if node is not None:
            return node.rpc_url
        # this home's own chain exists but is stopped: never adopt whatever else answers on the
        # default port (another home's devnet would pass for this one)
        if network.default_rpc and devnet.deployment() is None:
            return network.default_rpc
        raise InvalidInput("the demo network is not running; start it with `basketry devnet start`")
    if network.default_rpc:
        return network.default_rpc
    raise InvalidInput(f"no RPC URL for {network.label}: set one in Settings or pass --rpc URL")


def connect(network: Network, rpc_url: str, store: Store, timeout: float = 10.0) -> Connection:
    """Check that ``rpc_url`` serves ``network`` and record its genesis hash (see verify_chain)."""
    connection = verify_chain(network, rpc_url, store.known_genesis(network.chain_id, network.key), timeout)
    store.record_network(connection.chain_id, connection.genesis_hash, network.key)
    return connection


def verify_chain(network: Network, rpc_url: str, known_genesis: str | None,
                 timeout: float = 10.0) -> Connection:
    """Check that ``rpc_url`` serves ``network``. Network I/O only (safe on a worker thread).

    Raises ChainUnavailable (cannot reach it) or ChainMismatch (another chain answers: wrong
    chain id, or for a public network a genesis other than the one recorded before). The demo
    network's genesis changes legitimately on ``devnet reset``: its rows are keyed by genesis,
    so a new one starts a separate history instead of being refused.
    """
    from app.chain.client import ChainClient

    client = ChainClient(rpc_url, timeout=timeout)
    chain_id = client.chain_id()
    if chain_id != network.chain_id:
        raise ChainMismatch(
            f"{rpc_url} serves chain id {chain_id}, but {network.label} is chain id "
            f"{network.chain_id}; refusing to go on (check the RPC URL for this network)")
    genesis = client.genesis_hash()
    known = known_genesis
    if known is not None and known != genesis and not network.devnet:
        raise ChainMismatch(
            f"{rpc_url} serves a chain {chain_id} whose genesis block is {genesis[:12]}…, not the "
            f"{known[:12]}… recorded for {network.label}; refusing to go on")
    return Connection(network, client, chain_id, genesis)

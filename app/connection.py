"""Connecting to a network: which RPC, and is it really the chain we think it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.devnet.manager import REPLICA_NETWORKS, Devnet
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
    replica = local_replica(home, network)
    if replica is not None and (node := replica.running_node()) is not None:
        return node.rpc_url
    if network.default_rpc:
        return network.default_rpc
    raise InvalidInput(f"no RPC URL for {network.label}: set one in Settings or pass --rpc URL")


def local_replica(home: Path, network: Network) -> Devnet | None:
    """This home's local replica of ``network`` (`devnet start --replica`), if it has one."""
    if network.devnet or network.key not in REPLICA_NETWORKS:
        return None
    replica = Devnet(home, replica=network.key)
    return replica if replica.deployment_file.exists() else None


def replica_genesis(home: Path, network: Network) -> str | None:
    """The genesis hash of this home's replica of ``network``: the one other genesis accepted
    for a pinned public network."""
    replica = local_replica(home, network)
    deployment = replica.deployment() if replica is not None else None
    return deployment.get("genesis_hash") if deployment else None


def connect(network: Network, rpc_url: str, store: Store, timeout: float = 10.0,
            home: Path | None = None) -> Connection:
    """Check that ``rpc_url`` serves ``network`` and record its genesis hash (see verify_chain);
    the client sends signed transactions through the network's private submission RPC, if set."""
    connection = verify_chain(network, rpc_url, store.known_genesis(network.chain_id, network.key), timeout,
                              replica=replica_genesis(home, network) if home is not None else None)
    store.record_network(connection.chain_id, connection.genesis_hash, network.key)
    from app.tx.submission import route_lookup  # noqa: PLC0415

    connection.client.submit_route = route_lookup(store, network.key)  # sends only (app.tx.submission)
    return connection


def verify_chain(network: Network, rpc_url: str, known_genesis: str | None,
                 timeout: float = 10.0, replica: str | None = None) -> Connection:
    """Check that ``rpc_url`` serves ``network``. Network I/O only (safe on a worker thread).

    Raises ChainUnavailable (cannot reach it) or ChainMismatch (another chain answers: wrong
    chain id; for a public network with a pinned genesis (networks.json) any other genesis than
    that one or ``replica``'s, this home's local replica; for one without, a genesis other than
    the one recorded before). The demo network's genesis changes legitimately on ``devnet
    reset``: its rows are keyed by genesis, so a new one starts a separate history.
    """
    from app.chain.client import ChainClient

    client = ChainClient(rpc_url, timeout=timeout)
    chain_id = client.chain_id()
    if chain_id != network.chain_id:
        raise ChainMismatch(
            f"{rpc_url} serves chain id {chain_id}, but {network.label} is chain id "
            f"{network.chain_id}; refusing to go on (check the RPC URL for this network)")
    genesis = client.genesis_hash()
    if network.genesis_hash is not None:
        if genesis.lower() in (network.genesis_hash.lower(), (replica or "").lower()):
            return Connection(network, client, chain_id, genesis)
        raise ChainMismatch(
            f"{rpc_url} answers chain id {chain_id}, but its genesis block is {genesis[:14]}…, not "
            f"{network.label}'s {network.genesis_hash[:14]}…: it is another chain (a fork, a test "
            f"chain or a misconfigured node); refusing to go on. A local replica started with "
            f"`basketry devnet start --replica {network.key}` in this data directory is accepted.")
    known = known_genesis
    if known is not None and known != genesis and not network.devnet:
        raise ChainMismatch(
            f"{rpc_url} serves a chain {chain_id} whose genesis block is {genesis[:12]}…, not the "
            f"{known[:12]}… recorded for {network.label}; refusing to go on")
    return Connection(network, client, chain_id, genesis)

"""The demo network as the CLI and GUI see it: start (install + launch + first deploy),
stop, reset, status. Everything is kept in ``home/devnet/``.

A *replica* (``Devnet(home, replica="ethereum")``, kept in ``home/replica-ethereum/``) is the
same kind of local chain shaped like a public network: its real chain id, the canonical
contracts and tokens at their real addresses (app/devnet/replica.py), OP-stack fee rules for
Base and Optimism. The app then uses the public network's code paths against it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.devnet import DEFAULT_BLOCK_TIME, toolchain
from app.devnet.node import CHAIN_ID, AnvilNode, NodeInfo
from app.errors import DevnetError, InvalidInput
from app.networks import get_network

# The chain code (web3) is imported where a node is talked to, so reading deployment.json or
# node.json stays light (offline commands, the GUI's first paint).
if TYPE_CHECKING:
    from app.chain.client import ChainClient

Progress = Callable[[str, float | None], None]
SNAPSHOT_ENV = "BASKETRY_DEVNET_SNAPSHOT"  # tests/benchmarks may deploy another snapshot
# Public networks a local replica can stand in for (ETH-native: WETH9's code is their wrapped
# native; Polygon's WPOL is another contract, so no Polygon replica yet).
REPLICA_NETWORKS = ("ethereum", "base", "optimism", "arbitrum")


def _quiet(message: str, fraction: float | None) -> None:
    pass


@dataclass(frozen=True)
class DevnetStatus:
    running: bool
    rpc_url: str | None
    chain_id: int | None
    block: int | None
    deployment: dict | None
    reused: bool = False  # start() found it already running

    def as_json(self) -> dict:
        deployment = self.deployment or {}
        return {
            "running": self.running,
            "rpc_url": self.rpc_url,
            "chain_id": self.chain_id,
            "block": self.block,
            "reused": self.reused,
            "genesis_hash": deployment.get("genesis_hash"),
            "market_snapshot_as_of": deployment.get("market_snapshot_as_of"),
            "contracts": deployment.get("contracts"),
            "tokens": [{k: t[k] for k in ("symbol", "address", "decimals")}
                       for t in deployment.get("tokens", [])],
            "pools": deployment.get("pools", []),
            "vaults": [{k: v[k] for k in ("name", "address", "asset", "apy_bps")}
                       for v in deployment.get("vaults", [])],
            "demo_account": deployment.get("demo_account"),
        }


class Devnet:
    def __init__(self, home: Path, replica: str | None = None):
        if replica is not None and replica not in REPLICA_NETWORKS:
            raise InvalidInput(f"no local replica of {replica!r}; replicas: {', '.join(REPLICA_NETWORKS)}")
        self.replica = replica
        network = get_network(replica) if replica else None
        self.chain_id = network.chain_id if network else CHAIN_ID
        self.dir = home / ("devnet" if replica is None else f"replica-{replica}")
        self.node = AnvilNode(self.dir, self.chain_id, optimism=bool(network and network.adds_l1_data_fee))
        self.deployment_file = self.dir / "deployment.json"

    @property
    def label(self) -> str:
        return "the demo network" if self.replica is None else f"the local {get_network(self.replica).label} replica"

    def deployment(self) -> dict | None:
        try:
            return json.loads(self.deployment_file.read_text())
        except (OSError, ValueError):
            return None

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One start/stop/reset at a time per data directory (CLI and GUI may race)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".control.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def status(self) -> DevnetStatus:
        info = self.node.running()
        if info is None:
            return DevnetStatus(False, None, None, None, self.deployment())
        from app.chain.client import ChainClient

        client = ChainClient(info.rpc_url, timeout=5)
        return DevnetStatus(True, info.rpc_url, client.chain_id(), client.block_number(), self.deployment())

    def start(self, progress: Progress = _quiet, *, port: int | None = None,
              block_time: int | None = DEFAULT_BLOCK_TIME) -> DevnetStatus:
        """Make sure the demo chain runs and is deployed; return once it is ready.

        Reuses a running node. On first start installs the npm toolchain (progress reported)
        and deploys everything. Raises DevnetError with what went wrong.
        """
        with self._exclusive():
            info = self.node.running()
            if info is not None and self.deployment() is not None:
                status = self.status()
                return DevnetStatus(**{**status.__dict__, "reused": True})
            toolchain.ensure_installed(progress)
            if info is None:
                progress("Starting the demo chain…", None)
                info = self.node.start(port=port, block_time=block_time)
            from app.chain.client import ChainClient
            from app.devnet.clock import pin_block_timestamps
            from app.devnet.deploy import deploy_demo

            try:
                client = ChainClient(info.rpc_url)
                _check_chain_id(client, self.chain_id)
                pin_block_timestamps(client)
                if not self._deployed_on(client):
                    self.deployment_file.unlink(missing_ok=True)
                    snapshot = os.environ.get(SNAPSHOT_ENV)
                    deploy_demo(client, self.deployment_file, progress,
                                Path(snapshot) if snapshot else None,
                                replica=get_network(self.replica) if self.replica else None)
                    client.rpc("anvil_mine", ["0x1"])  # a block after the deploy: clean history
            except BaseException:
                self.node.stop()
                if self.deployment() is None:  # a half-done first deploy: start clean next time
                    (self.dir / "state.json").unlink(missing_ok=True)
                raise
            progress(f"{self.label[0].upper()}{self.label[1:]} is ready.", 1.0)
            return self.status()

    def _deployed_on(self, client: ChainClient) -> bool:
        """True if deployment.json describes the chain anvil loaded (state not lost)."""
        deployment = self.deployment()
        if deployment is None:
            return False
        if client.genesis_hash() != deployment["genesis_hash"]:
            return False
        return len(client.code(deployment["contracts"]["weth"])) > 0

    def stop(self) -> bool:
        with self._exclusive():
            return self.node.stop()

    def reset(self) -> None:
        """Stop and forget the chain: the next start deploys a fresh one."""
        with self._exclusive():
            self.node.stop()
            for name in ("state.json", "deployment.json", "node.json"):
                (self.dir / name).unlink(missing_ok=True)
            shutil.rmtree(self.dir / "anvil-cache", ignore_errors=True)

    def running_node(self) -> NodeInfo | None:
        return self.node.running()


def _check_chain_id(client: ChainClient, expected: int) -> None:
    if (chain_id := client.chain_id()) != expected:
        raise DevnetError(f"the local node answers chain id {chain_id}, expected {expected}")

"""Fixtures: local replicas of Ethereum and Base (real chain ids; contracts and tokens at their real
addresses), started once per session; each test runs between evm_snapshot and evm_revert.
The CLI runs exactly as on a public network: `--network ethereum|base --rpc URL`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.chain.client import ChainClient
from app.devnet.manager import Devnet, DevnetStatus


def _start(home: Path, network: str) -> DevnetStatus:
    devnet = Devnet(home, replica=network)
    status = devnet.start(block_time=None)
    return status


@pytest.fixture(scope="session")
def replica_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("replicas")


@pytest.fixture(scope="session")
def replicas(replica_home: Path):
    started = {name: _start(replica_home, name) for name in ("ethereum", "base")}
    yield started
    for name in started:
        Devnet(replica_home, replica=name).stop()


class Replica:
    def __init__(self, network: str, status: DevnetStatus, source_home: Path, home: Path, zygote=None):
        self.network = network
        self.zygote = zygote  # tests/support/cli_zygote.py: a process per command, imports paid once
        self.rpc_url = status.rpc_url
        self.client = ChainClient(status.rpc_url)
        self.deployment = json.loads((source_home / f"replica-{network}" / "deployment.json").read_text())
        self.home = home
        target = home / f"replica-{network}"
        target.mkdir(parents=True, exist_ok=True)  # the home knows its replica (genesis accepted)
        shutil.copy(source_home / f"replica-{network}" / "deployment.json", target / "deployment.json")

    def cli(self, *args: str, stdin: str = "", check: bool = True):
        argv = ["--home", str(self.home), "--network", self.network, "--rpc", self.rpc_url, "--json", *args]
        if self.zygote is not None:
            result = self.zygote.run(argv, stdin=stdin, env=dict(os.environ), timeout=180)
        else:
            result = subprocess.run([sys.executable, "-m", "app.cli.main", *argv], input=stdin,
                                    capture_output=True, text=True, timeout=180, env=dict(os.environ))
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def json(self, *args: str, stdin: str = ""):
        return json.loads(self.cli(*args, stdin=stdin).stdout)


def _replica(name: str, replicas, replica_home, tmp_path, secret_service, zygote):
    status = replicas[name]
    replica = Replica(name, status, replica_home, tmp_path / "home", zygote)
    snapshot = replica.client.rpc("evm_snapshot")
    yield replica
    replica.client.rpc("evm_revert", [snapshot])


@pytest.fixture
def ethereum(replicas, replica_home, tmp_path, secret_service, cli_zygote):
    yield from _replica("ethereum", replicas, replica_home, tmp_path, secret_service, cli_zygote)


@pytest.fixture
def base(replicas, replica_home, tmp_path, secret_service, cli_zygote):
    yield from _replica("base", replicas, replica_home, tmp_path, secret_service, cli_zygote)

"""Fixtures shared by every test area.

The devnet is deployed ONCE per test session (real anvil, real Uniswap contracts) in its own
data directory; each test that uses ``chain`` runs between ``evm_snapshot`` and
``evm_revert``, so tests see the same fresh deployment and cannot leak state to each other.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import socket  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from app.chain.client import ChainClient  # noqa: E402
from app.devnet.manager import Devnet, DevnetStatus  # noqa: E402
from tests.support.secret_service import (  # noqa: E402, F401  (fixtures for every test area)
    _locked_daemon,
    _unlocked_daemon,
    fast_scrypt,
    locked_secret_service,
    no_dbus,
    secret_service,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def devnet_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory of the session devnet (tests must not open a Store on it)."""
    return tmp_path_factory.mktemp("devnet-home")


@pytest.fixture(scope="session")
def devnet(devnet_home: Path) -> DevnetStatus:
    """A deployed demo network, mining on transactions only (deterministic)."""
    net = Devnet(devnet_home)
    status = net.start(block_time=None, port=free_port())
    yield status
    net.stop()


@pytest.fixture(scope="session")
def cli_zygote():
    """Runs `basketry ...` in a fresh forked process per command, with web3 & co. already
    imported (tests/support/cli_zygote.py): the CLI tests' start-up cost once, not per call."""
    from tests.support.cli_zygote import CliZygote

    zygote = CliZygote(ROOT)
    yield zygote
    zygote.close()


@pytest.fixture
def chain(devnet: DevnetStatus) -> ChainClient:
    """A client on the session devnet, with the chain rolled back after the test."""
    client = ChainClient(devnet.rpc_url)
    snapshot = client.rpc("evm_snapshot")
    yield client
    assert client.rpc("evm_revert", [snapshot]), "evm_revert failed: later tests would see this one's state"


@pytest.fixture
def deployment(devnet: DevnetStatus) -> dict:
    return devnet.deployment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

"""Fixtures for the core's tests: the CLI run as a user runs it; a funded fresh key."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def cli(tmp_path, devnet, devnet_home, chain, secret_service, cli_zygote):
    """Run `basketry --home H --rpc DEVNET ...` (a process per command, tests/support/cli_zygote.py);
    H knows the devnet's deployment (tokens)."""
    home = tmp_path / "home"
    (home / "devnet").mkdir(parents=True)
    shutil.copy(devnet_home / "devnet" / "deployment.json", home / "devnet" / "deployment.json")

    def run(*args: str, stdin: str = "", check: bool = True, env: dict | None = None):
        result = cli_zygote.run(["--home", str(home), "--rpc", devnet.rpc_url, "--json", *args],
                                stdin=stdin, env={**os.environ, **(env or {})})
        if check:
            assert result.returncode == 0, result.stderr
        return result

    run.home = home
    run.chain = chain
    return run


@pytest.fixture
def funded(chain):
    """A fresh key with 10 ETH, and its signer."""
    from eth_account import Account

    from wallet.local_signer import LocalSigner

    key = Account.create()
    chain.rpc("anvil_setBalance", [key.address, hex(10 * 10**18)])
    return LocalSigner(bytes(key.key))

"""Fixtures for the core's tests: the CLI run as a user runs it."""

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

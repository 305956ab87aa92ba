"""Fixtures for the core's tests: the CLI run as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest


@pytest.fixture
def cli(tmp_path, devnet, devnet_home, chain, secret_service):
    """Run `basketry --home H --rpc DEVNET ...`; H knows the devnet's deployment (tokens)."""
    home = tmp_path / "home"
    (home / "devnet").mkdir(parents=True)
    shutil.copy(devnet_home / "devnet" / "deployment.json", home / "devnet" / "deployment.json")

    def run(*args: str, stdin: str = "", check: bool = True, env: dict | None = None):
        result = subprocess.run([sys.executable, "-m", "app.cli.main", "--home", str(home),
                                 "--rpc", devnet.rpc_url, "--json", *args],
                                input=stdin, capture_output=True, text=True, timeout=120,
                                env={**os.environ, **(env or {})})
        if check:
            assert result.returncode == 0, result.stderr
        return result

    run.home = home
    run.chain = chain
    return run

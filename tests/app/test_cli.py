"""The CLI as a user runs it: a real process, real devnet, JSON on stdout, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app import __version__


def basketry(*args: str, home=None, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "app.cli.main"]
    if home is not None:
        command += ["--home", str(home)]
    result = subprocess.run(command + list(args), capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_version():
    assert basketry("--version").stdout.strip() == f"basketry {__version__}"


def test_devnet_status_json_has_the_contract(devnet, devnet_home):
    status = json.loads(basketry("--json", "devnet", "status", home=devnet_home).stdout)
    assert status["running"] is True and status["rpc_url"] == devnet.rpc_url
    assert status["chain_id"] == 31337 and status["block"] >= 1
    assert set(status["contracts"]) >= {"weth", "factory", "swap_router", "quoter",
                                        "position_manager", "multicall3"}
    decimals = {t["symbol"]: t["decimals"] for t in status["tokens"]}
    assert decimals["USDC"] == 6 and decimals["WBTC"] == 8 and len(decimals) >= 20
    assert all(set(v) >= {"name", "address", "asset"} for v in status["vaults"])
    assert status["demo_account"].startswith("0x")


def test_devnet_start_reuses_and_reports_rpc_url(devnet, devnet_home):
    started = json.loads(basketry("--json", "devnet", "start", home=devnet_home).stdout)
    assert started["rpc_url"] == devnet.rpc_url and started["reused"] is True


def test_status_of_a_home_without_devnet(tmp_path):
    status = json.loads(basketry("--json", "devnet", "status", home=tmp_path).stdout)
    assert status["running"] is False and status["rpc_url"] is None


def test_network_check_verifies_the_chain(devnet, tmp_path):
    result = json.loads(basketry("--json", "--rpc", devnet.rpc_url, "network", "check", home=tmp_path).stdout)
    assert result["chain_id"] == 31337 and result["genesis_hash"] == devnet.deployment["genesis_hash"]


@pytest.mark.parametrize("args, message", [
    (["--network", "ethereum", "network", "check"], "no RPC URL for Ethereum"),
    (["--network", "nowhere", "network", "check"], "unknown network 'nowhere'"),
    (["--rpc", "http://127.0.0.1:9", "network", "check"], "cannot reach the RPC at http://127.0.0.1:9"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["devnet"], "required"),
])
def test_errors_are_one_json_line_and_a_nonzero_exit(tmp_path, args, message):
    result = basketry("--json", *args, home=tmp_path, check=False)
    assert result.returncode != 0
    assert message in json.loads(result.stdout)["error"]
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_wrong_chain_is_refused_by_the_cli(devnet, tmp_path):
    result = basketry("--json", "--network", "ethereum", "--rpc", devnet.rpc_url, "network", "check",
                      home=tmp_path, check=False)
    assert result.returncode != 0 and "refusing to go on" in json.loads(result.stdout)["error"]


def test_a_second_instance_on_the_same_home_is_refused(tmp_path, devnet):
    from app.store import Store

    with Store.open(tmp_path):
        result = basketry("--json", "--rpc", devnet.rpc_url, "network", "check", home=tmp_path, check=False)
    assert result.returncode != 0 and "already using" in json.loads(result.stdout)["error"]


def test_set_rpc_saves_the_url_and_refuses_a_bad_one(tmp_path):
    saved = json.loads(basketry("--json", "--network", "base", "network", "set-rpc",
                                "https://base.example/rpc", home=tmp_path).stdout)
    assert saved == {"network": "base", "rpc_url": "https://base.example/rpc"}
    bad = basketry("--json", "--network", "base", "network", "set-rpc", "ftp://x", home=tmp_path, check=False)
    assert bad.returncode != 0 and "not an RPC URL" in json.loads(bad.stdout)["error"]
    from app.store import Store
    with Store.open(tmp_path) as store:
        assert store.get_setting("rpc_url.base") == "https://base.example/rpc"

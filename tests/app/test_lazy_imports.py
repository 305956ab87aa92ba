"""The CLI answers at once: importing it, and the commands that need no chain (--version,
--help, portfolio and pnl offline), load none of the chain libraries (web3, eth-account,
eth-utils, eth-abi) nor the key stores. Each check runs in a fresh interpreter and reads
sys.modules; nothing here is timed (bench/startup.py measures)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.offline_home import make_offline_home

ROOT = Path(__file__).resolve().parents[2]
CHAIN_LIBRARIES = ("web3", "eth_account", "eth_utils", "eth_abi")
KEY_LIBRARIES = ("eth_keyfile", "keyring", "trezorlib", "hid")
HEAVY = CHAIN_LIBRARIES + KEY_LIBRARIES

# Runs main() once per argument list (as the console script does), then prints, as its last
# line, the exit codes and the heavy modules that were loaded.
RUNNER = """
import json, sys
from app.cli.main import main
codes = []
for argv in json.loads(sys.argv[1]):
    try:
        codes.append(main(argv))
    except SystemExit as exc:  # --version and --help exit through argparse
        codes.append(exc.code)
print(json.dumps({"codes": codes, "loaded": sorted(m for m in HEAVY if m in sys.modules)}))
""".replace("HEAVY", repr(HEAVY))


def run_cli(*argvs: list[str]) -> tuple[list, list[str], str]:
    """(exit codes, heavy modules loaded, everything the commands printed)."""
    done = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(list(argvs))], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    *printed, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    return report["codes"], report["loaded"], "\n".join(printed)


def test_importing_the_cli_loads_no_chain_or_key_library():
    code = f"import sys, app.cli.main\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_load_no_chain_library(argv):
    codes, loaded, printed = run_cli(argv)
    assert codes == [0]
    assert printed.strip()  # they did answer
    assert loaded == []


def test_portfolio_and_pnl_offline_load_no_chain_library(tmp_path):
    home = make_offline_home(tmp_path / "home")
    codes, loaded, printed = run_cli(["--home", str(home), "--json", "portfolio", "--offline"],
                                     ["--home", str(home), "--json", "pnl", "--offline"])
    assert codes == [0, 0], printed
    portfolio, pnl = (json.loads(doc) for doc in _documents(printed))
    assert "error" not in portfolio and "error" not in pnl
    assert portfolio["offline"] and [h["symbol"] for h in portfolio["holdings"]] == ["ETH"]
    assert portfolio["total_usd"] == "5000.00"
    assert pnl["offline"]
    assert loaded == []


def _documents(printed: str) -> list[str]:
    """The JSON documents ``emit`` printed one after the other (each indented, ending in "}")."""
    docs, current = [], []
    for line in printed.splitlines():
        current.append(line)
        if line == "}":
            docs.append("\n".join(current))
            current = []
    return docs

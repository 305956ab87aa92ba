"""The offline window paints without the chain and signing code: `basketry --offline`'s
launcher builds the window with every page, and the Portfolio page loads its holdings and P&L
from SQLite, without web3, eth-account, eth-abi or the key stores ever being imported (a page
imports them when an action needs the chain or a key). Runs in a fresh interpreter (Qt
offscreen) and reads sys.modules; nothing is timed (bench/startup.py measures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.offline_home import make_offline_home

ROOT = Path(__file__).resolve().parents[2]
NOT_LOADED = ("web3", "eth_account", "eth_utils", "eth_abi", "eth_keyfile", "keyring", "trezorlib", "hid")

CHILD = """
import json, sys, time
from PySide6.QtWidgets import QApplication
from app.networks import get_network
from app.store import Store
from views.launcher import Launcher

WATCHED = NOT_LOADED
app = QApplication(sys.argv[:1])
home = sys.argv[1]
store = Store.open(home)
launcher = Launcher(home, get_network("demo"), store, offline=True)
launcher.begin()
window = launcher.window
shown = sorted(m for m in WATCHED if m in sys.modules)
page = window.pages[0]
deadline = time.monotonic() + 60
while page.pnl is None and not page.error.text() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
report = {"visible": window.isVisible(), "pages": [p.TITLE for p in window.pages],
          "holdings": [r.symbol for r in page.portfolio.rows] if page.portfolio else None,
          "pnl": page.pnl is not None, "error": page.error.text(), "at_show": shown,
          "after_loading": sorted(m for m in WATCHED if m in sys.modules)}
launcher.shutdown()
store.close()
print(json.dumps(report))
""".replace("NOT_LOADED", repr(NOT_LOADED))


def test_offline_window_and_its_portfolio_load_no_chain_or_key_library(tmp_path):
    home = make_offline_home(tmp_path / "home")
    done = subprocess.run([sys.executable, "-c", CHILD, str(home)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["visible"] and report["pages"] == ["Portfolio", "Index", "Vaults", "Activity",
                                                     "Accounts", "Settings"]
    assert report["holdings"] == ["ETH"] and report["pnl"] and not report["error"]
    assert report["at_show"] == []
    assert report["after_loading"] == []

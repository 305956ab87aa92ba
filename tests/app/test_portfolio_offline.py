"""The "done when" of the portfolio, as a user does it: trades on the demo network, the chain
stopped, the same holdings and P&L from SQLite alone, by every method."""

from __future__ import annotations

import json
import os

from app.accounting import METHODS
from app.devnet.manager import Devnet
from tests.conftest import free_port

PASSWORD = "correct horse battery"


def test_with_the_chain_stopped_the_portfolio_and_pnl_are_the_ones_seen_online(tmp_path, secret_service, cli_zygote):
    home = tmp_path / "home"
    net = Devnet(home)
    net.start(block_time=None, port=free_port())

    def cli(*args: str, stdin: str = "") -> dict:
        result = cli_zygote.run(["--home", str(home), "--json", *args], stdin=stdin, env=dict(os.environ),
                                timeout=180)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    try:
        cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
        cli("index", "buy", "Top 10", "--amount", "2", "--pay", "ETH", "--yes", "--password-stdin",
            stdin=PASSWORD + "\n")
        cli("index", "buy", "DeFi", "--amount", "800", "--pay", "USDC", "--yes", "--password-stdin",
            stdin=PASSWORD + "\n")
        online = cli("portfolio")
        online_pnl = {m: cli("pnl", "--method", m) for m in METHODS}
    finally:
        assert net.stop()

    assert not online["offline"] and len(online["holdings"]) >= 5
    offline = cli("portfolio")  # no flag: the chain cannot be reached, so it falls back
    assert offline["offline"] and "not running" in offline["offline_reason"]
    asked = cli("portfolio", "--offline")
    assert asked["offline"] and asked["offline_reason"] == "offline (asked)"
    for view in (offline, asked):
        assert view["total_usd"] == online["total_usd"] and view["as_of"] == online["as_of"]
        assert view["holdings"] == online["holdings"] and view["vaults"] == online["vaults"]
    for holding in offline["holdings"]:
        assert holding["price_source"] and holding["price_as_of"] and holding["balance_as_of"]
    for method in METHODS:
        again = cli("pnl", "--method", method, "--offline")
        assert again["offline"] and again["method"] == method
        for field in ("realized_usd", "unrealized_usd", "fees_usd", "positions"):
            assert again[field] == online_pnl[method][field], (method, field)
    assert online_pnl["fifo"]["settings"]["events_sha256"] == online_pnl["hifo"]["settings"]["events_sha256"]
    # without --method, `pnl` uses the method the Portfolio page saved
    from app.portfolio.method_setting import save_method
    from app.store import Store

    assert cli("pnl", "--offline")["method"] == "fifo"  # nothing saved yet: the default
    with Store.open(home) as store:
        save_method(store, "hifo")
    saved = cli("pnl", "--offline")
    assert saved["method"] == "hifo" and saved["realized_usd"] == online_pnl["hifo"]["realized_usd"]

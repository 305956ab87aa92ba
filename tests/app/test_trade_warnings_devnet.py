"""Price-impact warnings on real buys (devnet): the demo's GRT pools are the shallowest (depth
sqrt(market cap), ~$30M a side), so 45 / 150 / 260 ETH cross 1% / 3% / 5%, and 900 ETH goes past
the 15% refusal. The CLI refuses a confirm-level buy without --accept-impact, nothing sent.
The thresholds are measured with one route per leg (split routing, on by default, spreads GRT
over its pools and lowers the impact: tests/app/test_index_split.py)."""

from __future__ import annotations

import json
import shutil

import pytest
from eth_account import Account

from app.errors import InvalidInput
from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from app.index.rebalance import plan_exit
from app.index.split import SPLIT_ROUTES_SETTING
from app.session import ChainSession
from app.store import Store
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts

PASSWORD = "correct horse battery"
GRT_ONLY = {"name": "GRT only", "description": "the shallowest demo token", "weighting": "fixed",
            "constituents": [{"token": "GRT", "weight": 1}]}
GRT_WBTC = {"name": "GRT and WBTC", "description": "one shallow, one deep", "weighting": "fixed",
            "constituents": [{"token": "GRT", "weight": 0.5}, {"token": "WBTC", "weight": 0.5}]}


@pytest.fixture
def baskets(tmp_path):
    paths = {}
    for key, body in (("grt", GRT_ONLY), ("two", GRT_WBTC)):
        paths[key] = tmp_path / f"{key}.json"
        paths[key].write_text(json.dumps(body))
    return paths


@pytest.fixture
def whale(chain):
    key = Account.create()
    chain.rpc("anvil_setBalance", [key.address, hex(2_000 * 10**18)])
    return LocalSigner(bytes(key.key))


@pytest.fixture
def session(tmp_path, devnet, devnet_home, chain):
    home = tmp_path / "home"
    (home / "devnet").mkdir(parents=True)
    shutil.copy(devnet_home / "devnet" / "deployment.json", home / "devnet" / "deployment.json")
    with Store.open(home) as store:
        store.set_setting(SPLIT_ROUTES_SETTING, False)  # one route per leg: the impacts above
        yield ChainSession.open(home, "demo", store, devnet.rpc_url)


def codes(preview) -> list[tuple[str, str]]:
    return [(w["level"], w["code"]) for w in preview.warnings]


def impact_pct(preview, symbol="GRT"):
    leg = next(leg for leg in preview.legs if leg["symbol"] == symbol)
    return float(leg["price_impact_bps"]) / 100


@pytest.mark.parametrize("amount, expected, low, high", [
    ("45", ("warn", "impact_low"), 1, 3), ("150", ("warn", "impact_high"), 3, 5),
    ("260", ("confirm", "impact_confirm"), 5, 15)])
def test_buys_crossing_1_3_and_5_percent_warn_at_their_level(session, baskets, whale, amount, expected, low, high):
    preview = plan_index_buy(session, str(baskets["grt"]), amount, "ETH", None, whale.address).preview
    assert low <= impact_pct(preview) < high  # the measured impact is in the band the level names
    assert codes(preview) == [expected]
    assert preview.to_json()["warnings"][0]["text"].startswith("GRT: price impact")


def test_a_small_buy_has_no_warning(session, baskets, whale):
    preview = plan_index_buy(session, str(baskets["grt"]), "10", "ETH", None, whale.address).preview
    assert impact_pct(preview) < 1 and preview.warnings == []


def test_above_15_percent_the_leg_is_refused_unless_the_limit_is_raised(session, baskets, whale):
    with pytest.raises(InvalidInput, match=r"GRT: price impact 1\d\.\d\d% is above the 15% limit"):
        plan_index_buy(session, str(baskets["grt"]), "900", "ETH", None, whale.address)
    preview = plan_index_buy(session, str(baskets["grt"]), "900", "ETH", None, whale.address, "25").preview
    assert impact_pct(preview) > 15 and codes(preview) == [("confirm", "impact_confirm")]
    assert "raised to 25%" in preview.warnings[0]["text"]


def test_the_total_is_value_weighted_across_legs(session, baskets, whale):
    preview = plan_index_buy(session, str(baskets["two"]), "900", "ETH", None, whale.address).preview
    grt, wbtc = impact_pct(preview, "GRT"), impact_pct(preview, "WBTC")
    assert grt >= 5 > wbtc
    total = next(w for w in preview.warnings if w["code"].startswith("total_"))
    shown = float(total["text"].split("price impact ")[1].split("%")[0])
    assert shown == pytest.approx((grt + wbtc) / 2, abs=0.02)  # equal amounts in: the plain mean


def test_a_confirmed_buy_carries_its_warnings_into_the_signing_summary(session, chain, baskets, whale):
    plan = plan_index_buy(session, str(baskets["grt"]), "260", "ETH", None, whale.address)
    prompts = AutoApprovePrompts()
    nonce = chain.rpc("eth_getTransactionCount", [whale.address, "latest"])
    with pytest.raises(InvalidInput, match="needs your explicit confirmation, nothing sent: GRT: price impact"):
        execute_index_plan(session, plan, whale, prompts)  # the execution checks too, not only the CLI/GUI
    assert prompts.confirmed == [] and session.journal.entries() == []
    assert chain.rpc("eth_getTransactionCount", [whale.address, "latest"]) == nonce
    result = execute_index_plan(session, plan, whale, prompts, accept_impact=True)
    assert result.realised["status"] == "confirmed"
    warnings = prompts.confirmed[-1].warnings  # the summary's warnings: shown first, in the warning colour
    assert any(w.startswith("Confirmed by you: GRT: price impact") for w in warnings)
    # exiting that position sells it back through the same shallow pool: warned the same way
    exit_plan = plan_exit(session, str(baskets["grt"]), whale.address, None)
    assert exit_plan.preview["warnings"][0]["code"] in ("impact_confirm", "impact_high")


def test_cli_refuses_a_confirm_level_buy_without_accept_impact(cli, baskets):
    address = json.loads(cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n").stdout)["address"]
    cli.chain.rpc("anvil_setBalance", [address, hex(2_000 * 10**18)])
    nonce = int(cli.chain.rpc("eth_getTransactionCount", [address, "latest"]), 16)
    refused = cli("index", "buy", str(baskets["grt"]), "--no-split", "--amount", "260", "--yes", "--password-stdin",
                  stdin=PASSWORD + "\n", check=False)
    assert refused.returncode != 0
    error = json.loads(refused.stdout)["error"]
    assert "GRT: price impact" in error and "--accept-impact" in error and "nothing sent" in error
    assert int(cli.chain.rpc("eth_getTransactionCount", [address, "latest"]), 16) == nonce
    assert json.loads(cli("activity").stdout)["transactions"] == []
    bought = json.loads(cli("index", "buy", str(baskets["grt"]), "--no-split", "--amount", "260", "--yes", "--accept-impact",
                            "--password-stdin", stdin=PASSWORD + "\n").stdout)
    assert bought["status"] == "confirmed"
    assert bought["preview"]["warnings"][0]["level"] == "confirm"


def test_cli_text_lists_the_warnings(cli, devnet, baskets):
    import subprocess
    import sys

    address = json.loads(cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n").stdout)["address"]
    cli.chain.rpc("anvil_setBalance", [address, hex(2_000 * 10**18)])
    result = subprocess.run([sys.executable, "-m", "app.cli.main", "--home", str(cli.home), "--rpc",
                             devnet.rpc_url, "index", "quote", str(baskets["grt"]), "--no-split", "--amount", "150",
                             "--slippage", "6"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "WARNING: GRT: price impact 3." in result.stdout
    assert "WARNING: slippage tolerance 6% is above 5.5%" in result.stdout


def vault_codes(preview: dict) -> list[str]:
    return [w["code"] for w in preview["warnings"]]


def trade_codes(preview: dict) -> list[str]:
    return [c for c in vault_codes(preview) if c != "first_deposit"]


def test_vault_quote_warns_about_slippage_and_a_fee_above_a_tenth(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    tight = json.loads(cli("vault", "quote", "dvUSDC", "--amount", "1000", "--slippage", "0.05").stdout)
    # the demo vault is empty: its share-price guard adds "first_deposit" (app/vaults/share_price_guard.py)
    assert trade_codes(tight) == ["slippage_low"] and "first_deposit" in vault_codes(tight)
    assert "fail" in tight["warnings"][0]["text"]
    wide = json.loads(cli("vault", "quote", "dvUSDC", "--amount", "1000", "--slippage", "10").stdout)
    assert trade_codes(wide) == ["slippage_high"]
    assert trade_codes(json.loads(cli("vault", "quote", "dvUSDC", "--amount", "1000").stdout)) == []
    tiny = json.loads(cli("vault", "quote", "dvUSDC", "--amount", "0.01").stdout)  # the gas costs more
    fee_usd = float(tiny["network_fee"]["usd"])
    assert fee_usd > 0.001 and trade_codes(tiny) == ["fee_high"]

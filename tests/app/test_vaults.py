"""ERC-4626 vaults on the devnet: deposit, yield over chain time, withdraw all; refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_account import Account

from app.devnet.clock import advance_time
from app.errors import InvalidInput
from app.vaults.actions import execute_vault_plan, plan_deposit, plan_withdraw, position
from app.vaults.apy import trailing_apy
from app.vaults.catalog import catalog, resolve
from app.vaults.reader import read_vault, samples
from tests.app.test_index_buy import buyer, session  # noqa: F401 (fixtures)
from wallet.prompts import AutoApprovePrompts


def usdc_vault(deployment) -> str:
    return next(v["address"] for v in deployment["vaults"] if v["asset"] == "USDC")


def test_the_demo_vaults_are_listed_and_checked(session, deployment):  # noqa: F811
    entries = catalog(session)
    assert {e.asset for e in entries if e.source == "demo"} >= {"USDC", "WETH", "WBTC"}
    assert resolve(session, "dvUSDC") == usdc_vault(deployment)
    info = read_vault(session, usdc_vault(deployment), deployment["demo_account"])
    assert info.asset_symbol == "USDC" and info.asset_decimals == 6 and info.fees == {}


@pytest.mark.parametrize("address", ["0x000000000000000000000000000000000000dEaD", "weth"])
def test_an_address_that_is_not_a_vault_is_refused(session, deployment, address):  # noqa: F811
    target = deployment["contracts"]["weth"] if address == "weth" else address
    with pytest.raises(InvalidInput, match="is not an ERC-4626 vault"):
        read_vault(session, target, deployment["demo_account"])


def test_deposit_yield_and_withdraw_everything(session, chain, buyer, deployment):  # noqa: F811
    vault = usdc_vault(deployment)
    plan = plan_deposit(session, vault, "1000", "0.5", buyer.address)
    preview = plan.preview
    assert preview["expected_shares"] == preview["simulated_shares"] and Decimal(preview["min_shares"]) < Decimal(preview["expected_shares"])
    assert preview["fees"]["entry_pct"] == preview["fees"]["exit_pct"] == "0" and preview["limits"]["max_deposit"] == "no limit"
    assert preview["fees"]["text"].startswith("none charged on-chain (previewDeposit = convertToShares")
    # the demo vault is empty: its first deposit is noted, not refused
    assert [w["code"] for w in preview["warnings"]] == ["first_deposit"] and preview["warnings"][0]["level"] == "warn"
    assert preview["apy"]["value_pct"] is None and "not enough history" in preview["apy"]["note"]
    assert preview["network_fee"]["approval_gas"] > 0 and preview["network_fee"]["gas"] > preview["network_fee"]["approval_gas"]
    done = execute_vault_plan(session, plan, buyer, AutoApprovePrompts())
    assert done["status"] == "confirmed" and done["shares_received"] == preview["expected_shares"]
    assert done["assets_paid"] == "1000"

    advance_time(chain, 30 * 86400)
    info = read_vault(session, vault, buyer.address)
    held = position(session, info, buyer.address)
    assert Decimal(held["accrued_yield"]) > Decimal("3.9") and held["cost_basis"] == "1000"
    someone_else = position(session, read_vault(session, vault, deployment["demo_account"]), deployment["demo_account"])
    assert someone_else["accrued_yield"] is None and someone_else["cost_basis"] == "0"  # lots are per account
    apy = trailing_apy(samples(session, vault), info.timestamp)
    assert apy.apy is not None and Decimal("0.045") < apy.apy < Decimal("0.052")  # 4.8% stated, compounded
    assert apy.window_seconds >= 30 * 86400

    later = plan_deposit(session, vault, "100", None, buyer.address).preview["pnl_preview"]
    assert Decimal(later["yield_365d_usd"]) > 4 and Decimal(later["days_to_earn_back_fee"]) > 0

    # maxWithdraw and maxRedeem are read with the position: this vault pays out all of it now
    # (maxWithdraw is exact; the value shown is shares x the price of one share, a few units less)
    assert info.max_redeem == info.shares and info.max_withdraw >= int(Decimal(held["value"]) * 10**6)
    assert held["withdraw_limited"] is False and held["withdrawable_now"] == held["value"]
    assert held["withdrawable_text"] is None
    everything = plan_withdraw(session, vault, None, buyer.address)
    assert everything.all_shares and everything.preview["withdrawable"]["withdraw_limited"] is False
    assert plan_withdraw(session, vault, None, buyer.address, available_now=True).shares == info.shares
    with pytest.raises(InvalidInput, match="available now of"):
        plan_withdraw(session, vault, str(Decimal(held["value"]) + 1), buyer.address)
    out = execute_vault_plan(session, everything, buyer, AutoApprovePrompts())
    assert out["status"] == "confirmed" and Decimal(out["assets_received"]) > 1000
    assert Decimal(out["realized_yield"]) == Decimal(out["assets_received"]) - 1000
    assert read_vault(session, vault, buyer.address).shares == 0


@pytest.mark.parametrize("amount, message", [("0", "above zero"), ("-5", "no sign"), ("abc", "not a number"),
                                             ("1.0000001", "more than 6 decimal places"),
                                             ("6000", "above the balance")])
def test_bad_deposits_are_refused_and_nothing_is_sent(session, chain, buyer, deployment, amount, message):  # noqa: F811
    with pytest.raises(InvalidInput, match=message):
        plan_deposit(session, usdc_vault(deployment), amount, None, buyer.address)
    assert session.journal.entries() == []


def test_withdraw_without_shares_is_refused(session, deployment):  # noqa: F811
    with pytest.raises(InvalidInput, match="no shares"):
        plan_withdraw(session, usdc_vault(deployment), None, Account.create().address)


def test_trailing_apy_is_pure_and_honest():
    day = 86400
    assert trailing_apy([], 10 * day).apy is None
    assert "24 h" in trailing_apy([(0, 10**6), (3600, 10**6 + 5)], 3600).reason
    # 1% over 36.5 days compounds to about 10.4% a year; the window reaches back to the sample before it
    result = trailing_apy([(0, 10**6), (int(36.5 * day), 1_010_000)], int(36.5 * day), window=30 * day)
    assert result.window_seconds == int(36.5 * day)
    assert Decimal("0.1036") < result.apy < Decimal("0.1047")

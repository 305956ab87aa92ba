"""Fees revealed on an ERC4626Fees-style vault (1% entry, 0.5% exit): measured from the vault's
own previews, shown in the deposit and withdraw previews and `vault list`, and a position (and
the portfolio) valued at what redeem pays."""

from __future__ import annotations

import json
from decimal import Decimal

from eth_account import Account

from app.portfolio.assets import Asset
from app.portfolio.reader import read_state
from app.units import format_units
from app.vaults.actions import execute_vault_plan, plan_deposit, plan_withdraw, position
from app.vaults.fees import fee_pct
from app.vaults.reader import read_vault
from tests.app.test_index_buy import buyer, session  # noqa: F401 (fixtures)
from tests.support.attack_vaults import balance_of, deploy_vault, usdc, view
from wallet.prompts import AutoApprovePrompts

PASSWORD = "correct horse battery"


def test_entry_and_exit_fees_and_the_value_redeem_pays(session, chain, buyer, deployment):  # noqa: F811
    recipient = Account.create().address
    vault = deploy_vault(chain, deployment, "FeeTestVault", 100, 50, recipient)
    amount = 1000 * 10**6
    gross, net = (view(chain, vault, sig, amount) for sig in ("convertToShares(uint256)", "previewDeposit(uint256)"))
    plan = plan_deposit(session, vault, "1000", None, buyer.address)
    fees = plan.preview["fees"]
    assert Decimal(fees["entry_pct"]) == fee_pct(gross, net) and abs(Decimal(fees["entry_pct"]) - Decimal("0.99")) < Decimal("0.001")
    assert plan.preview["expected_shares"] == format_units(net, 6)  # 990.09901 shares, not 1,000
    assert Decimal(fees["exit_pct"]) > Decimal("0.49") and "entry 0.99%" in fees["text"] and "exit 0.5%" in fees["text"]
    assert "not disclosed" not in fees["text"]
    done = execute_vault_plan(session, plan, buyer, AutoApprovePrompts())
    assert done["status"] == "confirmed" and balance_of(chain, usdc(deployment), recipient) == amount - amount * 10_000 // 10_100

    info = read_vault(session, vault, buyer.address)
    held = position(session, info, buyer.address)
    redeem = view(chain, vault, "previewRedeem(uint256)", info.shares)
    convert = view(chain, vault, "convertToAssets(uint256)", info.shares)
    assert held["value"] == format_units(redeem, 6) and redeem < convert  # ~985.17, not ~990.10
    assert held["exit_fee"] == format_units(convert - redeem, 6)
    assert held["withdrawable_now"] == held["value"]

    out = plan_withdraw(session, vault, None, buyer.address)
    assert Decimal(out.preview["fees"]["exit_pct"]) == fee_pct(convert, redeem)
    assert out.preview["amount"] == held["value"]
    # the portfolio values a share at what redeeming it pays, in the same one multicall
    asset = Asset("feeUSDC", vault, 6, "vault", usdc(deployment))
    state = read_state(session, [asset], [buyer.address])
    assert state.share_prices[vault] == view(chain, vault, "previewRedeem(uint256)", 10**6)
    assert state.share_prices[vault] < view(chain, vault, "convertToAssets(uint256)", 10**6)

    got = execute_vault_plan(session, out, buyer, AutoApprovePrompts())
    assert got["assets_received"] == held["value"]


def test_fees_in_the_cli_quote_and_list(cli, deployment):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    vault = deploy_vault(cli.chain, deployment, "FeeTestVault", 100, 50, Account.create().address)
    quote = json.loads(cli("vault", "quote", vault, "--amount", "1000").stdout)
    assert quote["fees"]["entry_pct"].startswith("0.990") and quote["expected_shares"].startswith("990.099")
    listed = {v["address"]: v for v in json.loads(cli("vault", "list").stdout)["vaults"]}
    assert listed[vault]["fees"]["entry_pct"].startswith("0.990") and listed[vault]["fees"]["exit_pct"].startswith("0.49")
    demo = next(v for v in listed.values() if v["asset"] == "USDC" and v["address"] != vault)
    assert demo["fees"]["text"].startswith("none charged on-chain")

"""The donation front-run of issue 11, reproduced on a Solmate and an OpenZeppelin 5 vault: a user
quotes 1,000 USDC into a fresh vault (1,000 shares shown), another account deposits one unit
and sends 600 USDC straight to the vault, then the user deposits. Nothing is lost: every path
refuses before anything is sent (the core, the GUI's "execute the plan it showed", the CLI with
and without --quote), and the same deposit accepted past the flags shows what was at stake."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest

from app.quote_binding import QuoteMismatch, QuoteMoved
from app.vaults.actions import execute_vault_plan, plan_deposit
from app.vaults.deposit_guard import bind_deposit_to_quote, store_deposit_quote
from app.vaults.reader import read_vault
from app.vaults.share_price_guard import SharePriceFlagged
from tests.app.test_index_buy import buyer, session  # noqa: F401 (fixtures)
from tests.support.attack_vaults import DONATION, balance_of, deploy_vault, front_run, usdc, view
from wallet.prompts import AutoApprovePrompts

PASSWORD = "correct horse battery"
VAULTS = ["SolmateTestVault", "OzPlainTestVault"]


def out(result) -> dict:
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", VAULTS)
def test_the_front_run_is_refused_through_the_core(session, chain, buyer, deployment, name):  # noqa: F811
    vault, token = deploy_vault(chain, deployment, name), usdc(deployment)
    seen = plan_deposit(session, vault, "1000", None, buyer.address)  # what the user saw
    assert seen.preview["expected_shares"] == "1000" and seen.min_shares == 995 * 10**6
    assert [w["code"] for w in seen.preview["warnings"]] == ["first_deposit"]  # empty: noted, not refused
    quote_id = store_deposit_quote(session, seen)
    front_run(chain, deployment, vault)
    before = balance_of(chain, token, buyer.address)

    # the GUI's path: the very plan it showed, checked right before sending
    with pytest.raises(QuoteMoved, match=r"the share price moved .* since the preview, past your 0.5% "
                                         r"tolerance: nothing sent; preview again"):
        execute_vault_plan(session, seen, buyer, AutoApprovePrompts())
    # re-planned from the moved state: flagged, refused unless accepted
    fresh = plan_deposit(session, vault, "1000", None, buyer.address)
    levels = {w["code"]: w["level"] for w in fresh.preview["warnings"]}
    assert levels == {"tiny_supply": "confirm", "share_price_jump": "confirm", "few_shares": "confirm"}
    assert int(Decimal(fresh.preview["expected_shares"]) * 10**6) < 10  # what the attack leaves
    with pytest.raises(SharePriceFlagged, match="share price needs your attention"):
        execute_vault_plan(session, fresh, buyer, AutoApprovePrompts())
    # held to the quote: refused, whatever was accepted
    with pytest.raises(QuoteMoved, match=rf"since quote {quote_id}, past your 0.5% tolerance: nothing sent; quote again"):
        bind_deposit_to_quote(session, fresh, quote_id)
    # a deposit with no minimum is never sent
    for unsafe in (dataclasses.replace(fresh, min_shares=0), dataclasses.replace(fresh, shares=0, min_shares=0)):
        with pytest.raises(SharePriceFlagged, match="are 0"):
            execute_vault_plan(session, unsafe, buyer, AutoApprovePrompts(), accept_share_price=True)
    assert balance_of(chain, token, buyer.address) == before and session.journal.entries() == []

    # what was at stake: the old behaviour (re-planned, its minimum from the moved state, sent)
    # goes to the attacker in part
    old_way = dataclasses.replace(fresh, min_shares=fresh.shares)
    done = execute_vault_plan(session, old_way, buyer, AutoApprovePrompts(), accept_share_price=True)
    assert done["status"] == "confirmed"
    shares = read_vault(session, vault, buyer.address).shares
    worth = view(chain, vault, "previewRedeem(uint256)", shares)
    lost_pct = Decimal(10**9 - worth) / Decimal(10**7)
    assert lost_pct > 3  # Solmate: 200 USDC (20%); OpenZeppelin without an offset: 40 USDC (4%)


def test_an_honest_quote_binds_and_deposits(session, chain, buyer, deployment):  # noqa: F811
    vault = deploy_vault(chain, deployment, "SolmateTestVault")
    quote_id = store_deposit_quote(session, plan_deposit(session, vault, "1000", None, buyer.address))
    bound = bind_deposit_to_quote(session, plan_deposit(session, vault, "1000", None, buyer.address), quote_id)
    assert bound.min_shares == 995 * 10**6 and bound.preview["quote_id"] == quote_id
    done = execute_vault_plan(session, bound, buyer, AutoApprovePrompts())
    assert done["status"] == "confirmed" and done["shares_received"] == "1000"
    # a quote binds its inputs: another amount (or vault, account, network) is refused
    other = plan_deposit(session, vault, "999", None, buyer.address)
    with pytest.raises(QuoteMismatch, match=r"amount units 999000000 \(quoted: 1000000000\)"):
        bind_deposit_to_quote(session, other, quote_id)
    with pytest.raises(QuoteMismatch, match="no quote 999999"):
        bind_deposit_to_quote(session, other, 999999)


def test_a_share_price_that_moved_between_preview_and_send_refuses_before_the_approval(
        session, chain, buyer, deployment):  # noqa: F811
    """A small move (0.6% > the 0.5% tolerance) on a vault with a real supply: the GUI's plan is
    refused right before its approval, nothing sent."""
    vault, token = deploy_vault(chain, deployment, "OzPlainTestVault"), usdc(deployment)
    first = plan_deposit(session, vault, "2000", None, buyer.address)
    assert execute_vault_plan(session, first, buyer, AutoApprovePrompts())["status"] == "confirmed"
    seen = plan_deposit(session, vault, "1000", None, buyer.address)
    assert seen.preview["warnings"] == []
    front_run(chain, deployment, vault, donation=12 * 10**6)  # +0.6% of the vault's 2,000 USDC
    before, sent = balance_of(chain, token, buyer.address), len(session.journal.entries())
    with pytest.raises(QuoteMoved, match=r"moved 0.6\d% since the preview.* past your 0.5% tolerance: nothing sent"):
        execute_vault_plan(session, seen, buyer, AutoApprovePrompts())
    assert balance_of(chain, token, buyer.address) == before and len(session.journal.entries()) == sent


@pytest.mark.parametrize("name", VAULTS)
def test_the_front_run_is_refused_through_the_cli(cli, deployment, name):
    chain, user = cli.chain, deployment["demo_account"]
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    vault, token = deploy_vault(chain, deployment, name), usdc(deployment)
    quote = out(cli("vault", "quote", vault, "--amount", "1000"))
    assert quote["expected_shares"] == "1000" and isinstance(quote["quote_id"], int)
    front_run(chain, deployment, vault)
    before = balance_of(chain, token, user)

    deposit = ("vault", "deposit", vault, "--amount", "1000", "--yes", "--password-stdin")
    plain = cli(*deposit, stdin=PASSWORD + "\n", check=False)
    assert plain.returncode != 0
    error = out(plain)["error"]
    assert "share price needs your attention" in error and "--accept-share-price" in error
    assert "less than one share" in error and "donation front-run" in error
    for extra in (["--quote", str(quote["quote_id"])], ["--quote", str(quote["quote_id"]), "--accept-share-price"]):
        bound = cli(*deposit, *extra, stdin=PASSWORD + "\n", check=False)
        assert bound.returncode != 0
        assert (f"since quote {quote['quote_id']}, past your 0.5% tolerance: nothing sent; quote again"
                in out(bound)["error"])
    assert balance_of(chain, token, user) == before and balance_of(chain, vault, user) == 0
    assert out(cli("activity"))["transactions"] == []
    assert balance_of(chain, token, vault) == DONATION + 1


def test_an_honest_cli_deposit_with_its_quote(cli, deployment):
    chain, user = cli.chain, deployment["demo_account"]
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    vault = deploy_vault(chain, deployment, "SolmateTestVault")
    quote = out(cli("vault", "quote", vault, "--amount", "1000", "--slippage", "1"))
    done = out(cli("vault", "deposit", vault, "--amount", "1000", "--quote", str(quote["quote_id"]), "--yes",
                   "--password-stdin", stdin=PASSWORD + "\n"))
    assert done["status"] == "confirmed" and done["shares_received"] == quote["expected_shares"] == "1000"
    assert done["min_shares"] == quote["min_shares"] == "990"  # the quote's 1% slippage, taken from it
    assert done["preview"]["quote_id"] == quote["quote_id"] and balance_of(chain, vault, user) == 10**9

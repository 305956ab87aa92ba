"""`basketry vault ...` as a user runs it: deposit 1,000 USDC, watch yield, withdraw everything."""

from __future__ import annotations

import json
from decimal import Decimal

from app.devnet.clock import advance_time

PASSWORD = "correct horse battery"


def out(result) -> dict:
    return json.loads(result.stdout)


def test_vault_round_trip_from_the_cli(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    vaults = out(cli("vault", "list"))["vaults"]
    assert all(set(v) >= {"name", "address", "asset", "apy"} for v in vaults) and len(vaults) >= 3
    quote = out(cli("vault", "quote", "dvUSDC", "--amount", "1000"))
    assert set(quote) >= {"vault", "asset", "amount", "expected_shares", "min_shares", "share_price",
                          "network_fee", "apy", "fees", "pnl_preview"}
    assert quote["asset"] == "USDC" and quote["amount"] == "1000"
    deposited = out(cli("vault", "deposit", "dvUSDC", "--amount", "1000", "--yes", "--password-stdin",
                        stdin=PASSWORD + "\n"))
    assert deposited["status"] == "confirmed" and deposited["shares_received"] == quote["expected_shares"]
    approve, deposit = deposited["signing_summaries"]
    assert approve["actions"][0]["amounts"]["amount"]["display"] == "1,000 USDC ($1,000.00)"
    assert deposit["actions"][0]["kind"] == "deposit" and deposit["to_name"].startswith("vault ")
    assert deposit["actions"][0]["amounts"]["assets"]["display"] == "1,000 USDC ($1,000.00)"
    assert {(c["direction"], c["amount"]["symbol"]) for c in deposit["balance_changes"]} == {("out", "USDC"), ("in", "dvUSDC")}
    assert int(deposited["preview"]["network_fee"]["max_wei"]) == sum(int(s["fee"]["total_wei"]) for s in (approve, deposit))
    advance_time(cli.chain, 10 * 86400)
    listed = {v["asset"]: v for v in out(cli("vault", "list"))["vaults"]}["USDC"]
    assert Decimal(listed["position"]["accrued_yield"]) > 0 and listed["apy"]["value_pct"] is not None
    withdrawn = out(cli("vault", "withdraw", "dvUSDC", "--all", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert withdrawn["status"] == "confirmed" and Decimal(withdrawn["realized_yield"]) > 0
    [redeem] = withdrawn["signing_summaries"]
    assert redeem["actions"][0]["kind"] == "redeem" and redeem["actions"][0]["amounts"]["shares"]["symbol"] == "dvUSDC"
    received = {c["amount"]["symbol"]: c for c in redeem["balance_changes"] if c["direction"] == "in"}
    assert Decimal(received["USDC"]["amount"]["units"]) > 1000
    kinds = [t["kind"] for t in out(cli("activity"))["transactions"]]
    assert kinds == ["vault_withdraw", "vault_deposit", "approve"]


def test_vault_errors(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    not_vault = cli("vault", "quote", "0x000000000000000000000000000000000000dEaD", "--amount", "1", check=False)
    assert not_vault.returncode != 0 and "not an ERC-4626 vault" in out(not_vault)["error"]
    too_much = cli("vault", "deposit", "dvUSDC", "--amount", "1000000", "--yes", "--password-stdin",
                   stdin=PASSWORD + "\n", check=False)
    assert too_much.returncode != 0 and "above the balance" in out(too_much)["error"]
    assert out(cli("activity"))["transactions"] == []


def test_withdraw_yield_follows_the_cost_basis_method(cli):
    """Two deposits at different share prices; a partial withdrawal is costed by the saved method
    (here LIFO: the newer, dearer lot), or by --method when given (FIFO: the older lot)."""
    from app.portfolio.method_setting import save_method
    from app.store import Store

    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    lots = []
    for _ in range(2):
        deposited = out(cli("vault", "deposit", "dvUSDC", "--amount", "1000", "--yes", "--password-stdin",
                            stdin=PASSWORD + "\n"))
        lots.append((Decimal(deposited["assets_paid"]), Decimal(deposited["shares_received"])))
        advance_time(cli.chain, 30 * 86400)
    (paid1, shares1), (paid2, shares2) = lots
    assert paid1 / shares1 < paid2 / shares2  # the second lot is dearer per share
    with Store.open(cli.home) as store:
        save_method(store, "lifo")

    def withdraw(*method: str) -> dict:
        return out(cli("vault", "withdraw", "dvUSDC", "--amount", "300", *method, "--yes", "--password-stdin",
                       stdin=PASSWORD + "\n"))

    unit = Decimal("0.000001")
    saved = withdraw()
    burnt = Decimal(saved["shares_burnt"])
    assert saved["cost_basis_method"] == "lifo"
    assert abs(Decimal(saved["cost_basis"]) - paid2 * burnt / shares2) <= unit
    assert Decimal(saved["realized_yield"]) == Decimal(saved["assets_received"]) - Decimal(saved["cost_basis"])
    chosen = withdraw("--method", "fifo")
    burnt = Decimal(chosen["shares_burnt"])
    assert chosen["cost_basis_method"] == "fifo"
    assert abs(Decimal(chosen["cost_basis"]) - paid1 * burnt / shares1) <= unit
    assert Decimal(chosen["realized_yield"]) > Decimal(saved["realized_yield"])  # the cheaper lot: more yield

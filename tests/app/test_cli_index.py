"""`basketry index ...` as a user runs it: the JSON contract of DESIGN.md, on the devnet."""

from __future__ import annotations

import json
from decimal import Decimal

PASSWORD = "correct horse battery"


def out(result) -> dict:
    return json.loads(result.stdout)


def test_index_list_and_show(cli):
    indices = out(cli("index", "list"))["indices"]
    names = {i["name"] for i in indices}
    assert {"Top 10", "Top 20", "DeFi", "BTC/ETH 60/40"} <= names
    assert all(set(i) >= {"name", "description", "constituents"} for i in indices)
    shown = out(cli("index", "show", "Top 10"))
    assert len(shown["constituents"]) == 10
    assert sum(Decimal(c["weight"]) for c in shown["constituents"]) == 1


def test_index_quote_fields(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    quote = out(cli("index", "quote", "Top 10", "--amount", "1", "--pay", "ETH", "--slippage", "0.5"))
    for leg in quote["legs"]:
        assert set(leg) >= {"symbol", "address", "weight", "amount_in", "expected_out", "min_out",
                            "fee_tier", "price_impact_bps", "skipped"}
    assert set(quote["network_fee"]) >= {"gas", "eth", "usd"}
    assert set(quote["platform_fee"]) >= {"bps", "usd"} and quote["slippage_bps"] == 50
    assert set(quote["pnl_preview"]) >= {"cost_usd", "expected_value_usd", "immediate_usd", "break_even_move_pct"}
    assert set(quote["vs_separate"]) >= {"one_tx_gas", "separate_txs_gas", "saved_gas", "saved_usd"}
    assert quote["simulation"]["ok"] and len(quote["simulation"]["amounts_out"]) == 10


def test_index_buy_with_eth_and_usdc_shows_realised_next_to_predicted(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    for amount, pay, transactions in (("1", "ETH", 1), ("500", "USDC", 2)):
        bought = out(cli("index", "buy", "Top 10", "--amount", amount, "--pay", pay, "--yes",
                         "--password-stdin", stdin=PASSWORD + "\n"))
        assert bought["status"] == "confirmed" and bought["tx_hash"].startswith("0x")
        assert "explorer_url" in bought and bought["explorer_url"] is None  # the demo has no explorer
        assert bought["gas_used"] > 0 and len(bought["legs"]) == 10
        for leg in bought["legs"]:
            assert set(leg) >= {"symbol", "received", "expected_out", "min_out", "realized_slippage_bps"}
            assert Decimal(leg["received"]) >= Decimal(leg["min_out"]) > 0
        listed = out(cli("activity"))["transactions"]
        kinds = [t["kind"] for t in listed]
        assert kinds.count("index_buy") >= 1 and (transactions == 1 or "approve" in kinds)
        assert all(t["explorer_url"] is None for t in listed)


def test_index_buy_json_carries_the_signing_summaries(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    run = cli("index", "buy", "BTC/ETH 60/40", "--amount", "500", "--pay", "USDC", "--yes",
              "--password-stdin", stdin=PASSWORD + "\n")
    bought = out(run)
    approve, swap = bought["signing_summaries"]
    # stderr: one JSON object per summary, the same as in the output
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    assert [line["signing_summary"] for line in lines] == [approve, swap]
    assert approve["actions"][0]["kind"] == "approve" and approve["to_name"] == "USDC token"
    assert approve["actions"][0]["parties"]["spender"]["name"] == "Uniswap SwapRouter02"
    assert approve["actions"][0]["amounts"]["amount"]["display"] == "500 USDC ($500.00)"
    assert swap["to_name"] == "Uniswap SwapRouter02" and swap["warnings"] == []
    assert [a["kind"] for a in swap["actions"]] == ["swap", "swap"]
    for action, leg in zip(swap["actions"], bought["legs"], strict=True):
        assert action["amounts"]["min_out"]["symbol"] == leg["symbol"]
        assert Decimal(action["amounts"]["min_out"]["units"]) == Decimal(leg["min_out"])
    changes = {(c["direction"], c["amount"]["symbol"]): c["amount"] for c in swap["balance_changes"]}
    assert changes[("out", "USDC")]["units"] == "500"
    for leg in bought["legs"]:  # what the simulation said arrives is what arrived
        assert Decimal(changes[("in", leg["symbol"])]["units"]) == Decimal(leg["received"])
    fee = swap["fee"]
    assert set(fee) >= {"display", "exact", "total_wei", "gas_wei", "usd"} and fee["display"].endswith(")")
    assert int(bought["preview"]["network_fee"]["max_wei"]) == int(approve["fee"]["total_wei"]) + int(fee["total_wei"])


def test_index_errors_are_one_line(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    result = cli("index", "quote", "Top 10", "--amount", "0", check=False)
    assert result.returncode != 0 and "above zero" in out(result)["error"]
    result = cli("index", "buy", "Nope", "--amount", "1", "--yes", "--password-stdin",
                 stdin=PASSWORD + "\n", check=False)
    assert result.returncode != 0 and "Nope" in out(result)["error"]
    assert out(cli("activity"))["transactions"] == []


def test_rebalance_and_exit_from_the_cli(cli):
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    cli("index", "buy", "BTC/ETH 60/40", "--amount", "1", "--yes", "--password-stdin", stdin=PASSWORD + "\n")
    nothing = cli("index", "rebalance", "BTC/ETH 60/40", check=False)
    assert nothing.returncode != 0 and "nothing to rebalance" in out(nothing)["error"]
    preview = out(cli("index", "exit", "BTC/ETH 60/40"))
    assert preview["kind"] == "exit" and len(preview["legs"]) == 2 and preview["simulation"]["ok"]
    done = out(cli("index", "exit", "BTC/ETH 60/40", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert done["status"] == "confirmed" and done["legs"][0]["symbol"] == "USDC"
    assert Decimal(done["legs"][0]["received"]) >= Decimal(done["legs"][0]["min_out"])
    kinds = [t["kind"] for t in out(cli("activity"))["transactions"]]
    assert kinds.count("exit") == 1 and kinds.count("approve") == 2


def test_a_large_quote_splits_legs_and_no_split_turns_it_off(cli):
    import os
    import subprocess
    import sys

    address = out(cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n"))["address"]
    cli.chain.rpc("anvil_setBalance", [address, hex(1_100 * 10**18)])
    split = out(cli("index", "quote", "Top 10", "--amount", "1000"))
    link = next(leg for leg in split["legs"] if leg["symbol"] == "LINK")
    assert link["route"].startswith("split: ") and len(link["parts"]) >= 2
    assert sum(Decimal(p["amount_in"]) for p in link["parts"]) == Decimal(link["amount_in"])
    single = out(cli("index", "quote", "Top 10", "--amount", "1000", "--no-split"))
    assert all(len(leg["parts"]) <= 1 and not (leg["route"] or "").startswith("split") for leg in single["legs"])
    assert Decimal(split["pnl_preview"]["expected_value_usd"]) > Decimal(single["pnl_preview"]["expected_value_usd"])
    # the text output lists each part of a split leg under it
    text = subprocess.run([sys.executable, "-m", "app.cli.main", "--home", str(cli.home), "--rpc",
                           cli.chain.rpc_url, "index", "quote", "Top 10", "--amount", "1000"],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ)).stdout
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("LINK"))
    assert "split: " in lines[at]
    for part, line in zip(link["parts"], lines[at + 1:at + 1 + len(link["parts"])], strict=True):
        assert line.split()[0] == part["share_pct"] + "%" and part["route"] in line


def test_a_buy_held_to_its_quote(cli):
    """`index quote` stores its preview (quote_id); `index buy --quote` refuses other inputs and a
    quote whose minimums a moved price no longer meets, and buys when nothing moved."""
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    basket = ("index", "buy", "BTC/ETH 60/40", "--pay", "ETH", "--yes", "--password-stdin")
    quote = out(cli("index", "quote", "BTC/ETH 60/40", "--amount", "1", "--pay", "ETH"))
    other = cli(*basket, "--amount", "2", "--quote", str(quote["quote_id"]), stdin=PASSWORD + "\n", check=False)
    assert other.returncode != 0 and "amount in 2 (quoted: 1)" in out(other)["error"]
    honest = out(cli(*basket, "--amount", "1", "--quote", str(quote["quote_id"]), stdin=PASSWORD + "\n"))
    assert honest["status"] == "confirmed"
    # someone else's big buy moves WBTC's price: the quote's minimums no longer hold
    quote = out(cli("index", "quote", "BTC/ETH 60/40", "--amount", "1", "--pay", "ETH"))
    cli(*basket, "--amount", "50", stdin=PASSWORD + "\n")
    sent = len(out(cli("activity"))["transactions"])
    moved = cli(*basket, "--amount", "1", "--quote", str(quote["quote_id"]), stdin=PASSWORD + "\n", check=False)
    assert moved.returncode != 0
    assert f"since quote {quote['quote_id']}" in out(moved)["error"] and "nothing sent; quote again" in out(moved)["error"]
    assert "WBTC" in out(moved)["error"] and len(out(cli("activity"))["transactions"]) == sent


def test_rebalance_spends_weth_held_above_its_weight(cli, deployment):
    """BTC/ETH 60/40 with WETH overweight (so WBTC underweight): the WETH itself pays for the
    WBTC; the basket is back within the band afterwards."""
    address = out(cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n"))["address"]
    cli("index", "buy", "BTC/ETH 60/40", "--amount", "1", "--yes", "--password-stdin", stdin=PASSWORD + "\n")
    chain = cli.chain
    chain.rpc("anvil_impersonateAccount", [address])  # the account wraps 0.5 ETH more
    chain.wait_for_receipt(chain.send_transaction({"from": address, "to": deployment["contracts"]["weth"],
                                                   "value": 5 * 10**17, "gas": 100_000, "data": "0xd0e30db0"}))
    chain.rpc("anvil_stopImpersonatingAccount", [address])
    preview = out(cli("index", "rebalance", "BTC/ETH 60/40"))
    drift = {d["symbol"]: d for d in preview["drift"]}
    assert drift["WETH"]["action"] == "sell" and drift["WBTC"]["action"] == "buy"
    assert [(leg["sell"], leg["buy"]) for leg in preview["legs"]] == [("WETH", "WBTC")]
    assert preview["simulation"]["ok"]
    done = out(cli("index", "rebalance", "BTC/ETH 60/40", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert done["status"] == "confirmed"
    again = cli("index", "rebalance", "BTC/ETH 60/40", check=False)
    assert again.returncode != 0 and "nothing to rebalance" in out(again)["error"]

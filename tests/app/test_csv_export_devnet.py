"""The Koinly CSV from a real devnet history through the CLI: an ETH-paid index buy, then 1 ETH
sent to the user's second account; `export csv` as one file and `--per-account`."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

PASSWORD = "correct horse battery"
SAVINGS = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"   # anvil's account 5, watched as "savings"


def out(result) -> dict:
    return json.loads(result.stdout)


def records(path) -> list[dict]:
    return list(csv.DictReader(path.open(newline="")))


@pytest.fixture
def history(cli):
    """demo buys 'BTC/ETH 60/40' for 0.1 ETH, then sends 1 ETH to its own 'savings' account."""
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    cli("wallet", "watch", "savings", SAVINGS)
    cli("wallet", "use", "demo")
    buy = out(cli("index", "buy", "BTC/ETH 60/40", "--amount", "0.1", "--yes", "--password-stdin",
                  stdin=PASSWORD + "\n"))
    sent = out(cli("send", SAVINGS, "1", "--yes", "--password-stdin", stdin=PASSWORD + "\n"))
    assert (buy["status"], sent["status"]) == ("confirmed", "confirmed")
    cli("portfolio")
    return buy, sent


def test_per_account_files_show_an_own_account_move_as_a_transfer_pair(cli, history, tmp_path):
    buy, sent = history
    whole = tmp_path / "all.csv"
    out(cli("export", "csv", str(whole)))
    assert not [r for r in records(whole) if r["TxHash"] == sent["tx_hash"] and r["Label"] != "cost"]

    base = tmp_path / "koinly.csv"
    result = out(cli("export", "csv", str(base), "--per-account"))
    files = {f["name"]: f for f in result["files"]}
    assert set(files) == {"demo", "savings"}
    assert files["demo"]["path"] == str(tmp_path / "koinly-demo.csv")
    assert files["savings"]["path"] == str(tmp_path / "koinly-savings.csv")
    assert not base.exists()
    demo, savings = records(tmp_path / "koinly-demo.csv"), records(tmp_path / "koinly-savings.csv")
    assert result["rows"] == len(demo) + len(savings) == files["demo"]["rows"] + files["savings"]["rows"]
    [withdrawal] = [r for r in demo if r["TxHash"] == sent["tx_hash"] and r["Label"] == ""]
    [deposit] = [r for r in savings if r["TxHash"] == sent["tx_hash"]]
    assert (withdrawal["Sent Amount"], withdrawal["Sent Currency"], withdrawal["Received Currency"]) == ("1", "ETH", "")
    assert (deposit["Received Amount"], deposit["Received Currency"], deposit["Sent Currency"]) == ("1", "ETH", "")
    assert withdrawal["Date"] == deposit["Date"] and withdrawal["Net Worth Amount"] == deposit["Net Worth Amount"]
    # the move's gas stays a cost in the sender's file; the receiver's file has only its own rows
    assert [r["Label"] for r in demo if r["TxHash"] == sent["tx_hash"]] == ["", "cost"]
    assert {r["TxHash"] for r in savings} == {"", sent["tx_hash"]}       # its opening balance and the move
    # every row of the one-file export is in exactly one account's file, plus the move's two rows
    assert len(demo) + len(savings) == len(records(whole)) + 2

    again = cli("export", "csv", str(base), "--per-account", check=False)
    assert again.returncode != 0 and "koinly-demo.csv already exists" in out(again)["error"]
    assert out(cli("export", "csv", str(base), "--per-account", "--force"))["rows"] == result["rows"]


def test_an_eth_paid_buy_pairs_the_eth_the_router_wrapped_with_the_weth(cli, history, tmp_path):
    buy, _sent = history
    path = tmp_path / "koinly.csv"
    cli("export", "csv", str(path))
    rows = {r["Received Currency"]: r for r in records(path) if r["TxHash"] == buy["tx_hash"]}
    legs = {leg["symbol"]: Decimal(leg["received"]) for leg in buy["legs"]}
    assert set(rows) == set(legs) == {"WETH", "WBTC"}
    weth = rows["WETH"]
    assert (weth["Sent Currency"], Decimal(weth["Sent Amount"]), Decimal(weth["Received Amount"])) == \
        ("ETH", legs["WETH"], legs["WETH"])
    assert rows["WBTC"]["Sent Currency"] == "ETH" and Decimal(rows["WBTC"]["Received Amount"]) == legs["WBTC"]
    assert sum(Decimal(r["Sent Amount"]) for r in rows.values()) == Decimal("0.1")   # all the ETH paid


def test_a_second_token_called_usdc_is_written_by_contract_address(cli, history, tmp_path):
    """A fake "USDC" (another contract, same symbol), added as a known token and sent to demo:
    both USDCs in the file are their contract addresses, every other currency its symbol."""
    from app.devnet import artifacts
    from app.devnet.deploy import _Deployer
    from app.networks import get_network
    from app.portfolio.view import chain_key_offline
    from app.store import Store
    from app.tokens import added

    chain = cli.chain
    fake = _Deployer(chain).deploy(artifacts.demo_contracts()["DemoToken"], "Fake USD Coin", "USDC", 6, 10**12)
    with Store.open(cli.home) as store:
        key = chain_key_offline(store, get_network("demo"))
        added.save(store, key.chain_id, key.genesis_hash, added.read_erc20(chain, fake))
        real = store.db.execute("SELECT address FROM tokens WHERE symbol = 'USDC' AND chain_id = ?",
                                [key.chain_id]).fetchone()[0]
    demo = out(cli("wallet", "list"))["accounts"][0]["address"]
    token = chain.contract(fake, artifacts.demo_contracts()["DemoToken"].abi)
    deployer = _Deployer(chain).address
    chain.wait_for_receipt(chain.send_transaction({"from": deployer, "to": fake, "gas": 100_000,
                                                   "data": token.encode_abi("transfer", [demo, 5 * 10**6])}))
    cli("portfolio")
    path = tmp_path / "koinly.csv"
    cli("export", "csv", str(path))
    rows = records(path)
    currencies = {r[c] for r in rows for c in ("Sent Currency", "Received Currency", "Fee Currency")} - {""}
    assert "USDC" not in currencies and {real, fake} <= currencies
    assert {"ETH", "WETH", "WBTC"} <= currencies
    [received] = [r for r in rows if r["Received Currency"] == fake]
    assert Decimal(received["Received Amount"]) == 5
    assert [r["Received Amount"] for r in rows if r["Received Currency"] == real] == ["100000"]   # demo's funding

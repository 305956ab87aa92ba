"""Activity: predicted-vs-realised rows from hand-made preview JSON (pure), the journal merged
with discovered transactions from a real SQLite store, and the whole path on the devnet
(index buy -> history read -> `activity --json` and `export csv`)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

from app.portfolio.activity import load_activity
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.comparison import ComparisonRow, compare
from app.store import Store
from app.tx.journal import ChainKey, Journal

PASSWORD = "correct horse battery"
KEY = ChainKey(31337, "0x" + "aa" * 32)
ME, FRIEND, ROUTER = "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20
USDC, WBTC = "0x" + "01" * 20, "0x" + "02" * 20


# --- comparison helpers (pure) -------------------------------------------------------------------
INDEX_PREVIEW = {"slippage_bps": 50, "network_fee": {"gas": 400_000, "approval_gas": 46_000, "usd": "1.20"},
                 "legs": [{"symbol": "WBTC", "expected_out": "0.01", "min_out": "0.00995"}]}
INDEX_REALISED = {"status": "confirmed", "gas_used": 350_000, "gas_estimate": 420_000, "total_gas_used": 396_000,
                  "network_fee_usd": "1.19",
                  "legs": [{"symbol": "WBTC", "expected_out": "0.01", "received": "0.0099",
                            "min_out": "0.00995", "realized_slippage_bps": "100.00"},
                           {"symbol": "UNI", "expected_out": "12", "received": "12.5", "min_out": "11.94",
                            "realized_slippage_bps": "-416.67"}]}


def test_index_buy_rows():
    rows = compare("index_buy", INDEX_PREVIEW, INDEX_REALISED)
    assert rows == [
        ComparisonRow("WBTC received", "WBTC", "0.01", "0.0099", "-0.0001", "minimum 0.00995"),
        ComparisonRow("WBTC slippage", "bps", "50", "100.00", None,
                      "predicted: the tolerance (the most the minimum allows)"),
        ComparisonRow("UNI received", "UNI", "12", "12.5", "0.5", "minimum 11.94"),
        ComparisonRow("UNI slippage", "bps", "50", "-416.67", None,
                      "predicted: the tolerance (the most the minimum allows)"),
        ComparisonRow("gas", "gas", "400000", "396000", "-4000", "eth_estimateGas limit 420000"),
        ComparisonRow("network fee", "USD", "1.20", "1.19", "-0.01", "valued at the preview's ETH price")]


def test_vault_rows():
    preview = {"asset": "USDC", "amount": "100", "expected_shares": "95.5", "min_shares": "95.0225",
               "network_fee": {"gas": 150_000, "approval_gas": 46_000}}
    deposit = compare("vault_deposit", preview, {"gas_used": 98_000, "shares_received": "95.5",
                                                  "assets_paid": "100", "expected_shares": "95.5"})
    assert [(r.what, r.unit, r.predicted, r.realised, r.difference) for r in deposit] == [
        ("shares received", "shares", "95.5", "95.5", "0.0"),
        ("assets paid", "USDC", "100", "100", "0"),
        ("deposit gas", "gas", "104000", "98000", "-6000")]
    withdraw = compare("vault_withdraw", {**preview, "network_fee": {"gas": 80_000, "approval_gas": 0}},
                       {"gas_used": 70_000, "shares_burnt": "95.5", "assets_received": "100.02", "asset": "USDC"})
    assert [(r.what, r.predicted, r.realised, r.difference) for r in withdraw] == [
        ("assets received", "100", "100.02", "0.02"), ("shares burnt", "95.5", "95.5", "0.0"),
        ("withdraw gas", "80000", "70000", "-10000")]


def test_rebalance_rows_and_missing_figures():
    rows = compare("exit", {"slippage_bps": 30, "network_fee": {"gas": 300_000, "approval_gas": 92_000}},
                   {"gas_used": 200_000, "approvals": 2,
                    "legs": [{"symbol": "USDC", "expected_out": "99.5", "received": "99.4", "min_out": "99.2"}]})
    assert [(r.what, r.predicted, r.realised, r.difference) for r in rows] == [
        ("USDC received", "99.5", "99.4", "-0.1"), ("swap gas", "208000", "200000", "-8000")]
    assert rows[-1].note == "2 approval(s) sent before it"
    assert compare("index_buy", INDEX_PREVIEW, None) == []   # not realised (yet): nothing to compare
    half = compare("vault_deposit", {"amount": "1"}, {"status": "failed", "gas_used": 30_000})
    assert half[0] == ComparisonRow("shares received", "shares", None, None, None, None)
    assert half[2].realised == "30000" and half[2].predicted is None and half[2].difference is None


# --- load_activity on a real store -----------------------------------------------------------------
def _chain_tx(store, tx_hash, block, timestamp, sender, to, value=0, gas_used=21_000, price=10**9, success=1):
    store.db.execute("INSERT INTO chain_txs VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                     [KEY.chain_id, KEY.genesis_hash, tx_hash, block, timestamp, sender, to, str(value),
                      str(gas_used), str(price), success])


def _transfer(store, tx_hash, index, token, sender, receiver, amount, block):
    store.db.execute("INSERT INTO transfers (chain_id, genesis_hash, tx_hash, log_index, token_address,"
                     " from_address, to_address, amount, block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [KEY.chain_id, KEY.genesis_hash, tx_hash, index, token, sender, receiver, str(amount), block])


def test_journal_and_discovered_transactions_newest_first(tmp_path):
    bought, received, spam, pending = ("0x" + c * 64 for c in "abcd")
    with Store.open(tmp_path / "home") as store:
        for address, symbol, decimals, kind in ((USDC, "USDC", 6, "token"), (WBTC, "WBTC", 8, "token"),
                                                (NATIVE_ADDRESS, "ETH", 18, "native")):
            store.db.execute("INSERT INTO tokens (chain_id, genesis_hash, address, symbol, decimals, kind)"
                             " VALUES (?, ?, ?, ?, ?, ?)", [*KEY.__dict__.values(), address, symbol, decimals, kind])
        journal = Journal(store, KEY)
        buy = journal.record_signed(ME, "index_buy", 0, bought, {"to": ROUTER, "value": 0}, "0x00",
                                    summary={"to": ROUTER, "method": "execute"})
        journal.set_status(buy, "confirmed", receipt={"gasUsed": 300_000, "effectiveGasPrice": 2 * 10**9,
                                                      "blockNumber": 5})
        store.db.execute("INSERT INTO previews (chain_id, genesis_hash, kind, created_at, block, preview_json,"
                         " transaction_id, realized_json) VALUES (?, ?, 'index_buy', 0, 4, ?, ?, ?)",
                         [*KEY.__dict__.values(), json.dumps(INDEX_PREVIEW), buy, json.dumps(INDEX_REALISED)])
        journal.record_signed(ME, "send", 1, pending, {"to": FRIEND, "value": 1}, "0x00")
        _chain_tx(store, bought, 5, 1_000, ME, ROUTER, gas_used=300_000, price=2 * 10**9)
        _transfer(store, bought, 0, USDC, ME, ROUTER, 100_000_000, 5)
        _transfer(store, bought, 1, WBTC, ROUTER, ME, 99_000, 5)
        _chain_tx(store, received, 7, 2_000, FRIEND, ME, value=10**18)        # ETH from a friend
        _transfer(store, received, 0, USDC, FRIEND, ME, 5_000_000, 7)         # and USDC, same tx
        _chain_tx(store, spam, 6, 1_500, FRIEND, "0x" + "44" * 20)              # unknown token to me
        _transfer(store, spam, 0, "0x" + "99" * 20, FRIEND, ME, 7, 6)
        _chain_tx(store, "0x" + "ee" * 32, 8, 3_000, FRIEND, ROUTER)            # not mine at all
        items = load_activity(store, KEY, [ME])
        assert load_activity(store, KEY, [ME], limit=2) == items[:2]
    by_hash = {i.hash: i for i in items}
    assert set(by_hash) == {bought, received, spam, pending}
    # newest first: the pending send has no block (journal time: now), then by block time
    assert [i.hash for i in items] == [pending, received, spam, bought]
    buy_item = by_hash[bought]
    assert (buy_item.source, buy_item.kind, buy_item.status, buy_item.time, buy_item.nonce) == \
        ("app", "index_buy", "confirmed", 1_000, 0)
    assert buy_item.fee == Decimal("0.0006") and buy_item.gas_used == 300_000
    assert [(m.direction, m.symbol, m.amount) for m in buy_item.movements] == [
        ("out", "USDC", Decimal("100")), ("in", "WBTC", Decimal("0.00099"))]
    assert buy_item.comparison == compare("index_buy", INDEX_PREVIEW, INDEX_REALISED)
    got = by_hash[received]
    assert (got.source, got.kind, got.status, got.fee, got.nonce) == ("external", "external", "confirmed", None, None)
    assert [(m.direction, m.symbol, m.amount, m.counterparty) for m in got.movements] == [
        ("in", "USDC", Decimal("5"), FRIEND), ("in", "ETH", Decimal("1"), FRIEND)]
    assert [(m.symbol, m.amount) for m in by_hash[spam].movements] == [(None, Decimal(7))]   # base units
    assert by_hash[pending].movements == [] and by_hash[pending].comparison == []


# --- end to end on the devnet ---------------------------------------------------------------------
def out(result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture
def bought(cli):
    """A home whose demo account bought 'BTC/ETH 60/40' with USDC, history read (`portfolio`)."""
    cli("wallet", "demo", "--password-stdin", stdin=PASSWORD + "\n")
    buy = out(cli("index", "buy", "BTC/ETH 60/40", "--amount", "300", "--pay", "USDC", "--yes",
                  "--password-stdin", stdin=PASSWORD + "\n"))
    assert buy["status"] == "confirmed"
    cli("portfolio")
    return buy


def test_activity_shows_the_buy_with_its_comparison_and_export_writes_it(cli, bought, tmp_path):
    listed = out(cli("activity"))
    assert listed["offline"] is False
    trades = [t for t in listed["transactions"] if t["hash"] == bought["tx_hash"]]
    assert len(trades) == 1
    trade = trades[0]
    assert (trade["kind"], trade["status"], trade["source"]) == ("index_buy", "confirmed", "app")
    assert trade["time"] > 0 and Decimal(trade["fee"]) > 0 and trade["gas_used"] > 0
    kinds = [t["kind"] for t in listed["transactions"]]
    assert "approve" in kinds and set(t["source"] for t in listed["transactions"]) <= {"app", "external"}

    with Store.open(cli.home) as store:
        preview_json, realised_json = (json.loads(v) for v in store.db.execute(
            "SELECT preview_json, realized_json FROM previews WHERE kind = 'index_buy'").fetchone())
    rows = {r["what"]: r for r in trade["comparison"]}
    for leg in realised_json["legs"]:
        row = rows[f"{leg['symbol']} received"]
        assert (row["predicted"], row["realised"]) == (leg["expected_out"], leg["received"])
        assert Decimal(row["difference"]) == Decimal(leg["received"]) - Decimal(leg["expected_out"])
        assert rows[f"{leg['symbol']} slippage"]["realised"] == leg["realized_slippage_bps"]
        assert leg["expected_out"] == next(p["expected_out"] for p in preview_json["legs"]
                                           if p["symbol"] == leg["symbol"])
    assert rows["gas"]["predicted"] == str(preview_json["network_fee"]["gas"])
    assert rows["gas"]["realised"] == str(realised_json["total_gas_used"])
    assert (rows["network fee"]["predicted"], rows["network fee"]["realised"]) == \
        (preview_json["network_fee"]["usd"], realised_json["network_fee_usd"])
    # what moved: USDC out, the basket's tokens in
    moved = {(m["direction"], m["symbol"]) for m in trade["movements"]}
    assert ("out", "USDC") in moved and {("in", leg["symbol"]) for leg in bought["legs"]} <= moved

    offline = out(cli("activity", "--offline", "--limit", "3"))
    assert offline["offline"] is True and len(offline["transactions"]) <= 3
    assert bought["tx_hash"] in [t["hash"] for t in offline["transactions"]]

    path = tmp_path / "koinly.csv"
    exported = out(cli("export", "csv", str(path)))
    assert exported["format"] == "koinly-universal" and exported["path"] == str(path)
    records = list(csv.DictReader(path.open(newline="")))
    assert exported["rows"] == len(records)
    buy_rows = [r for r in records if r["TxHash"].lower() == bought["tx_hash"].lower()]
    assert sorted(r["Received Currency"] for r in buy_rows) == sorted(leg["symbol"] for leg in bought["legs"])
    assert {r["Sent Currency"] for r in buy_rows} == {"USDC"}
    assert sum(Decimal(r["Sent Amount"]) for r in buy_rows) == Decimal("300")   # platform fee included
    # the gas split over the buy's rows by value, summing exactly to what the transaction paid
    assert all(r["Fee Amount"] and r["Fee Currency"] == "ETH" for r in buy_rows)
    assert sum(Decimal(r["Fee Amount"]) for r in buy_rows) == Decimal(trade["fee"])
    for leg in bought["legs"]:
        assert next(Decimal(r["Received Amount"]) for r in buy_rows
                    if r["Received Currency"] == leg["symbol"]) == Decimal(leg["received"])

    again = cli("export", "csv", str(path), check=False)
    assert again.returncode != 0 and "already exists" in out(again)["error"]
    before = path.read_text()
    assert out(cli("export", "csv", str(path), "--force"))["rows"] == exported["rows"]
    assert path.read_text() == before
    missing = cli("export", "csv", str(tmp_path / "nope" / "x.csv"), check=False)
    assert missing.returncode != 0 and "does not exist" in out(missing)["error"]


def test_activity_falls_back_to_the_store_when_the_rpc_is_down(cli, bought):
    down = cli("--rpc", "http://127.0.0.1:9", "activity", check=False)
    assert down.returncode == 0, down.stderr
    listed = out(down)
    assert listed["offline"] is True and "offline" in listed["offline_reason"]
    assert bought["tx_hash"] in [t["hash"] for t in listed["transactions"]]


def test_export_with_nothing_stored_is_one_clear_error(cli, tmp_path):
    result = cli("export", "csv", str(tmp_path / "x.csv"), check=False)
    assert result.returncode != 0 and "nothing stored" in out(result)["error"]
    assert not (tmp_path / "x.csv").exists()

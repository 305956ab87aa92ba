"""The Koinly universal CSV: rows from ledger events (pure, hand-computed), the text, and the
atomic file write (real files)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from app.errors import InvalidInput
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.csv_export import (
    COLUMNS,
    ExportFailed,
    LedgerRow,
    export_csv,
    koinly_rows,
    render_csv,
    write_atomically,
)
from app.store import Store
from app.tx.journal import ChainKey

T = 1_700_000_000            # 2023-11-14 22:13:20 UTC
ME, OTHER = "0x" + "11" * 20, "0x" + "22" * 20
TX = "0x" + "ab" * 32
TOKENS = {"USDC": ("0x" + "01" * 20, 6), "WBTC": ("0x" + "02" * 20, 8), "WETH": ("0x" + "03" * 20, 18),
          "UNI": ("0x" + "04" * 20, 18), "ETH": (NATIVE_ADDRESS, 18)}


def event(symbol: str, kind: str, quantity: int, value: str, label: str = "trade", *, seq: int = 0,
          tx: str | None = TX, fee: str = "0", time: int = T, account: str = ME,
          source: str = "pool mid at 1") -> LedgerRow:
    address, decimals = TOKENS[symbol]
    return LedgerRow(tx, seq, time, account, address, symbol, decimals, kind, quantity, Decimal(value),
                     Decimal(fee), label, source)


def gas(wei: int, value: str = "1.000000", label: str = "gas", seq: int = 9) -> LedgerRow:
    return event("ETH", "disposal", wei, value, label, seq=seq)


def index_buy(values=("50", "30", "20")) -> list[LedgerRow]:
    """100 USDC into WBTC, WETH and UNI (worth 50, 30 and 20 USD), gas 0.000021 ETH."""
    return [event("USDC", "disposal", 100_000_000, "100", seq=0),
            event("WBTC", "acquisition", 100_000, values[0], seq=1, fee="0.5"),
            event("WETH", "acquisition", 10**16, values[1], seq=2, fee="0.3"),
            event("UNI", "acquisition", 2 * 10**18, values[2], seq=3, fee="0.2"),
            gas(21_000 * 10**9)]


def test_a_usdc_index_buy_is_one_row_per_token_bought_sharing_the_hash():
    rows = koinly_rows(index_buy(), {TX.upper(): "index_buy"})
    assert [(r.sent, r.received) for r in rows] == [
        ((Decimal("50"), "USDC"), (Decimal("0.001"), "WBTC")),
        ((Decimal("30"), "USDC"), (Decimal("0.01"), "WETH")),
        ((Decimal("20"), "USDC"), (Decimal("2"), "UNI"))]
    assert sum(r.sent[0] for r in rows) == Decimal(100)             # exactly the USDC paid
    # the gas split over the rows by value (50/30/20), as the ledger spreads it over the lots
    assert [r.fee for r in rows] == [(Decimal("0.0000105"), "ETH"), (Decimal("0.0000063"), "ETH"),
                                     (Decimal("0.0000042"), "ETH")]
    assert [r.net_worth_usd for r in rows] == [Decimal("50"), Decimal("30"), Decimal("20")]
    assert {r.tx_hash for r in rows} == {TX} and all(r.label == "" for r in rows)
    assert rows[0].description == "Basketry index_buy: trade"


def test_a_split_that_does_not_divide_keeps_the_sum_exact():
    rows = koinly_rows(index_buy(values=("10", "10", "10")))
    assert [r.sent[0] for r in rows] == [Decimal("33.333333"), Decimal("33.333333"), Decimal("33.333334")]
    assert sum(r.sent[0] for r in rows) == Decimal(100)


def test_several_assets_into_one_and_several_into_several():
    exit_rows = koinly_rows([event("WBTC", "disposal", 100_000, "60", seq=0),
                             event("WETH", "disposal", 10**16, "40", seq=1),
                             event("USDC", "acquisition", 100_000_000, "100", seq=2)])
    assert [(r.sent, r.received) for r in exit_rows] == [
        ((Decimal("0.001"), "WBTC"), (Decimal("60"), "USDC")),
        ((Decimal("0.01"), "WETH"), (Decimal("40"), "USDC"))]
    # A and B worth 50 each into C (30) and D (70): cut at 0.3 and 0.5 of the value
    rebalance = koinly_rows([event("WBTC", "disposal", 1_000_000, "50", seq=0),
                             event("WETH", "disposal", 10**18, "50", seq=1),
                             event("UNI", "acquisition", 3 * 10**18, "30", seq=2),
                             event("USDC", "acquisition", 70_000_000, "70", seq=3)])
    assert [(r.sent, r.received) for r in rebalance] == [
        ((Decimal("0.006"), "WBTC"), (Decimal("3"), "UNI")),
        ((Decimal("0.004"), "WBTC"), (Decimal("20"), "USDC")),
        ((Decimal("1"), "WETH"), (Decimal("50"), "USDC"))]
    assert [r.net_worth_usd for r in rebalance] == [Decimal("30"), Decimal("20"), Decimal("50")]


def test_unpriced_sides_split_equally_and_have_no_net_worth():
    rows = koinly_rows([event("USDC", "disposal", 3, "0", seq=0, source="no price: valued at 0"),
                        event("WBTC", "acquisition", 5, "0", seq=1, source="no price: valued at 0"),
                        event("UNI", "acquisition", 7, "0", seq=2, source="no price: valued at 0")])
    assert [r.sent[0] for r in rows] == [Decimal("0.000001"), Decimal("0.000002")]
    assert [r.net_worth_usd for r in rows] == [None, None]


def test_receives_sends_fees_and_balances():
    tx2, tx3, tx4 = "0x" + "cd" * 32, "0x" + "ef" * 32, "0x" + "12" * 32
    events = [
        event("USDC", "acquisition", 5_000_000, "5", "receive", tx=tx2, time=T + 10),
        event("WETH", "disposal", 10**17, "300", "send", tx=tx3, time=T + 20, seq=0, fee="0.42"),
        event("ETH", "disposal", 42 * 10**12, "0.42", "gas", tx=tx3, time=T + 20, seq=1),
        event("ETH", "disposal", 10**13, "0.1", "fee", tx=tx4, time=T + 30),
        event("ETH", "disposal", 2 * 10**13, "0.2", "failed", tx=tx4, time=T + 40, seq=0),
        event("WBTC", "acquisition", 50_000, "30", "opening", tx=None, time=T - 1,
              source="balance held before the history begins (cost: market value then); pool mid"),
        event("UNI", "disposal", 10**18, "6", "adjustment", tx=None, time=T + 50),
    ]
    rows = koinly_rows(events)
    assert [(r.time, r.sent, r.received, r.fee, r.label) for r in rows] == [
        (T - 1, None, (Decimal("0.0005"), "WBTC"), None, ""),
        (T + 10, None, (Decimal("5"), "USDC"), None, ""),                      # deposit: no fee
        (T + 20, (Decimal("0.1"), "WETH"), None, (Decimal("0.000042"), "ETH"), ""),
        (T + 30, (Decimal("0.00001"), "ETH"), None, None, "cost"),
        (T + 40, (Decimal("0.00002"), "ETH"), None, None, "cost"),
        (T + 50, (Decimal("1"), "UNI"), None, None, "")]
    assert rows[0].description.startswith("Opening balance") and rows[0].tx_hash == ""
    assert rows[-1].description.startswith("Balance adjustment: less")
    assert "failed" in rows[4].description and "approval" in rows[3].description


def test_a_fee_paid_for_a_transaction_that_only_brought_assets_in_is_its_own_cost_row():
    rows = koinly_rows([event("USDC", "acquisition", 1_000_000, "1", "receive", seq=0),
                        gas(10**13, "0.1", seq=1)])
    assert [(r.sent, r.received, r.fee, r.label) for r in rows] == [
        (None, (Decimal("1"), "USDC"), None, ""),
        ((Decimal("0.00001"), "ETH"), None, None, "cost")]


def test_render_has_koinly_columns_utc_dates_and_exact_amounts():
    text = render_csv(koinly_rows(index_buy()))
    assert text.splitlines()[0] == ("Date,Sent Amount,Sent Currency,Received Amount,Received Currency,"
                                    "Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,"
                                    "Description,TxHash")
    records = list(csv.DictReader(io.StringIO(text)))
    assert tuple(records[0]) == COLUMNS and len(records) == 3
    assert records[0]["Date"] == "2023-11-14 22:13:20 UTC"
    assert (records[0]["Sent Amount"], records[0]["Received Amount"], records[0]["Fee Amount"]) == \
        ("50", "0.001", "0.0000105")
    assert (records[2]["Received Amount"], records[2]["Net Worth Amount"], records[2]["Net Worth Currency"]) == \
        ("2", "20.00", "USD")
    assert "e" not in "".join(r["Fee Amount"] + r["Sent Amount"] for r in records).lower()


def test_write_atomically_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "out.csv"
    write_atomically(path, "a\n")
    with pytest.raises(InvalidInput, match="already exists"):
        write_atomically(path, "b\n")
    assert path.read_text() == "a\n"
    write_atomically(path, "b\n", overwrite=True)
    assert path.read_text() == "b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]      # no temporary left


def test_write_atomically_errors_leave_nothing(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidInput, match="does not exist"):
        write_atomically(tmp_path / "file" / "out.csv", "a\n")
    with pytest.raises(InvalidInput, match="is a folder"):
        write_atomically(tmp_path, "a\n")
    with pytest.raises(ExportFailed, match="cannot write"):
        write_atomically(Path("/proc/basketry-test.csv"), "a\n")   # a folder no one can write in
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_export_csv_from_a_real_store(tmp_path):
    key = ChainKey(31337, "0x" + "aa" * 32)
    with Store.open(tmp_path / "home") as store:
        with pytest.raises(InvalidInput, match="ledger is empty"):
            export_csv(store, key, tmp_path / "empty.csv")
        for symbol, (address, decimals) in TOKENS.items():
            store.db.execute("INSERT INTO tokens (chain_id, genesis_hash, address, symbol, decimals, kind)"
                             " VALUES (?, ?, ?, ?, ?, ?)", [key.chain_id, key.genesis_hash, address, symbol,
                                                            decimals, "native" if symbol == "ETH" else "token"])
        for e in index_buy():
            store.db.execute(
                "INSERT INTO ledger_events (chain_id, genesis_hash, tx_hash, seq, time, block, account_address,"
                " token_address, kind, quantity, value_usd, fee_usd, label, price_source)"
                " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                [key.chain_id, key.genesis_hash, e.tx_hash, e.seq, e.time, e.account, e.token, e.kind,
                 str(e.quantity), str(e.value_usd), str(e.fee_usd), e.label, e.price_source])
        result = export_csv(store, key, tmp_path / "ledger.csv")
    assert result.rows == 3 and result.format == "koinly-universal"
    records = list(csv.DictReader((tmp_path / "ledger.csv").open(newline="")))
    assert [r["Received Currency"] for r in records] == ["WBTC", "WETH", "UNI"]
    assert not (tmp_path / "empty.csv").exists()


def test_a_trades_gas_split_over_its_rows_sums_exactly_to_what_was_paid():
    from app.portfolio.csv_export import split_fee
    assert split_fee(100, [Decimal("1"), Decimal("1"), Decimal("1")]) == [33, 33, 34]
    assert split_fee(7, [Decimal("0"), Decimal("5")]) == [3, 4]           # a row without a value: equal shares
    rows = koinly_rows(index_buy(values=("10", "10", "10"))[:-1] + [gas(21_000 * 10**9 + 1)])
    assert sum(r.fee[0] for r in rows) == Decimal(21_000 * 10**9 + 1).scaleb(-18)


def test_an_own_account_move_is_a_withdrawal_and_a_deposit_only_in_per_account_rows():
    move = [event("WETH", "disposal", 10**17, "300", "move", seq=0),
            event("WETH", "acquisition", 10**17, "300", "move", seq=1, account=OTHER),
            event("ETH", "disposal", 10**13, "0.1", "fee", seq=2)]
    assert [(r.account, r.label) for r in koinly_rows(move)] == [(ME, "cost")]     # one file: no row
    rows = koinly_rows(move, own_moves=True)
    assert [(r.account, r.sent, r.received, r.label, r.tx_hash) for r in rows] == [
        (ME, (Decimal("0.1"), "WETH"), None, "", TX), (ME, (Decimal("0.00001"), "ETH"), None, "cost", TX),
        (OTHER, None, (Decimal("0.1"), "WETH"), "", TX)]
    assert "sent to own account" in rows[0].description and "received from own account" in rows[2].description


def test_per_account_file_names_are_safe_and_distinct():
    from app.portfolio.csv_export import account_file_names
    names = account_file_names(Path("/x/koinly.csv"), {ME: "Main/Ledger", OTHER: "main ledger",
                                                        "0x" + "33" * 20: "Spare"})
    assert names == {ME: Path("/x/koinly-Main_Ledger-11111111.csv"), OTHER: Path("/x/koinly-main_ledger-22222222.csv"),
                     "0x" + "33" * 20: Path("/x/koinly-Spare.csv")}


def test_eth_paid_for_weth_and_another_token_pairs_the_weth_one_to_one():
    weth = TOKENS["WETH"][0]
    # 0.1 ETH (priced 300) for 0.04 WETH priced apart (124: by value it would take 0.0413 ETH) and WBTC (175)
    buy = [event("ETH", "disposal", 10**17, "300", seq=0),
           event("WETH", "acquisition", 4 * 10**16, "124", seq=1),
           event("WBTC", "acquisition", 200_000, "175", seq=2), gas(10**13, "0.03")]
    rows = koinly_rows(buy, wrapped_native=weth.upper())
    assert [(r.sent, r.received, r.net_worth_usd) for r in rows] == [
        ((Decimal("0.04"), "ETH"), (Decimal("0.04"), "WETH"), Decimal("124")),
        ((Decimal("0.06"), "ETH"), (Decimal("0.002"), "WBTC"), Decimal("175"))]
    assert sum(r.fee[0] for r in rows) == Decimal("0.00001")
    by_value = koinly_rows(buy)                                   # without knowing WETH: split by value
    assert by_value[0].sent == (Decimal("0.041471571906354515"), "ETH")
    # WETH alone for ETH (plus a platform fee) stays one row: nothing else to give the rest to
    alone = koinly_rows([event("ETH", "disposal", 10**17, "300", seq=0),
                         event("WETH", "acquisition", 99 * 10**15, "297", seq=1)], wrapped_native=weth)
    assert [(r.sent, r.received) for r in alone] == [((Decimal("0.1"), "ETH"), (Decimal("0.099"), "WETH"))]


def test_a_symbol_two_tokens_share_is_written_as_each_ones_contract_address():
    fake = "0x" + "0f" * 20
    real_usdc = TOKENS["USDC"][0]
    events = [*index_buy(),
              LedgerRow("0x" + "cd" * 32, 0, T + 10, ME, fake, "usdc", 6, "acquisition", 5_000_000,
                        Decimal("0"), Decimal("0"), "receive", "no price: valued at 0")]
    rows = koinly_rows(events)
    assert {r.sent[1] for r in rows if r.sent} == {real_usdc}               # the real USDC paid
    assert rows[-1].received == (Decimal("5"), fake)                          # the fake one received
    assert {r.received[1] for r in rows[:3]} == {"WBTC", "WETH", "UNI"}       # the others keep symbols
    assert {r.fee[1] for r in rows if r.fee} == {"ETH"}
    assert {r.sent[1] for r in koinly_rows(index_buy()) if r.sent} == {"USDC"}   # alone: its symbol

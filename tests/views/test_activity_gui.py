"""The Activity page: the journal and the transactions found in the history as a table
(model-tested); a pending transaction sped up or cancelled through the same confirm -> sign ->
journal -> broadcast path (real devnet with automatic mining paused, so the first transaction
stays pending); a real index buy's predicted-vs-realised details; the CSV export, online and
offline."""

from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.service import update
from tests.views.test_send_gui import RECIPIENT, confirm_and_unlock, import_key, open_send
from views.dialogs.signing_dialog import SigningDialog
from views.formatting import full_amount
from views.models.activity_model import ActivityModel, ComparisonModel
from views.pages.accounts_page import AccountsPage
from views.pages.activity_page import ActivityPage
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts


@pytest.fixture
def paused_mining(chain):
    chain.rpc("evm_setAutomine", [False])
    yield chain
    chain.rpc("evm_setAutomine", [True])  # evm_revert does not restore the mining mode


@pytest.fixture
def pages(qtbot, wallet_context, monkeypatch):
    # the first transaction's receipt never comes once replaced: do not wait 3 minutes for it
    monkeypatch.setattr("views.signing_flow.RECEIPT_TIMEOUT_S", 3.0)
    accounts, activity = AccountsPage(wallet_context), ActivityPage(wallet_context)
    qtbot.addWidget(accounts)
    qtbot.addWidget(activity)
    return accounts, activity


def send_pending(qtbot, accounts, answerer, amount="0.01"):
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText(amount)
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text() == "pending", timeout=20_000)
    return dialog


@pytest.mark.parametrize("cancel", [False, True], ids=["speed-up", "cancel"])
def test_replace_a_pending_transaction(qtbot, pages, wallet_context, demo_key, paused_mining, answerer,
                                       qtmodeltester, cancel):
    chain = paused_mining
    accounts, activity = pages
    address, key = demo_key
    import_key(qtbot, accounts, key)
    before = chain.balance(RECIPIENT)
    confirm_and_unlock(answerer)
    notes = []
    answerer.handlers.insert(0, (SigningDialog, lambda d: (notes.append(d.summary.warnings),
                                                           d.confirm_button.click())))
    send = send_pending(qtbot, accounts, answerer)
    qtbot.waitUntil(lambda: [e.status for e in activity.model.entries()] == ["pending"], timeout=10_000)
    original = activity.model.entry(0)
    qtmodeltester.check(activity.model)

    activity.select(original.id)
    button = activity.cancel_button if cancel else activity.speed_up_button
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(activity.model.entries()) == 2
                    and activity.model.entry(0).status == "pending", timeout=20_000)
    replacement = activity.model.entry(0)
    assert replacement.nonce == original.nonce and replacement.replaces_id == original.id
    assert replacement.kind == ("cancel" if cancel else "speedup")
    assert int(replacement.unsigned["maxFeePerGas"]) > int(original.unsigned["maxFeePerGas"])
    assert notes[0] == () and original.tx_hash in notes[1][0]
    assert ("CANCELS" in notes[1][0]) == cancel

    chain.rpc("evm_mine")
    qtbot.waitUntil(lambda: {e.id: e.status for e in activity.model.entries()}
                    == {replacement.id: "confirmed", original.id: "replaced"}, timeout=20_000)
    row = activity.model.row_of(original.id)
    assert activity.model.data(activity.model.index(row, ActivityModel.STATUS)) == "replaced"
    expected = 0 if cancel else 10**16
    assert chain.balance(RECIPIENT) - before == expected  # sent once, or not at all
    assert chain.receipt(original.tx_hash) is None
    # the first send's dialog learns that its transaction was replaced
    qtbot.waitUntil(lambda: send.status_label.text() == "replaced", timeout=10_000)
    activity.select(replacement.id)
    assert not activity.speed_up_button.isEnabled()


def test_activity_page_offline_shows_the_journal_of_the_last_seen_chain(qtbot, offline_context):
    page = ActivityPage(offline_context)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 0
    assert "No chain seen yet" in page.state_label.text()
    assert not page.speed_up_button.isEnabled() and not page.cancel_button.isEnabled()


# --- discovered transactions, predicted vs realised, CSV export ----------------------------------
def buy_and_read_history(context, demo_key) -> str:
    """A real index buy (ETH into BTC/ETH 60/40) by the demo account, then the history read as
    the Portfolio's refresh does; returns the buy's hash."""
    address, key = demo_key
    context.accounts.add("Demo", address, "watch")
    session = context.session
    plan = plan_index_buy(session, "BTC/ETH 60/40", "0.5", "ETH", None, address)
    result = execute_index_plan(session, plan, LocalSigner(bytes.fromhex(key[2:])), AutoApprovePrompts())
    assert result.realised["status"] == "confirmed"
    update(session, [address])
    return result.entries[-1].tx_hash


def test_the_trade_its_comparison_and_an_export(qtbot, wallet_context, demo_key, tmp_path, monkeypatch,
                                               qtmodeltester):
    tx_hash = buy_and_read_history(wallet_context, demo_key)
    page = ActivityPage(wallet_context)
    qtbot.addWidget(page)
    qtmodeltester.check(page.model)
    row = page.model.row_of_hash(tx_hash)
    trade = page.model.item(row)
    assert (trade.source, trade.kind, trade.status) == ("app", "index_buy", "confirmed")
    text = {c: page.model.data(page.model.index(row, c)) for c in range(page.model.columnCount())}
    assert text[ActivityModel.SOURCE] == "Basketry" and "WBTC" in text[ActivityModel.MOVED]
    found = [i for i in page.model.items() if i.source == "external"]
    assert found, "the demo account's funding is found in its history"
    external_row = page.model.row_of_hash(found[0].hash)
    assert page.model.data(page.model.index(external_row, ActivityModel.SOURCE)) == "Found on chain"
    assert page.model.entry(external_row) is None
    assert "found on chain" in page.state_label.text()

    assert page.details.heading.text() == "Select a transaction to see its details."
    page.select_hash(tx_hash)
    details = page.details
    assert details.hash_label.text() == tx_hash and "index_buy" in details.heading.text()
    shown = details.comparison_model
    qtmodeltester.check(shown)
    assert shown.rows() == trade.comparison and len(trade.comparison) >= 4
    rows = {r.what: index for index, r in enumerate(shown.rows())}
    realised_legs = {leg["symbol"]: leg for leg in json.loads(wallet_context.store.db.execute(
        "SELECT realized_json FROM previews WHERE kind = 'index_buy'").fetchone()[0])["legs"]}
    for symbol, leg in realised_legs.items():
        r = rows[f"{symbol} received"]
        assert shown.data(shown.index(r, ComparisonModel.REALISED), Qt.ItemDataRole.ToolTipRole) == \
            full_amount(leg["received"], symbol)
        assert shown.data(shown.index(r, ComparisonModel.PREDICTED)).endswith(symbol)
    assert not details.comparison_table.isHidden()
    page.select_hash(found[0].hash)
    assert details.comparison_table.isHidden() and "No prediction" in details.comparison_caption.text()

    path = tmp_path / "ledger.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), "CSV files (*.csv)"))
    with qtbot.waitSignal(page.exported, timeout=10_000) as done:
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    records = list(csv.DictReader(path.open(newline="")))
    assert done.args[0].rows == len(records) and str(path) in page.state_label.text()
    assert sorted(r["Received Currency"] for r in records if r["TxHash"] == tx_hash) == sorted(realised_legs)
    assert page.export_button.isEnabled()

    page.per_account_box.setChecked(True)       # one file per account: here the one account, "Demo"
    with qtbot.waitSignal(page.exported, timeout=10_000) as done:
        qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    [written] = done.args[0].files
    assert (written.path, written.label) == (tmp_path / "ledger-Demo.csv", "Demo")
    assert list(csv.DictReader(written.path.open(newline=""))) == records   # no move: the same rows
    assert "ledger-Demo.csv" in page.state_label.text()


def test_export_works_offline_and_reports_a_failure(qtbot, offline_context, tmp_path, monkeypatch, shown_boxes):
    store = offline_context.store
    genesis = "0x" + "aa" * 32
    store.record_network(31337, genesis, "demo")
    store.db.execute("INSERT INTO tokens (chain_id, genesis_hash, address, symbol, decimals, kind)"
                     " VALUES (31337, ?, ?, 'ETH', 18, 'native')", [genesis, NATIVE_ADDRESS])
    store.db.execute("INSERT INTO ledger_events (chain_id, genesis_hash, tx_hash, seq, time, block, account_address,"
                     " token_address, kind, quantity, value_usd, fee_usd, label, price_source)"
                     " VALUES (31337, ?, NULL, 0, 1700000000, 1, ?, ?, 'acquisition', ?, '4000', '0', 'opening',"
                     " 'pool mid')", [genesis, "0x" + "11" * 20, NATIVE_ADDRESS, str(10**18)])
    page = ActivityPage(offline_context)
    qtbot.addWidget(page)
    assert "Offline" in page.state_label.text() and page.export_button.isEnabled()
    path = tmp_path / "offline.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), ""))
    with qtbot.waitSignal(page.exported, timeout=10_000):
        page.export()
    assert path.read_text().splitlines()[1].startswith("2023-11-14 22:13:20 UTC,,,1,ETH,")

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(tmp_path / "missing" / "x.csv"), ""))
    worker = page.export()
    qtbot.waitUntil(lambda: bool(shown_boxes), timeout=10_000)
    assert worker.is_done and "does not exist" in shown_boxes[0][2]
    assert "nothing was written" in page.state_label.text()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: ("", ""))
    assert page.export() is None   # cancelled: nothing happens

"""The Activity page: the journal as a table (model-tested), and a pending transaction sped up
or cancelled through the same confirm -> sign -> journal -> broadcast path (real devnet with
automatic mining paused, so the first transaction stays pending)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.views.test_send_gui import RECIPIENT, confirm_and_unlock, import_key, open_send
from views.dialogs.signing_dialog import SigningDialog
from views.models.activity_model import ActivityModel
from views.pages.accounts_page import AccountsPage
from views.pages.activity_page import ActivityPage


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
    answerer.handlers.insert(0, (SigningDialog, lambda d: (notes.append(d.summary.notes),
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

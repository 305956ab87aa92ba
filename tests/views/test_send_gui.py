"""Sending through the GUI on the real devnet: import the demo key, send 0.1 ETH (the signing
dialog confirmed and the password typed by a timer, as a user would), see it on chain and on
the Activity page; a bad amount and a rejected confirmation send nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QLocale, Qt

from tests.views.conftest import PASSWORD
from views.dialogs.import_wallet_dialog import ImportWalletDialog
from views.dialogs.send_dialog import SendDialog
from views.dialogs.signing_dialog import SigningDialog
from views.dialogs.unlock_dialog import UnlockDialog
from views.models.activity_model import ActivityModel
from views.pages.accounts_page import AccountsPage
from views.pages.activity_page import ActivityPage

RECIPIENT = "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"  # an ordinary address (a reserved one is refused)
WEI = 10**18


def import_key(qtbot, page: AccountsPage, key: str, label: str = "Demo") -> None:
    """Through the Accounts page's Import dialog, private-key tab."""
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, ImportWalletDialog)
    dialog.label_edit.setText(label)
    dialog.tabs.setCurrentIndex(ImportWalletDialog.KEY)
    dialog.key_edit.setText(key)
    dialog.password_edit.setText(PASSWORD)
    dialog.repeat_edit.setText(PASSWORD)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted and not dialog.isVisible(),
                    timeout=20_000)


def confirm_and_unlock(answerer, password: str = PASSWORD) -> None:
    answerer.on(SigningDialog, lambda d: d.confirm_button.click())

    def unlock(dialog: UnlockDialog) -> None:
        dialog.password_edit.setText(password)
        dialog.ok_button.click()

    answerer.on(UnlockDialog, unlock)


@pytest.fixture
def pages(qtbot, wallet_context):
    accounts, activity = AccountsPage(wallet_context), ActivityPage(wallet_context)
    qtbot.addWidget(accounts)
    qtbot.addWidget(activity)
    accounts.show()
    return accounts, activity


def open_send(qtbot, page: AccountsPage) -> SendDialog:
    assert page.send_button.isEnabled(), page.send_button.toolTip()
    qtbot.mouseClick(page.send_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, SendDialog)
    return dialog


def test_import_key_then_send_point_one_eth(qtbot, pages, wallet_context, demo_key, chain, answerer):
    accounts, activity = pages
    address, key = demo_key
    import_key(qtbot, accounts, key)
    assert wallet_context.active_account().address == address
    row = accounts.model.row_of("Demo")
    qtbot.waitUntil(lambda: accounts.model.balance(address, "ETH") is not None, timeout=10_000)
    shown_eth = accounts.model.data(accounts.model.index(row, accounts.model.NATIVE))
    assert shown_eth != "—"

    before = chain.balance(RECIPIENT)
    confirm_and_unlock(answerer)
    dialog = open_send(qtbot, accounts)
    assert address in dialog.from_label.text()
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText("0.1")
    assert dialog.token_box.currentText() == "ETH"
    with qtbot.waitSignal(wallet_context.journal_changed, timeout=20_000):
        qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text() == "confirmed", timeout=30_000)

    assert answerer.seen == ["SigningDialog", "UnlockDialog"]
    assert chain.balance(RECIPIENT) - before == WEI // 10  # exactly 0.1 ETH
    tx_hash = dialog.hash_label.text()
    assert tx_hash.startswith("0x") and len(tx_hash) == 66
    receipt = chain.receipt(tx_hash)
    assert receipt is not None and int(receipt["status"]) == 1

    # the Activity page follows the journal
    qtbot.waitUntil(lambda: any(e.tx_hash == tx_hash and e.status == "confirmed"
                                for e in activity.model.entries()), timeout=10_000)
    row = next(i for i, e in enumerate(activity.model.entries()) if e.tx_hash == tx_hash)
    text = {column: activity.model.data(activity.model.index(row, column))
            for column in range(activity.model.columnCount())}
    assert text[ActivityModel.STATUS] == "confirmed"
    assert text[ActivityModel.KIND] == "send"
    assert text[ActivityModel.VALUE] == "0.1 ETH"
    assert text[ActivityModel.TO] == RECIPIENT
    assert not activity.speed_up_button.isEnabled()  # nothing pending

    # the balances were read again after the send
    qtbot.waitUntil(lambda: accounts.model.balance(RECIPIENT, "ETH") is None
                    and accounts.model.balance(address, "ETH") is not None
                    and accounts.model.balance(address, "ETH") * WEI == chain.balance(address),
                    timeout=10_000)

    # a second send reuses the unlocked key (no password asked)
    dialog.accept()
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText("0.05")
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text() == "confirmed", timeout=30_000)
    assert answerer.seen == ["SigningDialog", "UnlockDialog", "SigningDialog"]
    assert chain.balance(RECIPIENT) - before == WEI * 15 // 100


@pytest.mark.parametrize(("amount", "message"), [
    ("abc", "amount 'abc' is not a number"),
    ("-1", "no sign"),
    ("0.0000000000000000001", "more than 18 decimal places"),
    ("1000000000", "is above the balance"),
])
def test_a_bad_amount_shows_a_clear_error_and_sends_nothing(qtbot, pages, wallet_context, demo_key,
                                                             chain, answerer, amount, message):
    accounts, _activity = pages
    address, key = demo_key
    import_key(qtbot, accounts, key)
    nonce = chain.rpc("eth_getTransactionCount", [address, "latest"])
    answerer.on(SigningDialog, lambda d: d.confirm_button.click())
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText(amount)
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert message in dialog.error.text()
    assert dialog.review_button.isEnabled() and not dialog.result_box.isVisible()
    assert answerer.seen == []  # never reached the signing dialog
    assert wallet_context.journal.entries() == []
    assert chain.rpc("eth_getTransactionCount", [address, "latest"]) == nonce


def test_a_bad_address_is_refused_before_anything_is_built(qtbot, pages, demo_key, chain, wallet_context):
    accounts, _activity = pages
    import_key(qtbot, accounts, demo_key[1])
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText("0x1234")
    dialog.amount_edit.setText("0.1")
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert "is not an Ethereum address" in dialog.error.text()
    assert wallet_context.journal.entries() == []


def test_reject_in_the_signing_dialog_signs_and_sends_nothing(qtbot, pages, wallet_context, demo_key,
                                                              chain, answerer):
    accounts, _activity = pages
    address, key = demo_key
    import_key(qtbot, accounts, key)
    before, nonce = chain.balance(RECIPIENT), chain.rpc("eth_getTransactionCount", [address, "latest"])
    shown = []

    def reject(dialog: SigningDialog) -> None:
        shown.append(dialog.fields["value"].text())
        dialog.reject_button.click()

    answerer.on(SigningDialog, reject)
    answerer.on(UnlockDialog, lambda d: pytest.fail("no password may be asked after Reject"))
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText("0.1")
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.stage.text() == "Rejected: nothing was signed or sent.", timeout=20_000)
    assert shown == ["0.1 ETH"]
    assert wallet_context.journal.entries() == []
    assert chain.balance(RECIPIENT) == before
    assert chain.rpc("eth_getTransactionCount", [address, "latest"]) == nonce
    assert dialog.review_button.isEnabled()  # the user may change something and try again


def test_a_wrong_password_is_shown_and_the_right_one_then_sends(qtbot, pages, wallet_context, demo_key,
                                                                chain, answerer):
    accounts, _activity = pages
    import_key(qtbot, accounts, demo_key[1])
    answerer.on(SigningDialog, lambda d: d.confirm_button.click())
    tries = []

    def unlock(dialog: UnlockDialog) -> None:
        dialog.password_edit.setText("not the password")
        dialog.ok_button.click()
        tries.append(dialog)

    answerer.on(UnlockDialog, unlock)
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText("0.01")
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(tries) and tries[0].error.isVisible(), timeout=20_000)
    unlock_dialog = tries[0]
    assert unlock_dialog.isVisible() and "password" in unlock_dialog.error.text().lower()
    assert wallet_context.journal.entries() == []
    unlock_dialog.password_edit.setText(PASSWORD)
    unlock_dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.status_label.text() == "confirmed", timeout=30_000)


def test_send_a_token(qtbot, pages, wallet_context, demo_key, chain, answerer):
    accounts, _activity = pages
    address, key = demo_key
    import_key(qtbot, accounts, key)
    usdc = wallet_context.session.token("USDC")
    confirm_and_unlock(answerer)
    summaries = []
    answerer.handlers.insert(0, (SigningDialog, lambda d: (summaries.append(d.summary),
                                                           d.confirm_button.click())))
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText("12.5")
    dialog.token_box.setCurrentText("USDC")
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text() == "confirmed", timeout=30_000)
    [summary] = summaries
    assert summary.method == "transfer(address,uint256)"
    assert summary.arguments == {"recipient": RECIPIENT, "amount": "12.5 USDC"}
    assert summary.to == usdc.address and summary.to_name == "USDC token"
    assert summary.actions[0].text == f"Send 12.5 USDC to {RECIPIENT}"
    # simulated before signing: the 12.5 USDC leaves the account
    assert [(c.direction, c.amount.raw, c.amount.token) for c in summary.balance_changes] == \
        [("out", str(12_500_000), usdc.address)]
    from app.balances import read_balances
    balances = read_balances(wallet_context.session.client, [RECIPIENT], [usdc])
    assert balances[RECIPIENT]["USDC"] == Decimal("12.5")


# --- what the fields read (app.inputs through views/widgets/checked_inputs.py) ------------------
DEAD = "0x000000000000000000000000000000000000dEaD"


@pytest.fixture
def comma_locale():
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(before)


def test_a_decimal_comma_is_read_as_the_point_and_shown(qtbot, pages, wallet_context, demo_key, chain,
                                                         answerer, comma_locale):
    accounts, _activity = pages
    import_key(qtbot, accounts, demo_key[1])
    before = chain.balance(RECIPIENT)
    answerer.on(UnlockDialog, lambda d: (d.password_edit.setText(PASSWORD), d.ok_button.click()))
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT.lower())
    assert dialog.to_reader.echo.text().startswith(f"Checksummed: {RECIPIENT}")
    dialog.amount_edit.setText("0,1")
    assert dialog.amount_reader.echo.text() == "Read as 0.1" and dialog.amount_reader.echo.isVisibleTo(dialog)
    seen = []
    answerer.on(SigningDialog, lambda d: (seen.append([n.text() for n in d.warning_labels]),
                                          d.confirm_button.click()))
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text() == "confirmed", timeout=30_000)
    assert chain.balance(RECIPIENT) - before == WEI // 10
    assert any(f"Recipient read as {RECIPIENT}" in note for note in seen[0])


@pytest.mark.parametrize(("amount", "shown"), [("٠٫١", "U+0660 ARABIC-INDIC DIGIT ZERO"),
                                               ("1_0", "no digit separators"), ("1e-1", "no exponents")])
def test_digits_of_other_scripts_separators_and_exponents_are_refused(qtbot, pages, wallet_context,
                                                                      demo_key, chain, answerer,
                                                                      amount, shown):
    accounts, _activity = pages
    address, key = demo_key
    import_key(qtbot, accounts, key)
    nonce = chain.rpc("eth_getTransactionCount", [address, "latest"])
    dialog = open_send(qtbot, accounts)
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText(amount)
    assert shown in dialog.amount_reader.echo.text()  # said while typing
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert shown in dialog.error.text() and answerer.seen == []
    assert chain.rpc("eth_getTransactionCount", [address, "latest"]) == nonce


def test_a_burn_address_needs_the_send_anyway_box(qtbot, pages, wallet_context, demo_key, chain, answerer):
    accounts, _activity = pages
    import_key(qtbot, accounts, demo_key[1])
    before = chain.balance(DEAD)
    dialog = open_send(qtbot, accounts)
    assert not dialog.unusual_box.isVisibleTo(dialog)
    dialog.to_edit.setText(DEAD)
    dialog.amount_edit.setText("0.1")
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert "a well-known burn address" in dialog.error.text() and answerer.seen == []
    assert dialog.unusual_box.isVisibleTo(dialog) and not dialog.unusual_box.isChecked()
    dialog.unusual_box.setChecked(True)
    dialog.to_edit.setText(DEAD.lower())           # another address: the consent is gone
    assert not dialog.unusual_box.isChecked() and not dialog.unusual_box.isVisibleTo(dialog)
    dialog.to_edit.setText(DEAD)
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.unusual_box.isVisibleTo(dialog), timeout=20_000)
    dialog.unusual_box.setChecked(True)
    notes = []
    answerer.on(SigningDialog, lambda d: (notes.extend(n.text() for n in d.warning_labels), d.confirm_button.click()))
    answerer.on(UnlockDialog, lambda d: (d.password_edit.setText(PASSWORD), d.ok_button.click()))
    qtbot.mouseClick(dialog.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status_label.text() == "confirmed", timeout=30_000)
    assert chain.balance(DEAD) - before == WEI // 10
    assert any("You chose to send to a well-known burn address" in n for n in notes)

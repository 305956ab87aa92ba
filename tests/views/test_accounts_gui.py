"""The Accounts page with a real store, a real Secret Service and the real devnet: create with
a backup check, import, watch, a Ledger (protocol-level test device over TCP), the next HD
account, balances, offline behaviour, auto-lock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.wallets import AUTO_LOCK_SETTING
from tests.support.ledger_device import SPECULOS_MNEMONIC, LedgerTcpServer, LedgerTestDevice
from tests.views.conftest import PASSWORD, TEST_MNEMONIC
from views.dialogs.create_wallet_dialog import CreateWalletDialog
from views.dialogs.device_notice import DeviceNotice
from views.dialogs.hardware_dialog import HardwareDialog
from views.dialogs.send_dialog import SendDialog
from views.dialogs.signing_dialog import SigningDialog
from views.dialogs.unlock_dialog import UnlockDialog
from views.dialogs.watch_dialog import WatchDialog
from views.models.accounts_model import NO_VALUE, AccountsModel
from views.pages.accounts_page import AccountsPage
from wallet.keys import hd


@pytest.fixture
def page(qtbot, wallet_context):
    page = AccountsPage(wallet_context)
    qtbot.addWidget(page)
    page.show()
    return page


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def cell(page: AccountsPage, label: str, column: int) -> str:
    return page.model.data(page.model.index(page.model.row_of(label), column))


def shown_words(dialog: CreateWalletDialog) -> list[str]:
    """The phrase as the user reads it off the screen ("1. word")."""
    ordered = sorted((int(label.text().split(".")[0]), label.text().split(". ")[1])
                     for label in dialog.word_labels)
    return [word for _, word in ordered]


def start_create(qtbot, page: AccountsPage, label: str = "Savings", words: int = 12) -> CreateWalletDialog:
    click(qtbot, page.create_button)
    dialog = page.dialog
    assert isinstance(dialog, CreateWalletDialog)
    dialog.label_edit.setText(label)
    dialog.password_edit.setText(PASSWORD)
    dialog.repeat_edit.setText(PASSWORD)
    (dialog.words24 if words == 24 else dialog.words12).setChecked(True)
    click(qtbot, dialog.next_button)
    assert dialog.pages.currentIndex() == CreateWalletDialog.PHRASE
    return dialog


def test_create_wallet_needs_the_backup_check(qtbot, page, wallet_context, wallet_store):
    QGuiApplication.clipboard().clear()
    dialog = start_create(qtbot, page)
    words = shown_words(dialog)
    assert len(words) == 12 and hd.validate_mnemonic(" ".join(words))
    phrase = " ".join(words)
    assert not dialog.phrase_next.isEnabled()  # not before "written down"
    dialog.written_box.setChecked(True)
    click(qtbot, dialog.phrase_next)
    assert dialog.pages.currentIndex() == CreateWalletDialog.CHECK
    positions = dialog.check_positions
    assert len(positions) == 3 and sorted(positions) == positions
    assert set(dialog.check_edits) == set(positions)

    # wrong words: refused, nothing created
    for position, edit in dialog.check_edits.items():
        edit.setText(words[position % 12])  # the next word, not this one
    click(qtbot, dialog.create_button)
    assert dialog.check_error.isVisible() and "do not match" in dialog.check_error.text()
    assert wallet_context.accounts.all() == [] and dialog.isVisible()

    # the right words (as typed: spaces and capitals do not matter): created
    for position, edit in dialog.check_edits.items():
        edit.setText(f"  {words[position - 1].upper()} ")
    click(qtbot, dialog.create_button)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    [record] = wallet_context.accounts.all()
    assert record.label == "Savings" and record.kind == "local" and record.hd_index == 0
    assert page.selected() == record
    assert record.address == hd.derive(phrase, 0)[0]
    assert wallet_context.active_account() == record
    assert cell(page, "Savings", AccountsModel.ACTIVE) == "●"
    assert cell(page, "Savings", AccountsModel.KIND) == "recovery phrase"

    # the phrase is nowhere in SQLite (main file and WAL), nor on the clipboard
    blobs = b"".join(path.read_bytes() for path in wallet_store.home.glob("basketry.db*"))
    assert phrase.encode() not in blobs
    assert hd.mnemonic_to_entropy(phrase).hex().encode() not in blobs
    # No two consecutive words of the phrase anywhere (single words are ordinary English and
    # can appear by chance, e.g. "account" in the schema's "account_address").
    assert all(f"{a} {b}".encode() not in blobs for a, b in zip(words, words[1:], strict=False))
    assert QGuiApplication.clipboard().text() != phrase
    assert all(label.text() == "" for label in dialog.word_labels)  # forgotten on close


def test_copy_puts_the_phrase_on_the_clipboard_only_when_asked(qtbot, page):
    QGuiApplication.clipboard().clear()
    dialog = start_create(qtbot, page, words=24)
    phrase = " ".join(shown_words(dialog))
    assert len(phrase.split()) == 24
    assert QGuiApplication.clipboard().text() != phrase
    click(qtbot, dialog.copy_button)
    assert QGuiApplication.clipboard().text() == phrase
    dialog.reject()
    QGuiApplication.clipboard().clear()


def test_create_refuses_a_weak_password_or_a_taken_name_before_showing_a_phrase(qtbot, page, wallet_context):
    wallet_context.service.watch("Savings", "0x000000000000000000000000000000000000dEaD")
    click(qtbot, page.create_button)
    dialog = page.dialog
    dialog.label_edit.setText("Savings")
    dialog.password_edit.setText(PASSWORD)
    dialog.repeat_edit.setText(PASSWORD)
    click(qtbot, dialog.next_button)
    assert "exists already" in dialog.details_error.text()
    dialog.label_edit.setText("Other")
    dialog.repeat_edit.setText("different password")
    click(qtbot, dialog.next_button)
    assert "differ" in dialog.details_error.text()
    dialog.password_edit.setText("short")
    dialog.repeat_edit.setText("short")
    click(qtbot, dialog.next_button)
    assert "at least 8 characters" in dialog.details_error.text()
    assert dialog.pages.currentIndex() == CreateWalletDialog.DETAILS and not dialog.word_labels
    dialog.reject()


def test_watch_only_account_cannot_send(qtbot, page, wallet_context, devnet):
    demo = devnet.deployment["demo_account"]
    click(qtbot, page.watch_button)
    dialog = page.dialog
    assert isinstance(dialog, WatchDialog)
    dialog.label_edit.setText("Demo (watch)")
    dialog.address_edit.setText("0x1234")
    dialog.buttons.accepted.emit()
    assert "is not an Ethereum address" in dialog.error.text() and dialog.isVisible()
    dialog.address_edit.setText(demo.lower())
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert cell(page, "Demo (watch)", AccountsModel.KIND) == "watch-only"
    assert cell(page, "Demo (watch)", AccountsModel.ADDRESS) == demo  # checksummed

    assert not page.send_button.isEnabled()
    assert "watch-only" in page.send_button.toolTip() and "Air-gapped" in page.send_button.toolTip()
    assert page.airgap_button.isEnabled()
    assert not page.export_button.isEnabled()
    # even opened directly, the send dialog says why and offers nothing to press
    send = SendDialog(wallet_context)
    qtbot.addWidget(send)
    assert not send.review_button.isEnabled()
    assert "watch-only: it cannot sign here" in send.error.text()

    # and it shows the devnet balances, read in one multicall
    qtbot.waitUntil(lambda: cell(page, "Demo (watch)", AccountsModel.USDC) != NO_VALUE, timeout=10_000)
    eth = page.model.balance(demo, "ETH")
    assert eth * 10**18 == wallet_context.session.client.balance(demo)
    assert page.model.balance(demo, "USDC") > Decimal(0)


def test_the_accounts_model_passes_the_model_tester(qtmodeltester, wallet_context, devnet):
    wallet_context.service.watch("A", devnet.deployment["demo_account"])
    wallet_context.service.watch("B", "0x000000000000000000000000000000000000dEaD")
    model = AccountsModel()
    model.set_accounts(wallet_context.accounts.all(), "B")
    model.set_balances({devnet.deployment["demo_account"]: {"ETH": Decimal("1.5"), "USDC": Decimal("2")}})
    qtmodeltester.check(model)
    assert model.data(model.index(0, AccountsModel.NATIVE)) == "1.5"
    assert model.data(model.index(1, AccountsModel.NATIVE)) == NO_VALUE
    assert [model.data(model.index(r, AccountsModel.ACTIVE)) for r in range(2)] == ["", "●"]


def test_offline_shows_accounts_without_balances_and_disables_send(qtbot, offline_context, demo_key):
    offline_context.service.import_private_key("Demo", demo_key[1], PASSWORD)
    page = AccountsPage(offline_context)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 1
    assert cell(page, "Demo", AccountsModel.NATIVE) == NO_VALUE
    assert cell(page, "Demo", AccountsModel.USDC) == NO_VALUE
    assert not page.send_button.isEnabled() and "Offline" in page.send_button.toolTip()
    assert not page.airgap_button.isEnabled()
    assert page.export_button.isEnabled()  # keys work without the chain
    assert "Offline" in page.state_label.text()


def test_session_opens_on_a_worker_and_then_balances_appear(qtbot, wallet_store, wallet_service,
                                                            devnet, devnet_home, demo_key, chain):
    from views.wallet_context import WalletContext

    context = WalletContext(wallet_store, devnet_home, "demo", rpc=devnet.rpc_url, service=wallet_service)
    try:
        wallet_service.watch("Demo", demo_key[0])
        page = AccountsPage(context)
        qtbot.addWidget(page)
        assert not page.send_button.isEnabled() and cell(page, "Demo", AccountsModel.NATIVE) == NO_VALUE
        with qtbot.waitSignal(context.session_changed, timeout=20_000):
            assert context.open_session() is not None
        assert context.session.chain_id == 31337
        qtbot.waitUntil(lambda: cell(page, "Demo", AccountsModel.NATIVE) != NO_VALUE, timeout=10_000)
    finally:
        context.shutdown()


def test_import_then_add_the_next_hd_account_and_set_active(qtbot, page, wallet_context, monkeypatch, answerer):
    wallet_context.service.import_mnemonic("Main", TEST_MNEMONIC, PASSWORD)
    wallet_context.accounts_changed.emit()
    page.select("Main")
    assert page.next_account_button.isEnabled()
    monkeypatch.setattr("views.pages.accounts_page.QInputDialog.getText",
                        lambda *args, **kwargs: ("Main 2", True))

    def unlock(dialog: UnlockDialog) -> None:
        dialog.password_edit.setText(PASSWORD)
        dialog.ok_button.click()

    answerer.on(UnlockDialog, unlock)
    click(qtbot, page.next_account_button)
    qtbot.waitUntil(lambda: page.model.row_of("Main 2") is not None, timeout=20_000)
    record = wallet_context.accounts.get("Main 2")
    assert record.address == hd.derive(TEST_MNEMONIC, 1)[0] and record.derivation_path == "m/44'/60'/0'/0/1"
    assert page.selected().label == "Main 2" and cell(page, "Main 2", AccountsModel.KIND) == "recovery phrase"
    page.select("Main")
    click(qtbot, page.set_active_button)
    assert wallet_context.active_account().label == "Main"
    assert cell(page, "Main", AccountsModel.ACTIVE) == "●" and cell(page, "Main 2", AccountsModel.ACTIVE) == ""


def test_export_keystore_writes_a_standard_v3_file(qtbot, page, wallet_context, demo_key, tmp_path,
                                                   monkeypatch, answerer):
    from eth_account import Account

    wallet_context.service.import_private_key("Demo", demo_key[1], PASSWORD)
    wallet_context.accounts_changed.emit()
    page.select("Demo")
    target = tmp_path / "demo.json"
    monkeypatch.setattr("views.pages.accounts_page.QFileDialog.getSaveFileName",
                        lambda *args, **kwargs: (str(target), "Keystore (*.json)"))

    def unlock(dialog: UnlockDialog) -> None:
        dialog.password_edit.setText(PASSWORD)
        dialog.ok_button.click()

    answerer.on(UnlockDialog, unlock)
    click(qtbot, page.export_button)
    qtbot.waitUntil(target.exists, timeout=20_000)
    assert "0x" + Account.decrypt(target.read_text(), PASSWORD).hex() == demo_key[1]


def test_auto_lock_locks_an_idle_key_after_the_set_minutes(qtbot, wallet_context, demo_key):
    record = wallet_context.service.import_private_key("Demo", demo_key[1], PASSWORD)
    signer = wallet_context.service.signer(record, wallet_context.prompts, PASSWORD)
    wallet_context.unlocked.put("Demo", signer)
    assert wallet_context.lock_timer.isActive() and wallet_context.lock_timer.interval() == 30_000
    assert wallet_context.lock_idle() == []  # the default is minutes, not milliseconds
    wallet_context.store.set_setting(AUTO_LOCK_SETTING, 0.001)  # 60 ms
    wallet_context.lock_timer.setInterval(20)
    with qtbot.waitSignal(wallet_context.signers_locked, timeout=5_000) as locked:
        pass
    assert locked.args == [["Demo"]]
    assert signer.is_locked and wallet_context.unlocked.get("Demo") is None


def test_add_a_ledger_then_send_from_it(qtbot, page, wallet_context, chain, answerer):
    device = LedgerTestDevice()
    expected = hd.derive(SPECULOS_MNEMONIC, 0)[0]
    chain.rpc("anvil_setBalance", [expected, hex(10**18)])
    notices = []
    wallet_context.prompts.dialog_shown.connect(
        lambda d: notices.append(d.message_label.text()) if isinstance(d, DeviceNotice) else None)
    with LedgerTcpServer(device) as server:
        click(qtbot, page.hardware_button)
        dialog = page.dialog
        assert isinstance(dialog, HardwareDialog)
        assert dialog.device_edit.text() == "hid" and dialog.path_edit.text() == "m/44'/60'/0'/0/0"
        dialog.trezor_radio.setChecked(True)
        assert dialog.device_edit.text() == "usb" and dialog.label_edit.text() == "Trezor"
        dialog.ledger_radio.setChecked(True)
        dialog.device_edit.setText(f"tcp:{server.host}:{server.port}")
        dialog.label_edit.setText("My Ledger")
        click(qtbot, dialog.connect_button)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
        assert notices and "Ledger" in notices[0]
        qtbot.waitUntil(lambda: wallet_context.prompts.notice is None)
        record = wallet_context.accounts.get("My Ledger")
        assert (record.kind, record.address) == ("ledger", expected)
        assert cell(page, "My Ledger", AccountsModel.KIND) == "Ledger"

        # send: confirmed in the app, then signed by the device on the device thread
        recipient = "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"  # an ordinary address
        before = chain.balance(recipient)
        answerer.on(SigningDialog, lambda d: d.confirm_button.click())
        answerer.on(UnlockDialog, lambda d: pytest.fail("a Ledger has no password"))
        click(qtbot, page.send_button)
        send = page.dialog
        send.to_edit.setText(recipient)
        send.amount_edit.setText("0.25")
        click(qtbot, send.review_button)
        qtbot.waitUntil(lambda: send.status_label.text() == "confirmed", timeout=30_000)
    assert chain.balance(recipient) - before == 25 * 10**16
    assert any(apdu[:2] == bytes([0xE0, 0x04]) for apdu in device.apdus)  # it signed


def test_add_a_trezor_with_pin_matrix_and_passphrase(qtbot, page, wallet_context, answerer):
    from tests.support.trezor_device import ALL_ALL, TrezorTestDevice
    from views.dialogs.passphrase_dialog import PassphraseDialog
    from views.dialogs.pin_dialog import PinDialog

    with TrezorTestDevice(ALL_ALL, pin="2581", passphrase_protection=True) as device:
        def enter_pin(dialog: PinDialog) -> None:
            assert {key.text() for key in dialog.keys.values()} == {"•"}  # no digits here
            for position in device.pin_positions("2581"):  # read off the device's screen
                dialog.keys[int(position)].click()
            dialog.ok_button.click()

        def enter_passphrase(dialog: PassphraseDialog) -> None:
            dialog.passphrase_edit.setText("hidden wallet")
            dialog.repeat_edit.setText("hidden wallet")
            dialog.buttons.accepted.emit()

        answerer.on(PinDialog, enter_pin)
        answerer.on(PassphraseDialog, enter_passphrase)
        click(qtbot, page.hardware_button)
        dialog = page.dialog
        dialog.trezor_radio.setChecked(True)
        dialog.device_edit.setText(device.path)
        click(qtbot, dialog.connect_button)
        qtbot.waitUntil(lambda: not dialog.isVisible() or dialog.error.isVisible(), timeout=30_000)
        assert not dialog.error.isVisible(), dialog.error.text()
        record = wallet_context.accounts.get("Trezor")
        assert record.kind == "trezor" and record.device == device.path
        assert record.address == device.address([44 | 2**31, 60 | 2**31, 2**31, 0, 0], "hidden wallet")
        assert sorted(answerer.seen) == ["PassphraseDialog", "PinDialog"]
        assert device.unlocked


def test_a_cancelled_trezor_pin_adds_nothing(qtbot, page, wallet_context, answerer):
    from tests.support.trezor_device import ALL_ALL, TrezorTestDevice
    from views.dialogs.pin_dialog import PinDialog

    with TrezorTestDevice(ALL_ALL, pin="2580") as device:
        answerer.on(PinDialog, lambda d: d.reject())
        click(qtbot, page.hardware_button)
        dialog = page.dialog
        dialog.trezor_radio.setChecked(True)
        dialog.device_edit.setText(device.path)
        click(qtbot, dialog.connect_button)
        qtbot.waitUntil(lambda: dialog.connect_button.isEnabled(), timeout=30_000)
        assert answerer.seen == ["PinDialog"]
        assert dialog.isVisible() and wallet_context.accounts.all() == []
        assert wallet_context.prompts.notice is None
        dialog.reject()

"""The signing dialog shows the decoded transaction, warnings first, and Reject is the default;
QtPrompts answers a worker thread's questions with dialogs on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog

from app.errors import UserCancelled
from app.tx.describe import describe_transaction
from views.dialogs.device_notice import DeviceNotice
from views.dialogs.pin_dialog import PinDialog
from views.dialogs.signing_dialog import SigningDialog
from views.prompts import QtPrompts
from views.widgets.common import WARNING_COLOR

USDC = to_checksum_address("0x5fbdb2315678afecb367f032d93f642f64180aa3")
SENDER = to_checksum_address("0x70997970c51812dc3a010c7d01b50e20d4dc79c8")
RECIPIENT = to_checksum_address("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc")


def usdc_transfer_summary(notes=(), warnings=()):
    data = function_signature_to_4byte_selector("transfer(address,uint256)") + encode(
        ["address", "uint256"], [RECIPIENT, 5_250_000])
    tx = {"chainId": 31337, "from": SENDER, "to": USDC, "value": 0, "data": "0x" + data.hex(),
          "gas": 60_000, "maxFeePerGas": 2_000_000_000, "maxPriorityFeePerGas": 1_000_000_000, "nonce": 3}
    return describe_transaction(tx, "Demo network", "ETH", {USDC: ("USDC", 6)}, notes=notes, warnings=warnings)


def test_shows_network_from_to_value_method_arguments_and_max_fee(qtbot):
    dialog = SigningDialog(usdc_transfer_summary())
    qtbot.addWidget(dialog)
    fields = {key: label.text() for key, label in dialog.fields.items()}
    assert fields["network"] == "Demo network (chain id 31337)"
    assert fields["from"] == SENDER
    assert fields["to"] == f"USDC token ({USDC})"
    assert fields["value"] == "0 ETH"
    assert fields["method"] == "transfer(address,uint256)"
    assert fields["step_1"] == f"Send 5.25 USDC to {RECIPIENT}"
    assert fields["max_fee"] == "0.00012 ETH"  # 60,000 gas x 2 gwei
    assert fields["simulation"] == "Not simulated: balance changes are not predicted."


def test_warnings_come_first_in_the_warning_colour_and_notes_after(qtbot):
    dialog = SigningDialog(usdc_transfer_summary(warnings=("This replaces transaction 0xabc.",),
                                                 notes=("Sent from the send dialog.",)))
    qtbot.addWidget(dialog)
    [note] = dialog.warning_labels
    assert "This replaces transaction 0xabc." in note.text()
    assert WARNING_COLOR in note.styleSheet()
    [plain] = dialog.note_labels
    assert plain.text() == "Sent from the send dialog." and WARNING_COLOR not in plain.styleSheet()
    layout = dialog.layout()
    assert layout.indexOf(note) < layout.indexOf(plain) < layout.indexOf(dialog.buttons)
    layout = dialog.layout()
    assert layout.indexOf(note) < layout.indexOf(dialog.buttons)
    # the note is above the form with the fields
    assert note.mapTo(dialog, note.rect().topLeft()).y() <= \
        dialog.fields["network"].mapTo(dialog, dialog.fields["network"].rect().topLeft()).y()


def test_an_undecodable_call_is_flagged_not_guessed(qtbot):
    tx = {"chainId": 31337, "from": SENDER, "to": USDC, "value": 0, "data": "0xdeadbeef00",
          "gas": 60_000, "maxFeePerGas": 1, "maxPriorityFeePerGas": 1, "nonce": 0}
    dialog = SigningDialog(describe_transaction(tx, "Demo", "ETH"))
    qtbot.addWidget(dialog)
    assert dialog.fields["method"].text().startswith("unknown function 0xdeadbeef")
    assert "cannot decode" in dialog.warning_labels[0].text()
    assert dialog.fields["step_1"].text() == "Not decoded: unknown function 0xdeadbeef (5 bytes)"


def test_reject_is_the_default_so_enter_and_escape_do_not_sign(qtbot):
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Escape):
        dialog = SigningDialog(usdc_transfer_summary())
        qtbot.addWidget(dialog)
        assert dialog.reject_button.isDefault() and not dialog.confirm_button.isDefault()
        dialog.show()
        qtbot.waitExposed(dialog)
        with qtbot.waitSignal(dialog.finished) as finished:
            qtbot.keyClick(dialog, key)
        assert finished.args == [QDialog.DialogCode.Rejected.value]


# --- QtPrompts from another thread -----------------------------------------------------------
class Caller(threading.Thread):
    """Calls one prompts method off the GUI thread and keeps the answer or the exception."""

    def __init__(self, call):
        super().__init__(daemon=True)
        self.call, self.result, self.error = call, None, None
        self.caller_thread = None

    def run(self):
        self.caller_thread = threading.current_thread()
        try:
            self.result = self.call()
        except BaseException as exc:  # noqa: BLE001 - recorded for the test
            self.error = exc


@pytest.fixture
def prompts(qtbot):
    prompts = QtPrompts()
    yield prompts
    prompts.cancel_all()


def ask(qtbot, prompts, call) -> tuple[Caller, QDialog]:
    caller = Caller(call)
    with qtbot.waitSignal(prompts.dialog_shown) as shown:
        caller.start()
    return caller, shown.args[0]


def test_confirm_from_a_worker_thread_opens_the_dialog_and_returns_the_answer(qtbot, prompts):
    summary = usdc_transfer_summary()
    caller, dialog = ask(qtbot, prompts, lambda: prompts.confirm(summary))
    assert isinstance(dialog, SigningDialog) and dialog.summary is summary
    assert caller.is_alive() and prompts.waiting == 1  # it waits for the user
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not caller.is_alive())
    assert caller.result is True and caller.error is None
    assert caller.caller_thread is not threading.main_thread()

    caller, dialog = ask(qtbot, prompts, lambda: prompts.confirm(summary))
    qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not caller.is_alive())
    assert caller.result is False and prompts.waiting == 0


def test_pin_matrix_shows_no_digits_and_returns_positions(qtbot, prompts):
    caller, dialog = ask(qtbot, prompts, lambda: prompts.ask_pin("Enter your PIN"))
    assert isinstance(dialog, PinDialog)
    assert {button.text() for button in dialog.keys.values()} == {"•"}
    for position in (7, 5, 3, 3):
        qtbot.mouseClick(dialog.keys[position], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.backspace, Qt.MouseButton.LeftButton)
    assert dialog.entered.text() == "•••"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not caller.is_alive())
    assert caller.result == "753"


def test_cancel_raises_user_cancelled_in_the_calling_thread(qtbot, prompts):
    caller, dialog = ask(qtbot, prompts, lambda: prompts.ask_passphrase("Passphrase?"))
    dialog.reject()
    qtbot.waitUntil(lambda: not caller.is_alive())
    assert isinstance(caller.error, UserCancelled)

    caller, dialog = ask(qtbot, prompts, lambda: prompts.ask_pin("PIN"))
    prompts.cancel_all()  # the window closes: nobody waits forever
    qtbot.waitUntil(lambda: not caller.is_alive())
    assert isinstance(caller.error, UserCancelled)


def test_device_action_shows_a_notice_until_device_done(qtbot, prompts):
    caller, notice = ask(qtbot, prompts, lambda: prompts.device_action("Confirm on your Ledger"))
    assert isinstance(notice, DeviceNotice) and not notice.isModal()
    qtbot.waitUntil(lambda: not caller.is_alive())  # it does not wait for the user
    assert notice.isVisible() and notice.message_label.text() == "Confirm on your Ledger"
    done = Caller(prompts.device_done)
    done.start()
    qtbot.waitUntil(lambda: prompts.notice is None)


def test_confirm_on_the_gui_thread_runs_the_dialog_itself(qtbot, prompts):
    summary = usdc_transfer_summary()
    prompts.dialog_shown.connect(lambda dialog: QTimer.singleShot(0, dialog.confirm_button.click))
    assert prompts.confirm(summary) is True  # exec() ran until the click


def test_an_index_buy_shows_one_row_per_leg_balance_changes_in_colour_and_exact_amounts_on_demand(qtbot):
    from decimal import Decimal

    from app.index import routers
    from app.tx.describe.amounts import NATIVE_ADDRESS
    from app.tx.describe.names import AddressBook
    from app.tx.describe.simulation import SimulationOutcome
    from tests.app.test_describe_pure import ROUTER, WETH, _log, book

    link = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853"
    legs = [routers.SwapLeg(link, 3000, 123456789012345678, 12_345_678_901_234_567_890, SENDER),
            routers.SwapLeg(link, 500, 10**17, 10**19, SENDER)]
    data, value = routers.encode_universal_router_eth_buy(legs, 2**40, WETH)
    tx = {"chainId": 31337, "from": SENDER, "to": ROUTER, "value": value, "data": "0x" + data.hex(),
          "gas": 400_000, "maxFeePerGas": 302_109_792_295, "nonce": 1}
    sim = SimulationOutcome([_log(NATIVE_ADDRESS, SENDER, ROUTER, value), _log(link, ROUTER, SENDER, 23 * 10**18)], True)
    names: AddressBook = book()
    summary = describe_transaction(tx, "Demo network", "ETH", book=names, simulation=sim,
                                   prices={NATIVE_ADDRESS: Decimal(3000), link: Decimal("14.7")})
    dialog = SigningDialog(summary)
    qtbot.addWidget(dialog)
    text = {key: label.text() for key, label in dialog.fields.items()}
    assert text["to"] == f"Uniswap Universal Router ({ROUTER})"
    assert text["step_2"] == "Swap 0.123456 ETH ($370.37) -> at least 12.3456 LINK ($181.48) via Uniswap V3 0.3%"
    assert text["total_1"] == "at least 22.3456 LINK ($328.48)"
    assert text["change_1"] == "− 0.223456 ETH ($670.37)" and "#c62828" in dialog.fields["change_1"].styleSheet()
    assert text["change_2"] == "+ 23 LINK ($338.10)" and "#2e7d32" in dialog.fields["change_2"].styleSheet()
    assert text["max_fee"] == "0.121 ETH ($362.54)"          # 400,000 gas x 302.1 gwei, rounded up
    assert dialog.fields["max_fee"].toolTip() == "0.120843916918 ETH"
    assert dialog.reject_button.isDefault()
    dialog.exact_box.setChecked(True)
    assert dialog.fields["step_2"].text() == (
        "Swap 0.123456789012345678 ETH ($370.37) -> at least 12.34567890123456789 LINK ($181.48) via Uniswap V3 0.3%")
    assert dialog.fields["max_fee"].text() == "0.120843916918 ETH"
    assert ROUTER in dialog.fields["step_1"].text()          # addresses in full
    dialog.exact_box.setChecked(False)
    assert dialog.fields["step_2"].text() == text["step_2"]

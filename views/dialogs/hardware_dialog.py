"""Add a Ledger or Trezor account: the device, the derivation path, a name. Connecting reads
the address from the device on the device worker (the one thread for hardware I/O) while a
"confirm on your device" notice is shown; a Trezor's PIN or passphrase is asked through the
prompts."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from app.wallets import DEFAULT_LEDGER_DEVICE, DEFAULT_TREZOR_DEVICE, WalletService
from views.device_worker import DeviceJob, DeviceWorker
from views.errors import show_error
from views.prompts import QtPrompts
from views.widgets.common import ErrorLabel, error_text
from wallet.keys.hd import derivation_path

DEVICE_HINTS = {
    "ledger": "hid: the first Ledger on USB; tcp:HOST:PORT: a Speculos emulator (tcp:127.0.0.1:9999)",
    "trezor": "usb: the first Trezor found; udp:HOST:PORT: the emulator (udp:127.0.0.1:21324)",
}
DEFAULT_DEVICES = {"ledger": DEFAULT_LEDGER_DEVICE, "trezor": DEFAULT_TREZOR_DEVICE}
CONNECT_MESSAGES = {
    "ledger": "Connect and unlock your Ledger, and open its Ethereum app.",
    "trezor": "Connect and unlock your Trezor; confirm on it if it asks.",
}


class HardwareDialog(QDialog):
    def __init__(self, service: WalletService, device_worker: DeviceWorker, prompts: QtPrompts,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.device_worker, self.prompts = service, device_worker, prompts
        self.added: AccountRecord | None = None
        self._job: DeviceJob | None = None
        self.setWindowTitle("Add a hardware wallet")
        self.setModal(True)
        self.setMinimumWidth(560)

        self.ledger_radio = QRadioButton("Ledger", self)
        self.trezor_radio = QRadioButton("Trezor", self)
        self.ledger_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.ledger_radio)
        group.addButton(self.trezor_radio)
        kinds = QHBoxLayout()
        kinds.addWidget(self.ledger_radio)
        kinds.addWidget(self.trezor_radio)
        kinds.addStretch(1)
        self.label_edit = QLineEdit("Ledger", self)
        self.device_edit = QLineEdit(DEFAULT_LEDGER_DEVICE, self)
        self.device_hint = QLabel(DEVICE_HINTS["ledger"], self)
        self.device_hint.setWordWrap(True)
        self.path_edit = QLineEdit(derivation_path(0), self)
        form = QFormLayout()
        form.addRow("Device:", kinds)
        form.addRow("Name:", self.label_edit)
        form.addRow("Connection:", self.device_edit)
        form.addRow("", self.device_hint)
        form.addRow("Derivation path:", self.path_edit)
        self.error = ErrorLabel(self)
        self.status = QLabel("", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("Connect")
        self.buttons.accepted.connect(self.connect_device)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.trezor_radio.toggled.connect(self._kind_changed)

    @property
    def kind(self) -> str:
        return "trezor" if self.trezor_radio.isChecked() else "ledger"

    def _kind_changed(self) -> None:
        kind, other = self.kind, ("ledger" if self.kind == "trezor" else "trezor")
        if self.device_edit.text().strip() in ("", DEFAULT_DEVICES[other]):
            self.device_edit.setText(DEFAULT_DEVICES[kind])
        if self.label_edit.text().strip() in ("", other.capitalize()):
            self.label_edit.setText(kind.capitalize())
        self.device_hint.setText(DEVICE_HINTS[kind])

    def connect_device(self) -> None:
        if self._job is not None:
            return
        self.error.clear_error()
        label, device = self.label_edit.text(), self.device_edit.text().strip()
        path = self.path_edit.text().strip()
        self.status.setText("Talking to the device…")
        self.connect_button.setEnabled(False)
        self.prompts.device_action(CONNECT_MESSAGES[self.kind])
        if self.kind == "ledger":
            self._job = self.device_worker.submit(self.service.add_ledger, label, device, path)
        else:
            self._job = self.device_worker.submit(self.service.add_trezor, label, self.prompts,
                                                  device, path)
        self._job.signals.returned.connect(self._added)
        self._job.signals.errored.connect(self._failed)

    def _added(self, record: AccountRecord) -> None:
        self._job = None
        self.prompts.device_done()
        self.added = record
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._job = None
        self.prompts.device_done()
        self.status.clear()
        self.connect_button.setEnabled(True)
        text = error_text(exc)
        if text is None:
            show_error(self, exc)  # silent for a cancellation
        else:
            self.error.show_error(text)

    def done(self, result: int) -> None:
        if self._job is not None:
            return  # the device is answering: wait for it (it cannot be interrupted)
        super().done(result)

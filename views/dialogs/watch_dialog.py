"""Watch an address: its balances and history, no key (it cannot sign here)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from app.errors import BasketryError
from app.wallets import WalletService
from views.widgets.common import ErrorLabel, mono_font


class WatchDialog(QDialog):
    def __init__(self, service: WalletService, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.added: AccountRecord | None = None
        self.setWindowTitle("Watch an address")
        self.setModal(True)
        self.setMinimumWidth(520)
        self.label_edit = QLineEdit("Watched", self)
        self.address_edit = QLineEdit(self)
        self.address_edit.setFont(mono_font())
        self.address_edit.setPlaceholderText("0x…")
        form = QFormLayout()
        form.addRow("Name:", self.label_edit)
        form.addRow("Address:", self.address_edit)
        note = QLabel("A watch-only account shows balances and history. It cannot sign here: "
                      "sign its transactions air-gapped, on the device that holds the key.", self)
        note.setWordWrap(True)
        self.error = ErrorLabel(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Watch")
        self.buttons.accepted.connect(self.add)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def add(self) -> None:
        try:
            self.added = self.service.watch(self.label_edit.text(), self.address_edit.text())
        except BasketryError as exc:
            self.error.show_error(str(exc))
            return
        self.accept()

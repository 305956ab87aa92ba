"""A hardware wallet's passphrase (the "25th word"), typed twice so a typo does not open an
empty hidden wallet unnoticed. Empty is allowed: the standard wallet."""

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

from views.widgets.common import ErrorLabel


class PassphraseDialog(QDialog):
    def __init__(self, message: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Wallet passphrase")
        self.setModal(True)
        text = QLabel(message, self)
        text.setWordWrap(True)
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit(self)
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = ErrorLabel(self)
        form = QFormLayout()
        form.addRow("Passphrase:", self.passphrase_edit)
        form.addRow("Again:", self.repeat_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _check(self) -> None:
        if self.passphrase_edit.text() != self.repeat_edit.text():
            self.error.show_error("The two passphrases differ.")
            return
        self.accept()

    @property
    def passphrase(self) -> str:
        return self.passphrase_edit.text()

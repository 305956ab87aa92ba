"""Asks for an account's password and unlocks it on a worker (scrypt takes most of a second).

A wrong password is shown in the dialog and the user tries again; Cancel gives up. The
caller passes what "unlock" means (``unlock(password) -> result``: a signer, a derived
account, an exported keystore) and reads ``unlocked`` after ``accepted``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from views.errors import show_error
from views.widgets.common import ErrorLabel, error_text
from views.workers import Worker


class UnlockDialog(QDialog):
    def __init__(self, account_label: str, unlock: Callable[[str], Any],
                 parent: QWidget | None = None, purpose: str = "to sign"):
        super().__init__(parent)
        self.setWindowTitle(f"Unlock {account_label}")
        self.setModal(True)
        self.setMinimumWidth(380)
        self._unlock = unlock
        self._worker: Worker | None = None
        self.unlocked: Any = None  # what ``unlock`` returned

        text = QLabel(f"Enter the password of <b>{_escape(account_label)}</b> {purpose}.", self)
        text.setWordWrap(True)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = ErrorLabel(self)
        self.status = QLabel("", self)
        form = QFormLayout()
        form.addRow("Password:", self.password_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Unlock")
        self.buttons.accepted.connect(self.try_unlock)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def try_unlock(self) -> None:
        if self.busy:
            return
        self.error.clear_error()
        self.status.setText("Unlocking…")
        self._set_inputs_enabled(False)
        self._worker = Worker(self._unlock, self.password_edit.text())
        self._worker.signals.returned.connect(self._unlocked)
        self._worker.signals.errored.connect(self._failed)
        self._worker.start()

    def _unlocked(self, result: Any) -> None:
        self._worker = None
        if self.result() == QDialog.DialogCode.Rejected and not self.isVisible():
            _lock(result)  # the user gave up meanwhile: do not keep a key in memory
            return
        self.unlocked = result
        self.password_edit.clear()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._worker = None
        self.status.clear()
        self._set_inputs_enabled(True)
        self.password_edit.selectAll()
        self.password_edit.setFocus()
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.error.show_error(text)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        self.password_edit.setEnabled(enabled)
        self.ok_button.setEnabled(enabled)


def _lock(signer: Any) -> None:
    lock = getattr(signer, "lock", None)
    if callable(lock):
        lock()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

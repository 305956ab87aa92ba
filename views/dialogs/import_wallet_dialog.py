"""Import an existing wallet: a recovery phrase, a private key, or a v3 keystore file with its
password. The secret is encrypted (scrypt) on a worker and stored in the OS keyring; the
dialog clears its fields when it closes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from app.errors import InvalidInput
from app.wallets import WalletService
from views.errors import show_error
from views.widgets.common import ErrorLabel, error_text
from views.workers import Worker

MAX_KEYSTORE_BYTES = 1_000_000


class ImportWalletDialog(QDialog):
    PHRASE, KEY, KEYSTORE = range(3)

    def __init__(self, service: WalletService, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.imported: AccountRecord | None = None
        self._worker: Worker | None = None
        self.setWindowTitle("Import a wallet")
        self.setModal(True)
        self.setMinimumWidth(560)

        self.label_edit = QLineEdit("Imported", self)
        self.tabs = QTabWidget(self)

        phrase_tab = QWidget(self)
        self.phrase_edit = QPlainTextEdit(phrase_tab)
        self.phrase_edit.setPlaceholderText("12 or 24 words, separated by spaces")
        self.phrase_edit.setTabChangesFocus(True)
        box = QVBoxLayout(phrase_tab)
        box.addWidget(QLabel("Recovery phrase (BIP-39, English). The first account "
                             "(m/44'/60'/0'/0/0) is imported; add the next ones later.", phrase_tab))
        box.addWidget(self.phrase_edit)
        self.tabs.addTab(phrase_tab, "Recovery phrase")

        key_tab = QWidget(self)
        self.key_edit = QLineEdit(key_tab)
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("64 hex digits, with or without 0x")
        form = QFormLayout(key_tab)
        form.addRow("Private key:", self.key_edit)
        self.tabs.addTab(key_tab, "Private key")

        file_tab = QWidget(self)
        self.file_edit = QLineEdit(file_tab)
        self.file_edit.setPlaceholderText("UTC--…json")
        browse = QPushButton("Browse…", file_tab)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(browse)
        self.file_password_edit = QLineEdit(file_tab)
        self.file_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(file_tab)
        form.addRow("Keystore file:", file_row)
        form.addRow("Its password:", self.file_password_edit)
        form.addRow(QLabel("The account keeps the file's password.", file_tab))
        self.tabs.addTab(file_tab, "Keystore file")

        self.password_box = QWidget(self)
        self.password_edit = QLineEdit(self.password_box)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit(self.password_box)
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self.password_box)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("New password:", self.password_edit)
        form.addRow("Password again:", self.repeat_edit)
        self.tabs.currentChanged.connect(lambda i: self.password_box.setVisible(i != self.KEYSTORE))

        self.error = ErrorLabel(self)
        self.status = QLabel("", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        top = QFormLayout()
        top.addRow("Name:", self.label_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        layout.addWidget(self.password_box)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Keystore file", "", "Keystore (*.json *);;All files (*)")
        if path:
            self.file_edit.setText(path)

    def start_import(self) -> None:
        if self._worker is not None:
            return
        try:
            job = self._job()
        except InvalidInput as exc:
            self.error.show_error(str(exc))
            return
        self.error.clear_error()
        self.status.setText("Encrypting the key and storing it in the OS keyring…")
        self.import_button.setEnabled(False)
        self._worker = Worker(*job)
        self._worker.signals.returned.connect(self._imported)
        self._worker.signals.errored.connect(self._failed)
        self._worker.start()

    def _job(self) -> tuple:
        label = self.label_edit.text()
        tab = self.tabs.currentIndex()
        if tab == self.KEYSTORE:
            path = Path(self.file_edit.text().strip())
            if not self.file_edit.text().strip():
                raise InvalidInput("choose the keystore file")
            try:
                if path.stat().st_size > MAX_KEYSTORE_BYTES:
                    raise InvalidInput(f"{path.name} is too large to be a keystore file")
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInput(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
            return (self.service.import_keystore_file, label, text, self.file_password_edit.text())
        if self.password_edit.text() != self.repeat_edit.text():
            raise InvalidInput("the two passwords differ")
        if tab == self.PHRASE:
            return (self.service.import_mnemonic, label, self.phrase_edit.toPlainText(),
                    self.password_edit.text())
        return (self.service.import_private_key, label, self.key_edit.text(), self.password_edit.text())

    def _imported(self, record: AccountRecord) -> None:
        self._worker = None
        self.imported = record
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._worker = None
        self.status.clear()
        self.import_button.setEnabled(True)
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.error.show_error(text)

    def done(self, result: int) -> None:
        if self._worker is not None:
            return  # storing: finish first
        for edit in (self.key_edit, self.password_edit, self.repeat_edit, self.file_password_edit):
            edit.clear()
        self.phrase_edit.clear()
        super().done(result)

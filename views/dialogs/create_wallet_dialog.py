"""A new wallet in three steps: name and password -> the recovery phrase, shown once, with a
"written down" checkbox -> three of its words asked back. Only a correct backup check creates
the account (the phrase goes to the keyring, encrypted; SQLite gets the address only).

The phrase reaches the clipboard only if the user presses Copy, and is cleared from it a
minute later if it is still there. The dialog forgets the phrase when it closes.
"""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from app.errors import BasketryError, InvalidInput
from app.wallets import WalletService, check_new_password
from views.errors import show_error
from views.widgets.common import WARNING_COLOR, ErrorLabel, error_text, mono_font
from views.workers import Worker
from wallet.keys import hd

CLIPBOARD_CLEAR_MS = 60_000
CHECKED_WORDS = 3


class CreateWalletDialog(QDialog):
    DETAILS, PHRASE, CHECK = range(3)

    def __init__(self, service: WalletService, parent: QWidget | None = None,
                 default_label: str = "My wallet"):
        super().__init__(parent)
        self.service = service
        self.created: AccountRecord | None = None
        self._mnemonic: str | None = None
        self._password = ""
        self._worker: Worker | None = None
        self.check_positions: list[int] = []
        self.setWindowTitle("Create a wallet")
        self.setModal(True)
        self.setMinimumWidth(560)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._details_page(default_label))
        self.pages.addWidget(self._phrase_page())
        self.pages.addWidget(self._check_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # --- step 1: name, password, length ---------------------------------------------------
    def _details_page(self, default_label: str) -> QWidget:
        page = QWidget(self)
        self.label_edit = QLineEdit(default_label, page)
        self.password_edit = QLineEdit(page)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit(page)
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.words12 = QRadioButton("12 words", page)
        self.words24 = QRadioButton("24 words", page)
        self.words12.setChecked(True)
        group = QButtonGroup(page)
        group.addButton(self.words12)
        group.addButton(self.words24)
        words = QHBoxLayout()
        words.addWidget(self.words12)
        words.addWidget(self.words24)
        words.addStretch(1)
        form = QFormLayout()
        form.addRow("Name:", self.label_edit)
        form.addRow("Password:", self.password_edit)
        form.addRow("Password again:", self.repeat_edit)
        form.addRow("Recovery phrase:", words)
        hint = QLabel("The password encrypts the key on this computer (in the OS keyring). "
                      "It cannot recover the wallet: the recovery phrase can.", page)
        hint.setWordWrap(True)
        self.details_error = ErrorLabel(page)
        self.next_button = QPushButton("Next", page)
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.show_phrase)
        cancel = QPushButton("Cancel", page)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.details_error)
        layout.addStretch(1)
        layout.addLayout(_buttons(cancel, self.next_button))
        return page

    def show_phrase(self) -> None:
        """Validate step 1, make the phrase and show it."""
        try:
            if self.password_edit.text() != self.repeat_edit.text():
                raise InvalidInput("the two passwords differ")
            check_new_password(self.password_edit.text())
            self.service.accounts.ensure_label_free(self.label_edit.text())
            self.service.vault.check_backend()  # before the user writes down anything
        except BasketryError as exc:
            self.details_error.show_error(str(exc))
            return
        self.details_error.clear_error()
        self._password = self.password_edit.text()
        n = 24 if self.words24.isChecked() else 12
        if self._mnemonic is None or len(self._mnemonic.split()) != n:
            self.written_box.setChecked(False)
            self._mnemonic = hd.new_mnemonic(n)
            self.check_positions = hd.backup_check_positions(n, CHECKED_WORDS)
        self._fill_phrase(self._mnemonic.split())
        self.pages.setCurrentIndex(self.PHRASE)

    # --- step 2: the phrase ------------------------------------------------------------------
    def _phrase_page(self) -> QWidget:
        page = QWidget(self)
        warning = QLabel("Write these words down on paper, in order, and keep them safe. Anyone "
                         "with them can take your funds; without them a lost computer or "
                         "password means lost funds. Basketry will not show them again.", page)
        warning.setWordWrap(True)
        warning.setStyleSheet(f"color: {WARNING_COLOR};")
        self.word_grid = QGridLayout()
        self.word_labels: list[QLabel] = []
        self.written_box = QCheckBox("I have written down all the words, in order", page)
        self.copy_button = QPushButton("Copy to clipboard", page)
        self.copy_button.setAutoDefault(False)
        self.copy_button.setToolTip("Other programs can read the clipboard. Basketry clears it "
                                    "after a minute.")
        self.copy_button.clicked.connect(self.copy_phrase)
        back = QPushButton("Back", page)
        back.setAutoDefault(False)
        back.clicked.connect(lambda: self.pages.setCurrentIndex(self.DETAILS))
        self.phrase_next = QPushButton("Next", page)
        self.phrase_next.setEnabled(False)
        self.written_box.toggled.connect(self.phrase_next.setEnabled)
        self.phrase_next.clicked.connect(self.show_check)
        layout = QVBoxLayout(page)
        layout.addWidget(warning)
        layout.addLayout(self.word_grid)
        layout.addWidget(self.written_box)
        row = QHBoxLayout()
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(back)
        row.addWidget(self.phrase_next)
        layout.addStretch(1)
        layout.addLayout(row)
        return page

    def _fill_phrase(self, words: list[str]) -> None:
        for label in self.word_labels:
            self.word_grid.removeWidget(label)
            label.deleteLater()
        self.word_labels = []
        columns = 4 if len(words) <= 12 else 6
        rows = (len(words) + columns - 1) // columns
        for i, word in enumerate(words):
            label = QLabel(f"{i + 1:>2}. {word}", self)
            label.setFont(mono_font())
            self.word_grid.addWidget(label, i % rows, i // rows)  # numbered down the columns
            self.word_labels.append(label)

    def copy_phrase(self) -> None:
        if self._mnemonic is None:
            return
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self._mnemonic)
        digest = _digest(self._mnemonic)

        def clear_if_unchanged() -> None:
            if _digest(clipboard.text()) == digest:
                clipboard.clear()

        QTimer.singleShot(CLIPBOARD_CLEAR_MS, clipboard, clear_if_unchanged)

    # --- step 3: the backup check -----------------------------------------------------------
    def _check_page(self) -> QWidget:
        page = QWidget(self)
        intro = QLabel("To make sure the backup is right, type these words from your paper.", page)
        intro.setWordWrap(True)
        self.check_form = QFormLayout()
        self.check_edits: dict[int, QLineEdit] = {}
        self.check_error = ErrorLabel(page)
        self.status = QLabel("", page)
        back = QPushButton("Show the words again", page)
        back.setAutoDefault(False)
        back.clicked.connect(lambda: self.pages.setCurrentIndex(self.PHRASE))
        self.create_button = QPushButton("Create wallet", page)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(self.check_form)
        layout.addWidget(self.check_error)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(_buttons(back, self.create_button))
        return page

    def show_check(self) -> None:
        while self.check_form.rowCount():
            self.check_form.removeRow(0)
        self.check_edits = {}
        for position in self.check_positions:
            edit = QLineEdit(self)
            self.check_form.addRow(f"Word #{position}:", edit)
            self.check_edits[position] = edit
        self.check_error.clear_error()
        self.pages.setCurrentIndex(self.CHECK)
        if self.check_positions:
            self.check_edits[self.check_positions[0]].setFocus()

    def create(self) -> None:
        if self._worker is not None or self._mnemonic is None:
            return
        answers = {position: edit.text() for position, edit in self.check_edits.items()}
        if not hd.check_backup(self._mnemonic, answers):
            self.check_error.show_error("These words do not match the recovery phrase. Check "
                                        "what you wrote down (or show the words again).")
            return
        self.check_error.clear_error()
        self.status.setText("Encrypting the key and storing it in the OS keyring…")
        self.create_button.setEnabled(False)
        self._worker = Worker(self.service.import_mnemonic, self.label_edit.text(),
                              self._mnemonic, self._password)
        self._worker.signals.returned.connect(self._created)
        self._worker.signals.errored.connect(self._failed)
        self._worker.start()

    def _created(self, record: AccountRecord) -> None:
        self._worker = None
        self.created = record
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._worker = None
        self.status.clear()
        self.create_button.setEnabled(True)
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.check_error.show_error(text)

    # --- forgetting ------------------------------------------------------------------------
    def done(self, result: int) -> None:
        if self._worker is not None:
            return  # storing: finish first (cannot be stopped half-way)
        self._forget()
        super().done(result)

    def _forget(self) -> None:
        self._mnemonic = None
        self._password = ""
        for edit in (self.password_edit, self.repeat_edit, *self.check_edits.values()):
            edit.clear()
        for label in self.word_labels:
            label.clear()


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()

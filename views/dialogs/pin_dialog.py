"""A Trezor PIN: the device shows a scrambled keypad; the user clicks the same POSITIONS on a
3x3 grid of blank buttons (so the computer never learns the digits). Positions are sent as
trezorlib expects them: 7 8 9 top row, 4 5 6 middle, 1 2 3 bottom."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# row by row, top to bottom, as the positions of a phone-style keypad upside down
KEYPAD = ((7, 8, 9), (4, 5, 6), (1, 2, 3))
MAX_PIN_LENGTH = 50


class PinDialog(QDialog):
    def __init__(self, message: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Trezor PIN")
        self.setModal(True)
        self._positions: list[str] = []

        text = QLabel(message, self)
        text.setWordWrap(True)
        grid = QGridLayout()
        self.keys: dict[int, QPushButton] = {}
        for row, positions in enumerate(KEYPAD):
            for column, position in enumerate(positions):
                button = QPushButton("•", self)
                button.setFixedSize(64, 48)
                button.setAutoDefault(False)
                button.clicked.connect(lambda _=False, p=position: self.press(p))
                grid.addWidget(button, row, column)
                self.keys[position] = button
        self.entered = QLineEdit(self)
        self.entered.setReadOnly(True)
        self.entered.setEchoMode(QLineEdit.EchoMode.Password)
        self.backspace = QPushButton("⌫", self)
        self.backspace.setAutoDefault(False)
        self.backspace.clicked.connect(self.erase)
        entry = QHBoxLayout()
        entry.addWidget(self.entered, 1)
        entry.addWidget(self.backspace)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(grid)
        layout.addLayout(entry)
        layout.addWidget(self.buttons)

    def press(self, position: int) -> None:
        if len(self._positions) < MAX_PIN_LENGTH:
            self._positions.append(str(position))
            self._sync()

    def erase(self) -> None:
        if self._positions:
            self._positions.pop()
            self._sync()

    def _sync(self) -> None:
        self.entered.setText("•" * len(self._positions))
        self.ok_button.setEnabled(bool(self._positions))

    @property
    def positions(self) -> str:
        """The clicked positions, e.g. "7415"."""
        return "".join(self._positions)

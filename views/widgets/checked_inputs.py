"""Line edits for amounts and addresses that read what was typed the way the core will
(app.inputs) and say so under the field while the person types: "Read as 0.5" for a decimal
comma, the checksummed form of an address, or why the text is not one. The core still checks
everything again; these only make what it will read visible before Review."""

from __future__ import annotations

from PySide6.QtCore import QLocale, QObject
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from app.errors import InvalidInput
from app.inputs import parse_address, parse_decimal, read_localized
from views.widgets.common import MUTED_COLOR, WARNING_COLOR


def _echo_label(parent: QWidget | None) -> QLabel:
    label = QLabel("", parent)
    label.setObjectName("inputEcho")
    label.setWordWrap(True)
    label.hide()
    return label


def _show(label: QLabel, text: str, warning: bool = False) -> None:
    label.setText(text)
    label.setStyleSheet(f"color: {WARNING_COLOR if warning else MUTED_COLOR};")
    label.setVisible(bool(text))


class AmountReader(QObject):
    """Reads ``edit`` as a plain decimal; the locale's decimal comma is accepted and shown as
    the point it was read as. ``echo`` is the label to place under the field."""

    def __init__(self, edit: QLineEdit, what: str = "amount", *, percent: bool = False):
        super().__init__(edit)
        self.edit, self.what, self.percent = edit, what, percent
        self.echo = _echo_label(edit.parentWidget())
        edit.textChanged.connect(self._update)

    def decimal_point(self) -> str:
        return QLocale().decimalPoint()

    def text(self) -> str:
        """What to give the core: the plain decimal read, or the text as typed when it cannot
        be read (the core then refuses it, naming the problem)."""
        try:
            return read_localized(self._without_percent(), self.decimal_point(), self.what)
        except InvalidInput:
            return self.edit.text().strip()

    def _without_percent(self) -> str:
        text = self.edit.text().strip()
        return text[:-1].strip() if self.percent and text.endswith("%") else text

    def _update(self) -> None:
        typed = self._without_percent()
        if not typed:
            _show(self.echo, "")
            return
        try:
            plain = read_localized(typed, self.decimal_point(), self.what)
            parse_decimal(plain, self.what, allow_zero=True)
        except InvalidInput as exc:
            _show(self.echo, str(exc), warning=True)
            return
        _show(self.echo, f"Read as {plain}" if plain != typed else "")


class AddressReader(QObject):
    """Reads ``edit`` as an address and shows its checksummed form when it differs from what
    was typed (or pasted), or why it is not an address."""

    def __init__(self, edit: QLineEdit, what: str = "address"):
        super().__init__(edit)
        self.edit, self.what = edit, what
        self.echo = _echo_label(edit.parentWidget())
        edit.textChanged.connect(self._update)

    def _update(self) -> None:
        typed = self.edit.text().strip()
        if not typed:
            _show(self.echo, "")
            return
        try:
            address = parse_address(typed, self.what)
        except InvalidInput as exc:
            _show(self.echo, str(exc), warning=len(typed) >= 42 or not typed.startswith("0x"))
            return
        _show(self.echo, "" if address == typed else
              f"Checksummed: {address} (compare it with the address you were given)")

"""Small pieces the wallet's dialogs share: an inline error line, a monospace font, a
read-only value label, page titles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QLabel, QWidget

from app.errors import BasketryError

WARNING_COLOR = "#b3261e"   # red-brown: warnings and errors
OK_COLOR = "#2e7d32"        # green: confirmed
MUTED_COLOR = "#6b6b6b"


def mono_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def value_label(text: str, parent: QWidget | None = None, mono: bool = False) -> QLabel:
    """A label the user may select (an address, a hash) but not edit."""
    label = QLabel(text, parent)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if mono:
        label.setFont(mono_font())
    return label


class ErrorLabel(QLabel):
    """An inline error line in the warning colour, hidden while empty."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("", parent)
        self.setObjectName("errorLabel")
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {WARNING_COLOR};")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_error(self) -> None:
        self.show_error("")


def title_label(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("pageTitle")
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.6)
    font.setBold(True)
    label.setFont(font)
    return label


def error_text(exc: BaseException) -> str | None:
    """The text to show inline for ``exc``: a BasketryError's message; None for a
    cancellation; None for a bug too (the caller hands those to ``show_error``)."""
    if isinstance(exc, BasketryError):
        return str(exc) or type(exc).__name__
    return None

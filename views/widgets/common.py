"""Small pieces the wallet's dialogs share: an inline error line, a monospace font, a
read-only value label, page titles."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QWidget

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


def show_link(label: QLabel, text: str, url: str | None) -> None:
    """``text`` in ``label``; with ``url`` (an explorer link, see app.explorer) it is a link that
    opens in the browser, and the label's context menu offers "Open in explorer" and "Copy
    link". Without one (the demo network) it is plain selectable text."""
    show_links(label, [(text, url)])


def show_links(label: QLabel, parts: list[tuple[str, str | None]]) -> None:
    """Like show_link for a line of several pieces (e.g. sender → recipient), each a link when
    it has a URL."""
    urls = [(text, url) for text, url in parts if url]
    label.setProperty("explorer_urls", urls)
    if not label.property("link_ready"):
        label.setProperty("link_ready", True)
        label.linkActivated.connect(open_url)
        label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        label.customContextMenuRequested.connect(lambda pos, lb=label: _link_menu(lb, pos))
    plain = "".join(text for text, _url in parts)
    label.setProperty("plain_text", plain)
    if urls:
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.setText("".join(f'<a href="{html.escape(url, quote=True)}">{html.escape(text)}</a>' if url
                              else html.escape(text) for text, url in parts))
        label.setToolTip("\n".join(f"Open in explorer: {url}" for _text, url in urls))
    else:
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setText(plain)
        label.setToolTip("")


def open_url(url: str) -> bool:
    """Open ``url`` in the system's browser (QDesktopServices); False if nothing could."""
    return QDesktopServices.openUrl(QUrl(url))


def _link_menu(label: QLabel, pos) -> None:
    urls = label.property("explorer_urls") or []
    menu = QMenu(label)
    for text, url in urls:
        name = f" {text[:10]}…" if len(urls) > 1 else ""
        menu.addAction(f"Open{name} in explorer", lambda u=url: open_url(u))
        menu.addAction(f"Copy link{name.replace(' in explorer', '')}",
                       lambda u=url: QApplication.clipboard().setText(u))
    text = label.selectedText() or label.property("plain_text") or label.text()
    menu.addAction("Copy", lambda: QApplication.clipboard().setText(text))
    menu.exec(label.mapToGlobal(pos))


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

"""The one place that decides how an error reaches the user in the GUI.

- ``BasketryError``: its message, as written, in a warning box (titled by the error's ``title``
  when it has one, e.g. "The price moved since the quote").
- ``UserCancelled``: nothing; the user already knows.
- anything else: a bug. A generic "Unexpected error" box with the type and message; the
  traceback goes to the log, not at the user.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import BasketryError, UserCancelled

log = logging.getLogger(__name__)

UNEXPECTED_TITLE = "Unexpected error"


def error_message(exc: BaseException) -> tuple[str, str, str] | None:
    """``(title, text, details)`` to show for ``exc``, or None to stay silent."""
    if isinstance(exc, UserCancelled):
        return None
    if isinstance(exc, BasketryError):
        return getattr(exc, "title", "Basketry"), str(exc) or type(exc).__name__, ""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (UNEXPECTED_TITLE, "Something went wrong that Basketry did not expect.", detail)


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Show ``exc`` to the user in a modal box (or not at all, for a cancellation)."""
    message = error_message(exc)
    if message is None:
        return
    title, text, details = message
    if title == UNEXPECTED_TITLE:
        log.error("unexpected error shown to the user", exc_info=exc)
        icon = QMessageBox.Icon.Critical
    else:
        icon = QMessageBox.Icon.Warning
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setInformativeText(details)
    box.exec()

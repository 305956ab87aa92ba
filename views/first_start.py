"""The dialog shown while the demo network is set up on first start. It only displays.

The caller feeds ``on_progress`` (typically from a Worker's ``progress`` signal) and closes
the dialog with ``accept()``/``reject()`` when the setup ends; Cancel, Escape and the window's
close button only emit ``cancel_requested`` so the caller can stop the work cleanly first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

_STEPS = 1000  # progress bar resolution for fractions


class FirstStartDialog(QDialog):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None,
                 heading: str = "Setting up the demo network on this computer…"):
        super().__init__(parent)
        self.setWindowTitle("Basketry: first start")
        self.setModal(True)
        self.setMinimumWidth(460)
        self.heading_label = QLabel(heading, self)
        self.heading_label.setWordWrap(True)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setTextVisible(False)
        self.log_label = QLabel("", self)
        self.log_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self._request_cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.log_label)
        layout.addWidget(self.buttons)
        self._set_busy()

    def on_progress(self, update: object) -> None:
        """``"message"`` or ``("message", fraction)``; a fraction of None means unknown."""
        fraction: float | None = None
        if isinstance(update, tuple):
            message, fraction = update
        else:
            message = update
        self.log_label.setText(str(message))
        if fraction is None:
            self._set_busy()
        else:
            self.progress_bar.setRange(0, _STEPS)
            self.progress_bar.setValue(round(min(max(float(fraction), 0.0), 1.0) * _STEPS))

    @property
    def is_busy(self) -> bool:
        """The bar shows activity without a known fraction."""
        return self.progress_bar.maximum() == 0

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:  # QDialog would reject(), i.e. close
            self._request_cancel()
            event.accept()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """The window's close button asks to cancel; the caller closes when the work stops."""
        event.ignore()
        self._request_cancel()

    def _request_cancel(self) -> None:
        if not self.cancel_button.isEnabled():
            return
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.log_label.setText("Cancelling…")
        self.cancel_requested.emit()

    def _set_busy(self) -> None:
        self.progress_bar.setRange(0, 0)


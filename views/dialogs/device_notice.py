"""A non-modal "act on your device" notice, shown while a hardware wallet waits for a button
press and hidden when it answers. It only displays: the device itself confirms or rejects."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QVBoxLayout, QWidget


class DeviceNotice(QDialog):
    def __init__(self, message: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Confirm on your device")
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.message_label = QLabel(message, self)
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumWidth(360)
        busy = QProgressBar(self)
        busy.setRange(0, 0)
        busy.setTextVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addWidget(busy)

    def set_message(self, message: str) -> None:
        self.message_label.setText(message)

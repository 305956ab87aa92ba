"""A page that is not built yet: its title and one honest line about what it will hold."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PlaceholderPage(QWidget):
    TITLE: ClassVar[str] = ""
    PENDING: ClassVar[str] = ""  # what the page will hold, and which feature brings it

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(type(self).__name__)
        self.title_label = QLabel(self.TITLE, self)
        self.title_label.setObjectName("pageTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title_label.setFont(font)
        self.pending_label = QLabel(self.PENDING, self)
        self.pending_label.setObjectName("pagePending")
        self.pending_label.setWordWrap(True)
        self.pending_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(10)
        layout.addWidget(self.title_label)
        layout.addWidget(self.pending_label)
        layout.addStretch(1)

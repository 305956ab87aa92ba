"""A QR code painted from its module matrix (``wallet.airgap.qr_matrix``): square modules,
dark on white, scaled to the widget, always whole pixels so a phone camera reads it."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

MIN_MODULE_PX = 3


class QrWidget(QWidget):
    def __init__(self, matrix: list[list[bool]] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._matrix: list[list[bool]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.set_matrix(matrix or [])

    @property
    def matrix(self) -> list[list[bool]]:
        return self._matrix

    def set_matrix(self, matrix: list[list[bool]]) -> None:
        if any(len(row) != len(matrix) for row in matrix):
            raise ValueError("a QR matrix is square")
        self._matrix = [list(row) for row in matrix]
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        side = max(len(self._matrix) * 4, 120)
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        side = max(len(self._matrix) * MIN_MODULE_PX, 60)
        return QSize(side, side)

    def module_rect(self) -> tuple[int, int, int]:
        """(x, y, module size in pixels) of the code's top-left corner, centred."""
        n = len(self._matrix)
        if n == 0:
            return 0, 0, 0
        module = max(min(self.width(), self.height()) // n, 1)
        side = module * n
        return (self.width() - side) // 2, (self.height() - side) // 2, module

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        x0, y0, module = self.module_rect()
        if module:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("black"))
            for row, cells in enumerate(self._matrix):
                for column, dark in enumerate(cells):
                    if dark:
                        painter.drawRect(QRect(x0 + column * module, y0 + row * module, module, module))
        painter.end()

"""A preview's warnings (app.trade_warnings' dicts), one line each, coloured by level, and, when
one needs confirmation, a checkbox naming it: until it is ticked ``accepted`` is False and the
page or dialog keeps its Buy/Deposit disabled. A "refuse" warning cannot be accepted."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from views.widgets.common import WARNING_COLOR

LEVEL_COLORS = {"refuse": WARNING_COLOR, "confirm": "#c25e00", "warn": "#8a6d00"}
LEVEL_WORDS = {"refuse": "Refused", "confirm": "Confirm", "warn": "Warning"}


class TradeWarningsView(QWidget):
    changed = Signal()   # shown warnings or the checkbox changed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tradeWarnings")
        self.warnings: list[dict] = []
        self.labels: list[QLabel] = []
        self.accept_box = QCheckBox(self)
        self.accept_box.setObjectName("acceptImpact")
        self.accept_box.toggled.connect(lambda _on: self.changed.emit())
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.accept_box)
        self.set_warnings([])

    def set_warnings(self, warnings: list[dict] | None) -> None:
        for label in self.labels:
            self._layout.removeWidget(label)
            label.deleteLater()
        self.warnings, self.labels = list(warnings or []), []
        for index, warning in enumerate(self.warnings):
            level = warning.get("level", "warn")
            label = QLabel(f"{LEVEL_WORDS.get(level, 'Warning')}: {warning.get('text', '')}", self)
            label.setWordWrap(True)
            label.setProperty("level", level)
            label.setStyleSheet(f"color: {LEVEL_COLORS.get(level, LEVEL_COLORS['warn'])};"
                                + (" font-weight: bold;" if level != "warn" else ""))
            self._layout.insertWidget(index, label)
            self.labels.append(label)
        confirm = self.to_confirm()
        self.accept_box.blockSignals(True)
        self.accept_box.setChecked(False)
        self.accept_box.blockSignals(False)
        self.accept_box.setVisible(bool(confirm))
        if confirm:
            names = "; ".join(w["text"].split(": price impact ")[0] + " " + _impact(w["text"]) for w in confirm)
            self.accept_box.setText(f"I accept the price impact ({names}) and want to trade anyway")
        self.setVisible(bool(self.warnings))
        self.changed.emit()

    def to_confirm(self) -> list[dict]:
        return [w for w in self.warnings if w.get("level") == "confirm"]

    @property
    def refused(self) -> bool:
        return any(w.get("level") == "refuse" for w in self.warnings)

    @property
    def accepted(self) -> bool:
        """True when nothing needs confirming, or the box naming it is ticked (never with a refusal)."""
        return not self.refused and (not self.to_confirm() or self.accept_box.isChecked())

    def why_not_accepted(self) -> str | None:
        if self.refused:
            return "Refused: " + "; ".join(w["text"] for w in self.warnings if w.get("level") == "refuse")
        if not self.accepted:
            return "The price impact needs your confirmation: tick the box above."
        return None


def _impact(text: str) -> str:
    """"GRT: price impact 6.02%: …" -> "6.02%"."""
    part = text.split(": price impact ", 1)[1] if ": price impact " in text else ""
    return part.split("%")[0] + "%" if "%" in part else ""

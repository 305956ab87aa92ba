"""Activity as tables: every transaction (the app's journal and the ones found in the history),
newest first, with what it moved; and the predicted-vs-realised rows of the selected trade."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.portfolio.activity import ActivityItem, Movement
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.comparison import ComparisonRow
from app.tx.journal import OPEN_STATES, JournalEntry
from views.formatting import format_amount, full_amount, to_decimal
from views.models.rows_model import RowsTableModel
from views.widgets.common import MUTED_COLOR, OK_COLOR, WARNING_COLOR, mono_font

_Index = QModelIndex | QPersistentModelIndex
STATUS_COLORS = {"confirmed": OK_COLOR, "failed": WARNING_COLOR, "rejected": WARNING_COLOR, "dropped": WARNING_COLOR,
                 "replaced": MUTED_COLOR}
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
SOURCES = {"app": "Basketry", "external": "Found on chain"}


def shown_value(entry: JournalEntry) -> tuple[str, str]:
    """(value, recipient) in words: the token amount and recipient of a transfer, else the
    native value and the ``to`` address."""
    summary = entry.summary or {}
    arguments = summary.get("arguments") or {}
    value = arguments.get("amount") or summary.get("value") or ""
    to = arguments.get("to") or summary.get("to") or entry.unsigned.get("to") or ""
    return str(value), str(to)


def short_hash(tx_hash: str | None) -> str:
    if not tx_hash:
        return "—"
    return f"{tx_hash[:10]}…{tx_hash[-8:]}" if len(tx_hash) > 20 else tx_hash


def movement_text(move: Movement, exact: bool = False) -> str:
    sign = "+" if move.direction == "in" else "−"
    amount = full_amount(move.amount) if exact else format_amount(move.amount)
    return f"{sign}{amount} {move.symbol or short_hash(move.token) + ' (base units)'}"


def moved_text(item: ActivityItem, exact: bool = False) -> str:
    """What moved in and out of the user's accounts: "−300 USDC, +0.0015 WBTC"."""
    return ", ".join(movement_text(m, exact) for m in item.movements)


def value_and_recipient(item: ActivityItem) -> tuple[str, str]:
    """The app's own: the value and recipient the user approved; found on chain: the native
    value it carried (if any) and its ``to``."""
    if item.entry is not None:
        value, to = shown_value(item.entry)
        return value, to or (item.to or "")
    native = [m for m in item.movements if m.token == NATIVE_ADDRESS]
    return (f"{full_amount(native[0].amount)} {native[0].symbol}" if native else ""), item.to or ""


class ActivityModel(QAbstractTableModel):
    TIME, SOURCE, KIND, STATUS, NONCE, HASH, VALUE, TO, MOVED = range(9)
    HEADERS = ("Time", "Source", "Kind", "Status", "Nonce", "Hash", "Value", "To", "Moved")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._items: list[ActivityItem] = []

    def set_items(self, items: list[ActivityItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> ActivityItem:
        return self._items[row]

    def items(self) -> list[ActivityItem]:
        return list(self._items)

    def entry(self, row: int) -> JournalEntry | None:
        """The journal entry of ``row`` (None for a transaction the app did not send)."""
        return self._items[row].entry

    def entries(self) -> list[JournalEntry]:
        """The journal entries shown, in table order."""
        return [i.entry for i in self._items if i.entry is not None]

    def row_of(self, entry_id: int) -> int | None:
        for row, item in enumerate(self._items):
            if item.entry is not None and item.entry.id == entry_id:
                return row
        return None

    def row_of_hash(self, tx_hash: str) -> int | None:
        for row, item in enumerate(self._items):
            if item.hash and item.hash.lower() == tx_hash.lower():
                return row
        return None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item, column = self._items[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.HASH:
                return item.hash
            if column == self.STATUS and item.error:
                return item.error
            if column == self.MOVED:
                return moved_text(item, exact=True) or None
            if column == self.KIND and item.comparison:
                return "Select it to see predicted against realised"
            return None
        if role == Qt.ItemDataRole.FontRole and column in (self.HASH, self.TO):
            return mono_font()
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.STATUS:
                color = STATUS_COLORS.get(item.status)
                return QColor(color) if color else None
            if column == self.SOURCE and item.source == "external":
                return QColor(MUTED_COLOR)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.NONCE, self.VALUE):
            return RIGHT
        if role == Qt.ItemDataRole.UserRole:
            return item
        return None

    def _text(self, item: ActivityItem, column: int) -> str:
        if column == self.TIME:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(item.time))
        if column == self.SOURCE:
            return SOURCES.get(item.source, item.source)
        if column == self.KIND:
            return item.kind
        if column == self.STATUS:
            return item.status
        if column == self.NONCE:
            return "" if item.nonce is None else str(item.nonce)
        if column == self.HASH:
            return short_hash(item.hash)
        if column == self.MOVED:
            return moved_text(item)
        value, to = value_and_recipient(item)
        return value if column == self.VALUE else to


class ComparisonModel(RowsTableModel):
    """Predicted against realised of one trade: what, predicted, realised, difference, note."""

    WHAT, PREDICTED, REALISED, DIFFERENCE, NOTE = range(5)
    HEADERS = ("What", "Predicted", "Realised", "Difference", "Note")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[ComparisonRow] = []

    def set_rows(self, rows: list[ComparisonRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[ComparisonRow]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        value = {self.PREDICTED: row.predicted, self.REALISED: row.realised,
                 self.DIFFERENCE: row.difference}.get(column)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.WHAT:
                return row.what
            if column == self.NOTE:
                return row.note or ""
            return self._number(value, row.unit, signed=column == self.DIFFERENCE)
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.PREDICTED, self.REALISED, self.DIFFERENCE):
            return full_amount(value, row.unit) if value is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.PREDICTED, self.REALISED,
                                                                    self.DIFFERENCE):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == self.DIFFERENCE:
            number = to_decimal(value)
            if number is not None and number < 0 and row.unit not in ("gas", "USD"):
                return QColor(WARNING_COLOR)   # less received than predicted
            return None
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    @staticmethod
    def _number(value: str | None, unit: str, signed: bool) -> str:
        number = to_decimal(value)
        if number is None:
            return "—" if value is None else str(value)
        text = format_amount(abs(number) if signed else number)
        if signed:
            text = ("−" if number < 0 else "+" if number > 0 else "") + text
        return f"{text} {unit}"


def is_open(entry: JournalEntry) -> bool:
    return entry.status in OPEN_STATES

"""The transaction journal as a table: time, kind, status, nonce, hash, value and recipient
(from the summary the user approved: a token transfer shows its token amount and recipient)."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.tx.journal import OPEN_STATES, JournalEntry
from views.widgets.common import MUTED_COLOR, OK_COLOR, WARNING_COLOR, mono_font

_Index = QModelIndex | QPersistentModelIndex
STATUS_COLORS = {"confirmed": OK_COLOR, "failed": WARNING_COLOR, "dropped": WARNING_COLOR,
                 "replaced": MUTED_COLOR}


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


class ActivityModel(QAbstractTableModel):
    TIME, KIND, STATUS, NONCE, HASH, VALUE, TO = range(7)
    HEADERS = ("Time", "Kind", "Status", "Nonce", "Hash", "Value", "To")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._entries: list[JournalEntry] = []

    def set_entries(self, entries: list[JournalEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> JournalEntry:
        return self._entries[row]

    def entries(self) -> list[JournalEntry]:
        return list(self._entries)

    def row_of(self, entry_id: int) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.id == entry_id:
                return row
        return None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry, column = self._entries[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.HASH:
                return entry.tx_hash
            if column == self.STATUS and entry.error:
                return entry.error
            return None
        if role == Qt.ItemDataRole.FontRole and column in (self.HASH, self.TO):
            return mono_font()
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATUS:
            color = STATUS_COLORS.get(entry.status)
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.NONCE, self.VALUE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return entry
        return None

    def _text(self, entry: JournalEntry, column: int) -> str:
        if column == self.TIME:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.created_at))
        if column == self.KIND:
            return entry.kind
        if column == self.STATUS:
            return entry.status
        if column == self.NONCE:
            return str(entry.nonce)
        if column == self.HASH:
            return short_hash(entry.tx_hash)
        value, to = shown_value(entry)
        return value if column == self.VALUE else to


def is_open(entry: JournalEntry) -> bool:
    return entry.status in OPEN_STATES

"""The accounts as a table: active mark, name, kind, address, native and USDC balances.

Balances are "—" until a read arrives (and stay so offline); the model never reads the chain
itself, the page feeds it (``set_balances``)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from app.accounts import AccountRecord
from views.widgets.common import mono_font

NO_VALUE = "—"
KIND_NAMES = {"local": "key on this computer", "watch": "watch-only", "ledger": "Ledger",
              "trezor": "Trezor"}

_Index = QModelIndex | QPersistentModelIndex


def format_balance(value: Decimal | None, places: int = 6) -> str:
    """Up to ``places`` decimals (rounded down, so never more than held), thousands
    separated, trailing zeros dropped; "—" if None."""
    if value is None:
        return NO_VALUE
    if value == 0:
        return "0"
    quantum = Decimal(1).scaleb(-places)
    if abs(value) < quantum:
        return f"< {quantum:f}"
    text = f"{value.quantize(quantum, rounding=ROUND_DOWN):,.{places}f}"
    return text.rstrip("0").rstrip(".")


def kind_name(record: AccountRecord) -> str:
    if record.kind == "local":
        return "recovery phrase" if record.hd_index is not None else "private key"
    return KIND_NAMES.get(record.kind, record.kind)


class AccountsModel(QAbstractTableModel):
    ACTIVE, LABEL, KIND, ADDRESS, NATIVE, USDC = range(6)

    def __init__(self, native_symbol: str = "ETH", parent=None):
        super().__init__(parent)
        self._records: list[AccountRecord] = []
        self._active: str | None = None
        self._balances: dict[str, dict[str, Decimal]] = {}
        self.native_symbol = native_symbol
        self._headers = ["", "Name", "Kind", "Address", native_symbol, "USDC"]

    # --- feeding -----------------------------------------------------------------------------
    def set_accounts(self, records: list[AccountRecord], active: str | None) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._active = active
        self.endResetModel()

    def set_balances(self, balances: dict[str, dict[str, Decimal]] | None) -> None:
        """``{address: {symbol: amount}}`` from ``read_balances``; None forgets them."""
        self._balances = dict(balances or {})
        if self._records:
            self.dataChanged.emit(self.index(0, self.NATIVE),
                                  self.index(len(self._records) - 1, self.USDC))

    def set_native_symbol(self, symbol: str) -> None:
        self.native_symbol = symbol
        self._headers[self.NATIVE] = symbol
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.NATIVE, self.NATIVE)

    # --- reading -----------------------------------------------------------------------------
    def record(self, row: int) -> AccountRecord:
        return self._records[row]

    def records(self) -> list[AccountRecord]:
        return list(self._records)

    def row_of(self, label: str) -> int | None:
        for row, record in enumerate(self._records):
            if record.label == label:
                return row
        return None

    def balance(self, address: str, symbol: str) -> Decimal | None:
        return self._balances.get(address, {}).get(symbol)

    # --- QAbstractTableModel ------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record, column = self._records[index.row()], index.column()
        active = record.label == self._active
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, column, active)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.ACTIVE and active:
                return "The active account: Send and the other pages use it"
            if column == self.ADDRESS:
                return record.address + (f"\n{record.derivation_path}" if record.derivation_path else "")
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column == self.ADDRESS:
                return mono_font()
            if active:
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.NATIVE, self.USDC):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return record
        return None

    def _text(self, record: AccountRecord, column: int, active: bool) -> str:
        if column == self.ACTIVE:
            return "●" if active else ""
        if column == self.LABEL:
            return record.label
        if column == self.KIND:
            return kind_name(record)
        if column == self.ADDRESS:
            return record.address
        symbol = self.native_symbol if column == self.NATIVE else "USDC"
        return format_balance(self.balance(record.address, symbol))

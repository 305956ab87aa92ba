"""The vaults of a network as a table: name, asset, trailing APY with its window, TVL, the
active account's position (shares, value, accrued yield) and the fees the vault discloses.

A row is what ``read_vaults`` (on a worker) made of one catalog entry: the ``VaultInfo`` with
its APY and position, or the reason it could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.units import format_units
from app.vaults.catalog import VaultEntry
from views.formatting import NO_VALUE, format_amount, full_amount, to_decimal
from views.models.rows_model import RowsTableModel
from views.widgets.common import MUTED_COLOR, OK_COLOR, WARNING_COLOR

if TYPE_CHECKING:  # the reader (eth-abi) is loaded by the first read, not by the window
    from app.vaults.reader import VaultInfo

_Index = QModelIndex | QPersistentModelIndex
NOT_DISCLOSED = "not disclosed on-chain"
NOT_ENOUGH_HISTORY = "not enough history"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass
class VaultRow:
    entry: VaultEntry
    info: VaultInfo | None = None
    apy: dict[str, Any] = field(default_factory=dict)        # TrailingApy.as_json()
    position: dict[str, Any] | None = None                   # actions.position(); None: no shares
    error: str | None = None                                  # why it could not be read

    @property
    def name(self) -> str:
        return self.info.name if self.info else self.entry.name

    @property
    def address(self) -> str:
        return self.entry.address

    @property
    def has_shares(self) -> bool:
        return self.info is not None and self.info.shares > 0


def apy_text(apy: dict[str, Any] | None) -> str:
    """"4.92% over 2.0 days", or "not enough history"."""
    if not apy or apy.get("value_pct") is None:
        return NOT_ENOUGH_HISTORY
    days = to_decimal(apy.get("window_days")) or Decimal(0)
    return f"{apy['value_pct']}% over {days:.1f} days"


def apy_tooltip(apy: dict[str, Any] | None) -> str:
    if not apy:
        return "No share-price samples yet."
    if apy.get("value_pct") is None:
        return (apy.get("note") or NOT_ENOUGH_HISTORY).capitalize() + \
            ". The APY is measured from this app's own share-price samples, never invented."
    return (f"Annualised growth of the share price over the last {apy.get('window_days')} days of "
            f"chain time ({apy.get('samples')} samples); past yield, not a promise.")


def fees_text(fees: dict[str, Any] | str | None) -> str:
    """A preview's ``fees`` ({"entry_pct", "exit_pct", "text", ...}: its text), or fee getters
    ({name: "10%"}); "not disclosed on-chain" for nothing."""
    if isinstance(fees, dict) and "text" in fees:
        return fees["text"]
    if not fees or isinstance(fees, str):
        return NOT_DISCLOSED
    return ", ".join(f"{name} {value}" for name, value in fees.items())


def signed_amount(value: str | None) -> str:
    number = to_decimal(value)
    if number is None:
        return NO_VALUE
    shown = format_amount(abs(number))
    return ("\u2212" + shown) if number < 0 else ("+" + shown if number > 0 else shown)


class VaultsModel(RowsTableModel):
    NAME, ASSET, APY, TVL, SHARES, VALUE, YIELD, FEES = range(8)
    HEADERS = ("Vault", "Asset", "APY (trailing)", "TVL", "Your shares", "Value", "Accrued yield", "Fees")
    NUMERIC = (TVL, SHARES, VALUE, YIELD)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[VaultRow] = []

    def set_rows(self, rows: list[VaultRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, row: int) -> VaultRow:
        return self._rows[row]

    def rows(self) -> list[VaultRow]:
        return list(self._rows)

    def row_of(self, address: str) -> int | None:
        for index, row in enumerate(self._rows):
            if row.address.lower() == address.lower():
                return index
        return None

    def text(self, row: int, column: int) -> str:
        return self.data(self.index(row, column)) or ""

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return int(_RIGHT)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.error is not None and column != self.NAME:
                return QBrush(QColor(WARNING_COLOR))
            if column == self.APY and row.apy.get("value_pct") is None:
                return QBrush(QColor(MUTED_COLOR))
            if column == self.FEES and row.info is not None and not row.info.fees_measured.charged:
                return QBrush(QColor(MUTED_COLOR))
            if column == self.YIELD and row.position:
                number = to_decimal(row.position.get("accrued_yield"))
                if number is not None and number > 0:
                    return QBrush(QColor(OK_COLOR))
        return None

    def _display(self, row: VaultRow, column: int) -> str:
        info, position = row.info, row.position
        if column == self.NAME:
            return row.name
        if info is None:
            return row.error or "" if column == self.ASSET else ""
        if column == self.ASSET:
            return info.asset_symbol
        if column == self.APY:
            return apy_text(row.apy)
        if column == self.TVL:
            return f"{format_amount(format_units(info.total_assets, info.asset_decimals))} {info.asset_symbol}"
        if column == self.FEES:
            return fees_text(info.fees_measured.as_json())
        if position is None:
            return NO_VALUE
        if column == self.SHARES:
            return format_amount(position["shares"])
        if column == self.VALUE:
            return f"{format_amount(position['value'])} {info.asset_symbol}"
        if column == self.YIELD:
            if position.get("accrued_yield") is None:
                return NO_VALUE
            return f"{signed_amount(position['accrued_yield'])} {info.asset_symbol}"
        return ""

    def _tooltip(self, row: VaultRow, column: int) -> str | None:
        info, position = row.info, row.position
        if column == self.NAME:
            where = {"demo": "the demo network's own vault", "curated": "from the curated list",
                     "added": "added by address"}.get(row.entry.source, row.entry.source)
            return f"{row.address} ({where})"
        if info is None:
            return row.error
        if column == self.APY:
            return apy_tooltip(row.apy)
        if column == self.TVL:
            return "Total assets held by the vault: " + \
                full_amount(format_units(info.total_assets, info.asset_decimals), info.asset_symbol)
        if column == self.FEES:
            return ("Measured from the vault's own previews: the entry fee is what previewDeposit gives "
                    "below convertToShares, the exit fee what previewRedeem pays below convertToAssets. "
                    + ("Fee getters read from the contract are taken from yield." if info.fees else
                       "Fees taken from yield (performance, management) show only where the vault "
                       "exposes fee(), performanceFee() or managementFee()."))
        if position is None:
            return "This account holds no shares of this vault."
        if column == self.SHARES:
            return full_amount(position["shares"], info.symbol)
        if column == self.VALUE:
            fee = to_decimal(position.get("exit_fee"))
            return (f"{full_amount(position['value'], info.asset_symbol)}: what redeeming every share pays now "
                    "(previewRedeem)" + (f", after an exit fee of {full_amount(position['exit_fee'], info.asset_symbol)}"
                                         if fee else ""))
        if column == self.YIELD:
            return (f"Value {full_amount(position['value'], info.asset_symbol)} minus cost basis "
                    f"{full_amount(position['cost_basis'], info.asset_symbol)}")
        return None

"""The portfolio's holdings as a table: asset, kind, balance, price, value, share of the total,
unrealised P&L, the price's source and when it was seen. Vault shares are rows like any other
(their kind says so).

Sorting goes through :data:`SORT_ROLE` (a Decimal, an int or a folded string, never the shown
text), so "$9.00" sorts below "$10.00"; :class:`HoldingsProxy` compares those keys in Python,
with an unknown value (no price) below every known one."""

from __future__ import annotations

import time
from decimal import Decimal, localcontext
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from app.accounting.money import ACCOUNTING_CONTEXT
from app.portfolio.pnl import PnlResult
from app.portfolio.view import HoldingRow, Portfolio
from views.formatting import NO_VALUE, format_amount, format_usd, format_weight, full_amount
from views.models.rows_model import RowsTableModel
from views.widgets.common import MUTED_COLOR, OK_COLOR, WARNING_COLOR

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
PRICE_SOURCES = {"onchain": "on-chain pool", "coingecko": "CoinGecko"}


def format_time(at: int | None) -> str:
    return NO_VALUE if at is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def format_price(value: Decimal | None) -> str:
    """A unit price: cents from $1 up, else four significant digits ("$0.00001234")."""
    if value is None:
        return "no price"
    if abs(value) >= 1 or value == 0:
        return format_usd(value)
    return "$" + format_amount(value, 4)


def unrealized_by_token(pnl: PnlResult | None) -> dict[str, Decimal | None]:
    """Each token's unrealised P&L summed over the accounts (None if any position is unpriced)."""
    totals: dict[str, Decimal | None] = {}
    if pnl is None:
        return totals
    for position in pnl.positions:
        if position.token in totals and totals[position.token] is None:
            continue
        if position.unrealized_usd is None:
            totals[position.token] = None
        else:
            totals[position.token] = (totals.get(position.token) or Decimal(0)) + position.unrealized_usd
    return totals


class HoldingsModel(RowsTableModel):
    ASSET, KIND, BALANCE, PRICE, VALUE, SHARE, UNREALIZED, SOURCE, PRICE_AS_OF = range(9)
    HEADERS = ("Asset", "Kind", "Balance", "Price", "Value", "Share", "Unrealized P&L", "Price source",
               "Price as of")
    NUMERIC = (BALANCE, PRICE, VALUE, SHARE, UNREALIZED)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[HoldingRow] = []
        self._total = Decimal(0)
        self._unrealized: dict[str, Decimal | None] = {}
        self._pnl_known = False

    def set_portfolio(self, portfolio: Portfolio | None) -> None:
        self.beginResetModel()
        self._rows = list(portfolio.rows) if portfolio is not None else []
        self._total = portfolio.total_usd if portfolio is not None else Decimal(0)
        self.endResetModel()

    def set_pnl(self, pnl: PnlResult | None) -> None:
        """The unrealised column from a P&L result (None: not computed yet)."""
        self._unrealized = unrealized_by_token(pnl)
        self._pnl_known = pnl is not None
        if self._rows:
            self.dataChanged.emit(self.index(0, self.UNREALIZED), self.index(len(self._rows) - 1, self.UNREALIZED))

    def row(self, row: int) -> HoldingRow:
        return self._rows[row]

    def rows(self) -> list[HoldingRow]:
        return list(self._rows)

    def share(self, row: HoldingRow) -> Decimal | None:
        if not self._total or row.value_usd is None:
            return None
        with localcontext(ACCOUNTING_CONTEXT):
            return row.value_usd / self._total

    def unrealized(self, row: HoldingRow) -> Decimal | None:
        return self._unrealized.get(row.address)

    def text(self, row: int, column: int) -> str:
        return self.data(self.index(row, column)) or ""

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return int(_RIGHT)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column in (self.PRICE, self.VALUE, self.SHARE) and row.price_usd is None:
                return QBrush(QColor(MUTED_COLOR))
            if column == self.UNREALIZED:
                number = self.unrealized(row)
                if number:
                    return QBrush(QColor(OK_COLOR if number > 0 else WARNING_COLOR))
        return None

    def _display(self, row: HoldingRow, column: int) -> str:
        if column == self.ASSET:
            return row.symbol
        if column == self.KIND:
            return row.kind
        if column == self.BALANCE:
            return format_amount(row.balance)
        if column == self.PRICE:
            return format_price(row.price_usd)
        if column == self.VALUE:
            return format_usd(row.value_usd)
        if column == self.SHARE:
            return format_weight(self.share(row))
        if column == self.UNREALIZED:
            return format_usd(self.unrealized(row), signed=True) if self._pnl_known else "…"
        if column == self.SOURCE:
            return PRICE_SOURCES.get(row.price_source, row.price_source) if row.price_source else NO_VALUE
        if column == self.PRICE_AS_OF:
            return format_time(row.price_as_of)
        return ""

    def _sort_key(self, row: HoldingRow, column: int) -> Any:
        if column == self.ASSET:
            return row.symbol.casefold()
        if column == self.KIND:
            return row.kind
        if column == self.BALANCE:
            return row.balance
        if column == self.PRICE:
            return row.price_usd
        if column == self.VALUE:
            return row.value_usd
        if column == self.SHARE:
            return self.share(row)
        if column == self.UNREALIZED:
            return self.unrealized(row)
        if column == self.SOURCE:
            return row.price_source or ""
        if column == self.PRICE_AS_OF:
            return row.price_as_of
        return None

    def _tooltip(self, row: HoldingRow, column: int) -> str | None:
        if column == self.ASSET:
            under = f", shares of a vault of {row.underlying}" if row.underlying else ""
            return f"{row.address}{under}"
        if column == self.BALANCE:
            split = "\n".join(f"{account}: {full_amount(amount, row.symbol)}"
                              for account, amount in sorted(row.by_account.items()))
            return (f"{full_amount(row.balance, row.symbol)} at block {row.block:,} "
                    f"(read {format_time(row.balance_as_of)})\n{split}").strip()
        if column in (self.PRICE, self.VALUE) and row.price_usd is None:
            return "No price is known for this asset: it is left out of the total."
        if column == self.PRICE:
            return full_amount(row.price_usd, "USD")
        if column == self.UNREALIZED:
            return "Value now minus the remaining cost basis, under the chosen method."
        return None


class HoldingsProxy(QSortFilterProxyModel):
    """Sorts by :data:`SORT_ROLE`, compared in Python (Decimals stay Decimals)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, left: _Index, right: _Index) -> bool:  # noqa: N802
        a, b = left.data(self.sortRole()), right.data(self.sortRole())
        if a is None or b is None:
            return a is None and b is not None  # unknown below everything known
        try:
            return a < b
        except TypeError:
            return str(a) < str(b)

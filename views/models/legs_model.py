"""The legs of an index buy as tables: what the preview expects (``LegsModel``, fed the legs of
``IndexPreview.to_json()``) and what the chain delivered (``RealisedLegsModel``, fed
``IndexResult.realised["legs"]``).

Amounts are shown shortened (``views.formatting.format_amount``), right-aligned; the tooltip
holds the exact decimal string and ``Qt.UserRole`` the exact ``Decimal`` (None if empty). A
skipped leg keeps its row, with the reason, in the muted colour."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from views.formatting import (
    NO_VALUE,
    format_amount,
    format_usd,
    format_weight,
    full_amount,
    to_decimal,
)
from views.widgets.common import MUTED_COLOR, OK_COLOR, WARNING_COLOR

_Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_RIGHT_FLAGS = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter   # headers want the flags
_LEFT_FLAGS = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class _LegsTable(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()
    NUMERIC: frozenset[int] = frozenset()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._legs: list[dict[str, Any]] = []

    def set_legs(self, legs: list[dict[str, Any]] | None) -> None:
        self.beginResetModel()
        self._legs = [dict(leg) for leg in legs or []]
        self.endResetModel()

    def legs(self) -> list[dict[str, Any]]:
        return [dict(leg) for leg in self._legs]

    def leg(self, row: int) -> dict[str, Any]:
        return dict(self._legs[row])

    def row_of(self, symbol: str) -> int | None:
        for row, leg in enumerate(self._legs):
            if leg.get("symbol") == symbol:
                return row
        return None

    def text(self, row: int, column: int) -> str:
        return self.data(self.index(row, column)) or ""

    # --- QAbstractTableModel ----------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._legs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT_FLAGS if section in self.NUMERIC else _LEFT_FLAGS
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._legs):
            return None
        leg, column = self._legs[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(leg, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(leg, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in self.NUMERIC else None
        if role == Qt.ItemDataRole.ForegroundRole:
            color = self._color(leg, column)
            return QBrush(QColor(color)) if color else None
        if role == Qt.ItemDataRole.UserRole:
            return self._value(leg, column)
        return None

    def _display(self, leg: dict[str, Any], column: int) -> str:
        raise NotImplementedError

    def _tooltip(self, leg: dict[str, Any], column: int) -> str | None:
        return None

    def _color(self, leg: dict[str, Any], column: int) -> str | None:
        return None

    def _value(self, leg: dict[str, Any], column: int) -> Any:
        return None


class LegsModel(_LegsTable):
    """One row per constituent of the preview, skipped ones included."""

    SYMBOL, WEIGHT, AMOUNT_IN, EXPECTED, MINIMUM, ROUTE, IMPACT, LP_FEE, SKIPPED = range(9)
    HEADERS = ("Token", "Weight", "Pay", "Expected", "Minimum", "Route", "Impact (bps)",
               "LP fee", "Skipped")
    NUMERIC = frozenset({WEIGHT, AMOUNT_IN, EXPECTED, MINIMUM, IMPACT, LP_FEE})
    _KEYS = {WEIGHT: "weight", AMOUNT_IN: "amount_in", EXPECTED: "expected_out",
             MINIMUM: "min_out", IMPACT: "price_impact_bps", LP_FEE: "lp_fee_usd"}

    def __init__(self, pay_symbol: str = "ETH", parent=None):
        super().__init__(parent)
        self.pay_symbol = pay_symbol
        self._headers = list(self.HEADERS)
        self._headers[self.AMOUNT_IN] = f"Pay ({pay_symbol})"

    def set_preview(self, preview: dict[str, Any] | None) -> None:
        """``IndexPreview.to_json()`` (None empties the table)."""
        if preview is not None and preview.get("pay") != self.pay_symbol:
            self.pay_symbol = preview.get("pay") or self.pay_symbol
            self._headers[self.AMOUNT_IN] = f"Pay ({self.pay_symbol})"
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.AMOUNT_IN, self.AMOUNT_IN)
        self.set_legs((preview or {}).get("legs"))

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._headers):
            return self._headers[section]
        return super().headerData(section, orientation, role)

    def weight_total(self) -> Decimal:
        return sum((to_decimal(leg.get("weight")) or Decimal(0) for leg in self._legs), Decimal(0))

    def _display(self, leg: dict[str, Any], column: int) -> str:
        skipped = bool(leg.get("skipped"))
        if column == self.SYMBOL:
            return leg.get("symbol") or ""
        if column == self.SKIPPED:
            return leg.get("skipped") or ""
        if skipped and column != self.WEIGHT:
            return NO_VALUE
        if column == self.WEIGHT:
            return format_weight(leg.get("weight"))
        if column in (self.AMOUNT_IN, self.EXPECTED, self.MINIMUM):
            return format_amount(leg.get(self._KEYS[column]))
        if column == self.ROUTE:
            parts = leg.get("parts") or []
            if len(parts) > 1:  # "split 65/35"; the tooltip lists the parts
                return "split " + "/".join(part["share_pct"] for part in parts)
            return leg.get("route") or NO_VALUE
        if column == self.IMPACT:
            value = to_decimal(leg.get("price_impact_bps"))
            return NO_VALUE if value is None else f"{value:.2f}"
        if column == self.LP_FEE:
            return format_usd(leg.get("lp_fee_usd"))
        return ""

    def _tooltip(self, leg: dict[str, Any], column: int) -> str | None:
        symbol = leg.get("symbol") or ""
        if column == self.SYMBOL:
            return leg.get("address")
        if column == self.SKIPPED and leg.get("skipped"):
            return f"{symbol} is not bought: {leg['skipped']}"
        if leg.get("skipped"):
            return None
        if column == self.AMOUNT_IN:
            return full_amount(leg.get("amount_in"), self.pay_symbol)
        if column == self.EXPECTED:
            text = full_amount(leg.get("expected_out"), symbol)
            simulated = leg.get("simulated_out")
            if simulated is not None:
                text += f"\nsimulated: {full_amount(simulated, symbol)}"
            if leg.get("expected_value_usd") is not None:
                text += f"\nworth {format_usd(leg['expected_value_usd'])} at mid prices"
            return text
        if column == self.MINIMUM:
            return (f"{full_amount(leg.get('min_out'), symbol)}\nThe transaction reverts if "
                    f"less than this arrives.")
        if column == self.ROUTE and len(leg.get("parts") or []) > 1:
            return "Split across pools, one swap each, in the same transaction:\n" + "\n".join(
                f"{part['share_pct']}% {part['route']}: pay {part['amount_in']} {self.pay_symbol}, "
                f"expect {part['expected_out']} {symbol} (minimum {part['min_out']}), "
                f"impact {part['price_impact_bps']} bps" for part in leg["parts"])
        if column == self.ROUTE and leg.get("fee_tier") is not None:
            return f"pool fee tier(s): {leg['fee_tier']}"
        if column == self.WEIGHT:
            return f"target weight {leg.get('weight')}"
        return None

    def _color(self, leg: dict[str, Any], column: int) -> str | None:
        if leg.get("skipped"):
            return MUTED_COLOR
        return None

    def _value(self, leg: dict[str, Any], column: int) -> Any:
        if column in self._KEYS:
            return to_decimal(leg.get(self._KEYS[column]))
        if column == self.SKIPPED:
            return leg.get("skipped")
        return leg.get("route") if column == self.ROUTE else leg.get("symbol")


class RealisedLegsModel(_LegsTable):
    """What each bought leg delivered next to what was expected and the minimum."""

    SYMBOL, RECEIVED, EXPECTED, MINIMUM, SLIPPAGE = range(5)
    HEADERS = ("Token", "Received", "Expected", "Minimum", "Slippage (bps)")
    NUMERIC = frozenset({RECEIVED, EXPECTED, MINIMUM, SLIPPAGE})
    _KEYS = {RECEIVED: "received", EXPECTED: "expected_out", MINIMUM: "min_out",
             SLIPPAGE: "realized_slippage_bps"}

    def below_minimum(self, leg: dict[str, Any]) -> bool:
        received, minimum = to_decimal(leg.get("received")), to_decimal(leg.get("min_out"))
        return received is None or minimum is None or received < minimum

    def _display(self, leg: dict[str, Any], column: int) -> str:
        if column == self.SYMBOL:
            return leg.get("symbol") or ""
        if column == self.SLIPPAGE:
            value = to_decimal(leg.get("realized_slippage_bps"))
            return NO_VALUE if value is None else f"{value:.2f}"
        return format_amount(leg.get(self._KEYS[column]))

    def _tooltip(self, leg: dict[str, Any], column: int) -> str | None:
        if column == self.SYMBOL:
            return leg.get("address")
        if column in (self.RECEIVED, self.EXPECTED, self.MINIMUM):
            return full_amount(leg.get(self._KEYS[column]), leg.get("symbol") or "")
        if column == self.SLIPPAGE:
            return "How much less than expected arrived, in basis points (negative: more)"
        return None

    def _color(self, leg: dict[str, Any], column: int) -> str | None:
        if column == self.RECEIVED:
            return WARNING_COLOR if self.below_minimum(leg) else OK_COLOR
        return None

    def _value(self, leg: dict[str, Any], column: int) -> Any:
        key = self._KEYS.get(column)
        return to_decimal(leg.get(key)) if key else leg.get("symbol")

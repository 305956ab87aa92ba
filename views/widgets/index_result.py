"""The outcome of an index buy: status and transaction hash, gas used against the estimate,
the network fee paid, and per leg what arrived next to what was expected and the minimum,
with the realised slippage. Fed ``IndexResult.realised``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.explorer import tx_url
from app.networks import Network
from views.formatting import NO_VALUE, format_gas, format_pct, format_usd
from views.models.legs_model import RealisedLegsModel
from views.widgets.common import OK_COLOR, WARNING_COLOR, show_link, value_label

STATUS_COLORS = {"confirmed": OK_COLOR, "failed": WARNING_COLOR, "rejected": WARNING_COLOR, "dropped": WARNING_COLOR}


class IndexResultView(QWidget):
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("indexResult")
        self.realised: dict[str, Any] | None = None

        self.heading = QLabel("", self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("resultStatus")
        self.hash_label = value_label("", self, mono=True)
        self.hash_label.setObjectName("resultHash")
        self.gas_label = QLabel("", self)
        self.gas_label.setObjectName("resultGas")
        self.fee_label = QLabel("", self)
        self.fee_label.setObjectName("resultFee")
        form = QFormLayout()
        form.addRow("Status:", self.status_label)
        form.addRow("Transaction:", self.hash_label)
        form.addRow("Gas:", self.gas_label)
        form.addRow("Network fee paid:", self.fee_label)

        self.model = RealisedLegsModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet("QTableView::item { padding: 0 6px; } "
                                 "QHeaderView::section { padding: 2px 6px; }")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(RealisedLegsModel.SYMBOL, QHeaderView.ResizeMode.ResizeToContents)

        self.summary_label = QLabel("", self)
        self.summary_label.setObjectName("resultSummary")
        self.summary_label.setWordWrap(True)
        self.back_button = QPushButton("New preview", self)
        self.back_button.clicked.connect(self.back_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary_label, 1)
        bottom.addWidget(self.back_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def set_result(self, realised: dict[str, Any], basket: str = "",
                   preview: dict[str, Any] | None = None, network: Network | None = None) -> None:
        """``realised`` from ``IndexResult``; ``preview`` (its ``to_json()``) for the gas the
        preview predicted."""
        self.realised = realised
        status = realised.get("status") or NO_VALUE
        self.heading.setText(f"Bought {basket}" if status == "confirmed" else f"{basket}: {status}")
        self.status_label.setText(status)
        color = STATUS_COLORS.get(status)
        self.status_label.setStyleSheet(f"color: {color}; font-weight: bold;" if color else "")
        tx_hash = realised.get("tx_hash")
        show_link(self.hash_label, tx_hash or NO_VALUE, tx_url(network, tx_hash) if network else None)
        used = int(realised.get("gas_used") or 0)
        approval = int(realised.get("approval_gas_used") or 0)
        limit = int(realised.get("gas_estimate") or 0)
        fee = (preview or {}).get("network_fee") or {}
        predicted = int(fee.get("gas") or 0) - int(fee.get("approval_gas") or 0) if fee else 0
        parts = [f"{format_gas(used)} used"]
        if predicted:
            parts.append(f"{format_gas(predicted)} previewed "
                         f"({format_pct((Decimal(used) - predicted) / predicted * 100, 1, signed=True)})")
        if limit:
            parts.append(f"{format_gas(limit)} estimated limit")
        text = " · ".join(parts)
        if approval:
            text += f"; the approval used {format_gas(approval)} more"
        self.gas_label.setText(text)
        self.fee_label.setText(format_usd(realised.get("network_fee_usd")))
        legs = realised.get("legs") or []
        self.model.set_legs(legs)
        self.table.resizeRowsToContents()
        short = [leg["symbol"] for leg in legs if self.model.below_minimum(leg)]
        if status != "confirmed":
            self.summary_label.setText("The buy did not complete: nothing below was bought. A revert "
                                       "costs only the network fee; the minimums protected the funds.")
            self.summary_label.setStyleSheet(f"color: {WARNING_COLOR};")
        elif short:
            self.summary_label.setText("Below the minimum: " + ", ".join(short))
            self.summary_label.setStyleSheet(f"color: {WARNING_COLOR};")
        else:
            self.summary_label.setText(f"Every leg received at least its minimum ({len(legs)} legs).")
            self.summary_label.setStyleSheet(f"color: {OK_COLOR};")

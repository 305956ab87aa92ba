"""Everything of an index-buy preview except the legs: the network fee (ETH, USD, gas), the
platform fee, the P&L before buying (cost, expected value at mid prices, immediate P&L,
break-even move), one transaction against N separate swaps, the simulation, the notes, and the
quote's block with its "stale: refresh" state.

Fed ``IndexPreview.to_json()``; reads nothing itself. Numbers are right-aligned; each value's
tooltip says what it is made of."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from views.formatting import (
    NO_VALUE,
    format_amount,
    format_gas,
    format_pct,
    format_usd,
    full_amount,
    to_decimal,
)
from views.widgets.common import MUTED_COLOR, OK_COLOR, WARNING_COLOR

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class PreviewPanel(QWidget):
    refresh_requested = Signal()

    #: value rows per group: key -> caption
    FEE_ROWS = {"network_fee": "Network fee", "gas": "Gas", "l1_fee": "L1 data fee", "max_fee": "At most",
                "platform_fee": "Platform fee"}
    PNL_ROWS = {"cost": "Cost", "expected_value": "Expected value", "immediate": "Immediate P&L",
                "break_even": "Break-even move"}
    SEPARATE_ROWS = {"one_tx_gas": "One transaction", "separate_gas": "Separate swaps",
                     "saving": "Saving"}

    def __init__(self, native_symbol: str = "ETH", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("previewPanel")
        self.native_symbol = native_symbol
        self.preview: dict[str, Any] | None = None
        self.current_block: int | None = None
        self.stale = False
        self.stale_reason = ""
        self.values: dict[str, QLabel] = {}

        self.fee_box = self._group("Fees", self.FEE_ROWS)
        self.pnl_box = self._group("Profit and loss", self.PNL_ROWS)
        self.separate_box = self._group("One transaction vs separate swaps", self.SEPARATE_ROWS)
        boxes = QHBoxLayout()
        boxes.setSpacing(10)
        for box in (self.fee_box, self.pnl_box, self.separate_box):
            boxes.addWidget(box, 1)

        self.simulation_label = self._line("simulationLabel")
        self.notes_label = self._line("notesLabel")
        self.notes_label.setStyleSheet(f"color: {WARNING_COLOR};")
        self.quote_label = self._line("quoteLabel")
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Quote again at the current block")
        self.refresh_button.clicked.connect(self.refresh_requested)
        quote_row = QHBoxLayout()
        quote_row.addWidget(self.quote_label, 1)
        quote_row.addWidget(self.refresh_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(boxes)
        layout.addWidget(self.simulation_label)
        layout.addWidget(self.notes_label)
        layout.addLayout(quote_row)
        self.set_preview(None)

    # --- building ------------------------------------------------------------------------------
    def _group(self, title: str, rows: dict[str, str]) -> QGroupBox:
        box = QGroupBox(title, self)
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        for row, (key, caption) in enumerate(rows.items()):
            name = QLabel(f"{caption}:", box)
            name.setStyleSheet(f"color: {MUTED_COLOR};")
            value = QLabel(NO_VALUE, box)
            value.setObjectName(f"value_{key}")
            value.setAlignment(_RIGHT)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.values[key] = value
        return box

    def _line(self, name: str) -> QLabel:
        label = QLabel("", self)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def text(self, key: str) -> str:
        return self.values[key].text()

    # --- feeding -------------------------------------------------------------------------------
    def set_preview(self, preview: dict[str, Any] | None) -> None:
        """Show ``IndexPreview.to_json()``; None clears the panel."""
        self.preview = preview
        self.stale, self.stale_reason = False, ""
        if preview is None:
            for label in self.values.values():
                label.setText(NO_VALUE)
                label.setToolTip("")
                label.setStyleSheet("")
            self.separate_box.setTitle("One transaction vs separate swaps")
            self.simulation_label.clear()
            self.notes_label.clear()
            self.notes_label.hide()
            self.quote_label.setText("No preview yet: choose a basket and an amount, then Preview.")
            self.quote_label.setStyleSheet(f"color: {MUTED_COLOR};")
            self.refresh_button.hide()
            return
        self._show_fees(preview)
        self._show_pnl(preview)
        self._show_separate(preview)
        self._show_simulation(preview)
        notes = list(preview.get("notes") or [])
        self.notes_label.setText("\n".join(f"⚠ {note}" for note in notes))
        self.notes_label.setVisible(bool(notes))
        self._show_quote()

    def _set(self, key: str, text: str, tooltip: str = "", color: str | None = None) -> None:
        label = self.values[key]
        label.setText(text)
        label.setToolTip(tooltip)
        label.setStyleSheet(f"color: {color};" if color else "")

    def _show_fees(self, p: dict[str, Any]) -> None:
        fee, native = p.get("network_fee") or {}, self.native_symbol
        self._set("network_fee", f"{format_amount(fee.get('eth'))} {native}  ({format_usd(fee.get('usd'))})",
                  f"{full_amount(fee.get('eth'), native)} expected: gas × (next base fee + tip)")
        gas = f"{format_gas(fee.get('gas'))} at {fee.get('gas_price_gwei', NO_VALUE)} gwei"
        approval = int(fee.get("approval_gas") or 0)
        charged = "the gas the chain will charge for the exact transaction (simulated)"
        self._set("gas", gas, charged + (f"; includes {approval:,} for the {p.get('pay')} approval"
                                         if approval else ""))
        l1 = fee.get("l1_data_fee_eth")
        self._set("l1_fee", f"{format_amount(l1)} {native}  ({format_usd(fee.get('l1_data_fee_usd'))})"
                  if l1 else "none on this network",
                  f"{full_amount(l1, native)}: the cost of posting the transaction to Ethereum, "
                  "charged on top of the gas and included in the network fee" if l1 else
                  "this network charges no separate L1 data fee")
        self._set("max_fee", fee.get("max_display") or f"{format_amount(fee.get('max_eth'))} {native}",
                  f"the most the network fee can be: the gas limit "
                  f"{format_gas(fee.get('gas_limit') or fee.get('gas'))} × the max fee per gas"
                  + (" + the L1 data fee" if l1 else "") + " (the signing dialog shows the same figure)")
        platform = p.get("platform_fee") or {}
        self._set("platform_fee", f"{platform.get('bps', 0)} bps  ({format_usd(platform.get('usd'))})",
                  f"{full_amount(platform.get('amount'), p.get('pay', ''))} taken on chain")

    def _show_pnl(self, p: dict[str, Any]) -> None:
        pnl = p.get("pnl_preview") or {}
        self._set("cost", format_usd(pnl.get("cost_usd")),
                  f"{full_amount(p.get('amount_in'), p.get('pay', ''))} plus the network fee, in USD")
        self._set("expected_value", format_usd(pnl.get("expected_value_usd")),
                  "what the tokens bought are worth at the pools' mid prices")
        immediate = to_decimal(pnl.get("immediate_usd"))
        self._set("immediate", format_usd(pnl.get("immediate_usd"), signed=True),
                  f"expected value − cost: LP fees {format_usd(pnl.get('lp_fees_usd'))}, "
                  "price impact and the network fee",
                  WARNING_COLOR if immediate is not None and immediate < 0 else None)
        move = pnl.get("break_even_move_pct")
        self._set("break_even", format_pct(move, 3, signed=True) if move is not None else NO_VALUE,
                  "how much the basket must rise to be worth what it cost")

    def _show_separate(self, p: dict[str, Any]) -> None:
        vs = p.get("vs_separate") or {}
        bought = sum(1 for leg in p.get("legs") or [] if not leg.get("skipped"))
        self.separate_box.setTitle(f"One transaction vs {bought} separate swaps")
        self._set("one_tx_gas", f"{format_gas(vs.get('one_tx_gas'))} gas")
        self._set("separate_gas", f"{format_gas(vs.get('separate_txs_gas'))} gas",
                  "the same legs bought one swap at a time, each estimated")
        saved = to_decimal(vs.get("saved_gas"))
        text = (f"{format_pct(vs.get('saved_pct'), 1)}  ({format_usd(vs.get('saved_usd'))})"
                if vs.get("saved_pct") is not None else NO_VALUE)
        self._set("saving", text, f"{format_gas(vs.get('saved_gas'))} gas less",
                  OK_COLOR if saved is not None and saved > 0 else None)

    def _show_simulation(self, p: dict[str, Any]) -> None:
        simulation = p.get("simulation") or {}
        if simulation.get("ok"):
            self.simulation_label.setText("✓ Simulation: the exact transaction delivers every "
                                          "leg's minimum.")
            self.simulation_label.setStyleSheet(f"color: {OK_COLOR};")
        else:
            self.simulation_label.setText("⚠ Simulation NOT OK: the exact transaction would not "
                                          "deliver every minimum (see the notes). Do not buy.")
            self.simulation_label.setStyleSheet(f"color: {WARNING_COLOR}; font-weight: bold;")

    @property
    def simulation_ok(self) -> bool:
        return bool(self.preview and (self.preview.get("simulation") or {}).get("ok"))

    # --- freshness -----------------------------------------------------------------------------
    def set_current_block(self, block: int) -> None:
        self.current_block = block
        if self.preview is not None:
            self._show_quote()

    def set_stale(self, reason: str, block: int | None = None) -> None:
        """The quote may no longer hold: say why and offer Refresh."""
        if block is not None:
            self.current_block = block
        self.stale, self.stale_reason = True, reason
        self._show_quote()

    def _show_quote(self) -> None:
        p = self.preview
        if p is None:
            return
        count = int(p.get("transactions") or 1)
        txs = "one transaction" if count == 1 else f"{count} transactions"
        now = (f", the chain is at block {self.current_block:,}"
               if self.current_block is not None and self.current_block != p.get("block") else "")
        if self.stale:
            self.quote_label.setText(f"⚠ Stale — refresh: quoted at block {p.get('block'):,}{now}. "
                                     f"{self.stale_reason}")
            self.quote_label.setStyleSheet(f"color: {WARNING_COLOR}; font-weight: bold;")
            self.refresh_button.show()
        else:
            self.quote_label.setText(f"Quoted at block {p.get('block'):,}{now}; {p.get('amount_in')} "
                                     f"{p.get('pay')} into {p.get('basket')} in {txs}, slippage "
                                     f"{format_pct(Decimal(int(p.get('slippage_bps') or 0)) / 100)}.")
            self.quote_label.setStyleSheet(f"color: {MUTED_COLOR};")
            self.refresh_button.hide()

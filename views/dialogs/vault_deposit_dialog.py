"""Deposit into an ERC-4626 vault: amount and slippage; Preview (on a worker) shows the
expected and minimum shares, share price, limits, fees, the trailing APY with its window, the
network fee and the projected yield; Deposit approves the exact amount, then deposits (one
signing dialog each) and shows the shares received against those expected."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from app.explorer import tx_url
from app.vaults.actions import VaultPlan, plan_deposit
from views.dialogs.vault_action import VaultActionDialog
from views.formatting import format_amount, format_usd, full_amount
from views.models.vaults_model import apy_text, fees_text
from views.wallet_context import WalletContext
from views.widgets.checked_inputs import AmountReader
from views.widgets.common import MUTED_COLOR, show_links
from views.widgets.trade_warnings_view import TradeWarningsView

DEFAULT_SLIPPAGE = "0.5"


class VaultDepositDialog(VaultActionDialog):
    ACTION = "Deposit"

    def __init__(self, context: WalletContext, vault: str, vault_name: str, asset_symbol: str = "",
                 parent: QWidget | None = None):
        super().__init__(context, vault, vault_name, parent)
        self.setWindowTitle(f"Deposit into {vault_name}")
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setPlaceholderText("amount")
        self.amount_edit.setMaximumWidth(160)
        self.amount_reader = AmountReader(self.amount_edit)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit)
        amount_row.addWidget(QLabel(asset_symbol, self))
        amount_row.addStretch(1)
        self.slippage_edit = QLineEdit(DEFAULT_SLIPPAGE, self)
        self.slippage_edit.setMaximumWidth(60)
        self.slippage_reader = AmountReader(self.slippage_edit, "slippage", percent=True)
        self.slippage_edit.setToolTip("The fewest shares accepted, in percent below the preview (above 0, at "
                                      "most 50); checked by simulation right before the deposit is sent.")
        slippage_row = QHBoxLayout()
        slippage_row.addWidget(self.slippage_edit)
        slippage_row.addWidget(QLabel("%", self))
        slippage_row.addStretch(1)
        self.inputs_form.addRow("Amount:", amount_row)
        self.inputs_form.addRow("", self.amount_reader.echo)
        self.inputs_form.addRow("Slippage:", slippage_row)
        self.inputs_form.addRow("", self.slippage_reader.echo)

        form = self.preview_form
        for key, label in (("expected_shares", "Expected shares:"), ("min_shares", "Minimum shares:"),
                           ("share_price", "Share price:"), ("limits", "Limits:"), ("tvl", "TVL:"),
                           ("fees", "Vault fees:"), ("apy", "APY (trailing):"), ("network_fee", "Network fee:"),
                           ("yield_30d", "Projected yield, 30 days:"), ("yield_365d", "Projected yield, 1 year:"),
                           ("earn_back", "Earns back the fee in:")):
            self.add_value(form, key, label)
        self.pnl_note = QLabel("", self)
        self.pnl_note.setWordWrap(True)
        self.pnl_note.setStyleSheet(f"color: {MUTED_COLOR};")
        form.addRow(self.pnl_note)
        self.warnings_view = TradeWarningsView(self)  # the preview's warnings; a "confirm" one gates Deposit
        form.addRow(self.warnings_view)
        self.warnings_view.changed.connect(self.update_buttons)
        for key, label in (("shares_received", "Shares received:"), ("assets_paid", "Paid:"),
                           ("status", "Status:")):
            self.add_value(self.result_form, key, label)

        for edit in (self.amount_edit, self.slippage_edit):
            edit.textChanged.connect(lambda _text: self.update_buttons())
            edit.returnPressed.connect(self.preview)
        self.update_buttons()

    def why_cannot_execute(self) -> str | None:
        return super().why_cannot_execute() or (self.warnings_view.why_not_accepted() if self.plan else None)

    def input_widgets(self) -> list[QWidget]:
        return [self.amount_edit, self.slippage_edit]

    def inputs(self) -> tuple:
        return (self.amount_reader.text(), self.slippage_reader.text())

    def plan_call(self):
        amount, slippage = self.inputs()
        return plan_deposit, (self.context.session, self.vault, amount, slippage or None, self.record.address)

    def show_plan(self, plan: VaultPlan) -> None:
        p, info = plan.preview, plan.info
        self.warnings_view.set_warnings(p.get("warnings"))
        shares, asset = info.symbol, info.asset_symbol
        self.values["expected_shares"].setText(f"{format_amount(p['expected_shares'])} {shares}")
        self.values["expected_shares"].setToolTip(full_amount(p["expected_shares"], shares))
        self.values["min_shares"].setText(f"{format_amount(p['min_shares'])} {shares} "
                                          f"({p['slippage_bps'] / 100:g}% slippage)")
        self.values["min_shares"].setToolTip(full_amount(p["min_shares"], shares))
        self.values["share_price"].setText(f"{format_amount(p['share_price'])} {asset} per share")
        self.values["limits"].setText(self.limit_text("deposit", info.max_deposit))
        self.values["tvl"].setText(f"{format_amount(p['tvl'])} {asset}")
        self.values["fees"].setText(fees_text(p["fees"]))
        self.values["apy"].setText(apy_text(p["apy"]))
        self.values["apy"].setToolTip(p["apy"].get("note") or "")
        self.values["network_fee"].setText(self.network_fee_text(p))
        self.values["network_fee"].setToolTip(f"approval {p['network_fee']['approval_gas']:,} gas "
                                              "+ deposit; at the current base fee")
        pnl = p["pnl_preview"]
        self.values["yield_30d"].setText(format_usd(pnl.get("yield_30d_usd")))
        self.values["yield_365d"].setText(format_usd(pnl.get("yield_365d_usd")))
        days = pnl.get("days_to_earn_back_fee")
        self.values["earn_back"].setText(f"{days} days" if days is not None else "—")
        note = pnl.get("note")
        self.pnl_note.setText(f"No projection: {note}." if note else
                              f"Projected from the trailing APY on {format_usd(pnl.get('amount_usd'))}; "
                              "past yield, not a promise.")

    def show_result(self, realised: dict[str, Any]) -> None:
        info = self.values
        status = realised.get("status", "")
        tx_hash = realised.get("tx_hash") or ""
        show_links(info["status"], [(f"{status}  ", None), (tx_hash, tx_url(self.context.network, tx_hash))])
        if "shares_received" in realised:
            symbol, asset = self.info.symbol, self.info.asset_symbol
            info["shares_received"].setText(
                f"{format_amount(realised['shares_received'])} {symbol} "
                f"(expected {format_amount(realised['expected_shares'])}, "
                f"minimum {format_amount(realised['min_shares'])})")
            info["shares_received"].setToolTip(full_amount(realised["shares_received"], symbol))
            info["assets_paid"].setText(f"{format_amount(realised['assets_paid'])} {asset}")
        else:
            info["shares_received"].setText("—")
            info["assets_paid"].setText("—")

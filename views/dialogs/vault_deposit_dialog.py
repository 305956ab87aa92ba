"""Deposit into an ERC-4626 vault: amount and slippage; Preview (on a worker) shows the
expected and minimum shares, share price, limits, fees, the trailing APY with its window, the
network fee and the projected yield; Deposit approves the exact amount, then deposits (one
signing dialog each) and shows the shares received against those expected.

Share-price flags (app/vaults/share_price_guard.py: a tiny supply, a jump from the price's
history, too few shares) are shown in red; a "confirm" one needs the box under them ticked, a
"refuse" one cannot be sent. The deposit executes the very plan previewed: its minimum shares
and share price are checked right before the approval and again before the deposit."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from app.explorer import tx_url
from app.vaults.actions import VaultPlan, plan_deposit
from views.dialogs.vault_action import VaultActionDialog
from views.formatting import format_amount, format_usd, full_amount
from views.models.vaults_model import apy_text, fees_text
from views.wallet_context import WalletContext
from views.widgets.checked_inputs import AmountReader
from views.widgets.common import MUTED_COLOR, WARNING_COLOR, show_links
from views.widgets.trade_warnings_view import TradeWarningsView

DEFAULT_SLIPPAGE = "0.5"
# the share-price flags this dialog shows and asks to accept (others' warnings are shown elsewhere)
SHARE_PRICE_FLAGS = ("tiny_supply", "share_price_jump", "few_shares", "zero_shares", "first_deposit",
                     "share_price_drop", "most_of_vault")


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
        self.flags_label = QLabel("", self)
        self.flags_label.setObjectName("sharePriceFlags")
        self.flags_label.setWordWrap(True)
        self.flags_label.setStyleSheet(f"color: {WARNING_COLOR};")
        self.flags_label.hide()
        self.accept_box = QCheckBox("I understand the share-price risk above: deposit anyway", self)
        self.accept_box.setToolTip("Needed to deposit into a vault flagged for its share price; the minimum "
                                   "shares are still checked right before sending")
        self.accept_box.hide()
        self.accept_box.toggled.connect(lambda _checked: self.update_buttons())
        form.addRow(self.flags_label)
        form.addRow(self.accept_box)
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

    def flags(self) -> list[dict]:
        """The previewed plan's share-price flags."""
        if self.plan is None:
            return []
        return [w for w in self.plan.preview.get("warnings", []) if w.get("code") in SHARE_PRICE_FLAGS]

    def accepts_share_price(self) -> bool:
        return self.accept_box.isChecked()

    def why_not_accepted(self) -> str | None:
        levels = {w["level"] for w in self.flags()}
        if "refuse" in levels:
            return "Refused: this deposit would get no shares (see the warning in red)."
        if "confirm" in levels and not self.accept_box.isChecked():
            return "The share price is flagged (in red): tick the box under it to deposit anyway."
        return None

    def plan_call(self):
        amount, slippage = self.inputs()
        return plan_deposit, (self.context.session, self.vault, amount, slippage or None, self.record.address)

    def show_plan(self, plan: VaultPlan) -> None:
        p, info = plan.preview, plan.info
        # the share-price flags have their own box below; the trade's other warnings here
        self.warnings_view.set_warnings([w for w in p.get("warnings") or [] if w.get("code") not in SHARE_PRICE_FLAGS])
        shares, asset = info.symbol, info.asset_symbol
        flags = self.flags()
        self.flags_label.setText("\n".join(f"{'Refused' if w['level'] == 'refuse' else 'Warning'}: {w['text']}."
                                            for w in flags))
        self.flags_label.setVisible(bool(flags))
        self.accept_box.setChecked(False)
        self.accept_box.setVisible(any(w["level"] == "confirm" for w in flags)
                                   and not any(w["level"] == "refuse" for w in flags))
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

"""Withdraw from an ERC-4626 vault: an amount of the asset, or "Withdraw everything" (every
share redeemed). Preview (on a worker) shows the shares burnt, the position (value, cost
basis, accrued yield) and the network fee; Withdraw signs and sends it (one signing dialog)
and shows the assets received, their cost basis and the realised yield."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from app.explorer import tx_url
from app.vaults.actions import VaultPlan, plan_withdraw
from views.dialogs.vault_action import VaultActionDialog
from views.formatting import format_amount, full_amount
from views.models.vaults_model import fees_text, signed_amount
from views.wallet_context import WalletContext
from views.widgets.checked_inputs import AmountReader
from views.widgets.common import OK_COLOR, WARNING_COLOR, show_links


class VaultWithdrawDialog(VaultActionDialog):
    ACTION = "Withdraw"

    def __init__(self, context: WalletContext, vault: str, vault_name: str, asset_symbol: str = "",
                 parent: QWidget | None = None):
        super().__init__(context, vault, vault_name, parent)
        self.setWindowTitle(f"Withdraw from {vault_name}")
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setPlaceholderText("amount")
        self.amount_edit.setMaximumWidth(160)
        self.amount_reader = AmountReader(self.amount_edit)
        self.all_box = QCheckBox("Withdraw everything", self)
        self.all_box.setToolTip("Redeem every share this account holds (refused, saying how much is "
                                "available, when the vault limits withdrawals now)")
        self.available_box = QCheckBox("Only what is available now", self)
        self.available_box.setToolTip("With Withdraw everything: when the vault limits withdrawals now "
                                      "(a queue, illiquid markets), redeem what it pays out now (maxRedeem)")
        self.available_box.setEnabled(False)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit)
        amount_row.addWidget(QLabel(asset_symbol, self))
        amount_row.addWidget(self.all_box)
        amount_row.addWidget(self.available_box)
        amount_row.addStretch(1)
        self.inputs_form.addRow("Amount:", amount_row)
        self.inputs_form.addRow("", self.amount_reader.echo)

        for key, label in (("amount", "You receive (expected):"), ("shares", "Shares burnt:"),
                           ("share_price", "Share price:"), ("limits", "Limits:"),
                           ("position", "Your position:"), ("available", "Available now:"), ("cost_basis", "Cost basis:"),
                           ("accrued_yield", "Accrued yield:"), ("fees", "Vault fees:"),
                           ("network_fee", "Network fee:")):
            self.add_value(self.preview_form, key, label)
        for key, label in (("assets_received", "Assets received:"), ("shares_burnt", "Shares burnt:"),
                           ("result_cost_basis", "Cost basis:"), ("realized_yield", "Realised yield:"),
                           ("status", "Status:")):
            self.add_value(self.result_form, key, label)

        self.amount_edit.textChanged.connect(lambda _text: self.update_buttons())
        self.amount_edit.returnPressed.connect(self.preview)
        self.all_box.toggled.connect(self._all_toggled)
        self.available_box.toggled.connect(lambda _checked: self.update_buttons())
        self.update_buttons()

    def _all_toggled(self, checked: bool) -> None:
        self.amount_edit.setEnabled(not checked and not self.busy)
        self.available_box.setEnabled(checked)
        if not checked:
            self.available_box.setChecked(False)
        self.update_buttons()

    def input_widgets(self) -> list[QWidget]:
        return [self.all_box] + ([self.available_box] if self.all_box.isChecked() else [self.amount_edit])

    def inputs(self) -> tuple:
        if self.all_box.isChecked():
            return (None, self.available_box.isChecked())
        return (self.amount_reader.text(), False)

    def plan_call(self):
        amount, available_now = self.inputs()
        return plan_withdraw, (self.context.session, self.vault, amount, self.record.address, available_now)

    def show_plan(self, plan: VaultPlan) -> None:
        p, info = plan.preview, plan.info
        shares, asset = info.symbol, info.asset_symbol
        self.values["amount"].setText(f"{format_amount(p['amount'])} {asset}")
        self.values["amount"].setToolTip(full_amount(p["amount"], asset))
        self.values["shares"].setText(f"{format_amount(p['expected_shares'])} {shares}"
                                      + ("  (every share)" if plan.all_shares else ""))
        self.values["shares"].setToolTip(full_amount(p["expected_shares"], shares))
        self.values["share_price"].setText(f"{format_amount(p['share_price'])} {asset} per share")
        self.values["limits"].setText(self.limit_text("withdraw", info.max_withdraw))
        position = p.get("position") or {}
        exit_fee = position.get("exit_fee")
        self.values["position"].setText(f"{format_amount(position.get('shares'))} {shares}, worth "
                                        f"{format_amount(position.get('value'))} {asset} if redeemed now"
                                        + (f" (after a {format_amount(exit_fee)} {asset} exit fee)"
                                           if exit_fee and exit_fee != "0" else ""))
        free = p.get("withdrawable") or {}
        self.values["available"].setText(available_text(free, asset))
        self.values["available"].setStyleSheet(f"color: {WARNING_COLOR};" if free.get("withdraw_limited") else "")
        self.values["cost_basis"].setText(f"{format_amount(position.get('cost_basis'))} {asset}")
        accrued = position.get("accrued_yield")
        self.values["accrued_yield"].setText(f"{signed_amount(accrued)} {asset}" if accrued is not None else "—")
        self.values["fees"].setText(fees_text(p.get("fees")))
        self.values["network_fee"].setText(self.network_fee_text(p))

    def show_result(self, realised: dict[str, Any]) -> None:
        values = self.values
        tx_hash = realised.get("tx_hash") or ""
        show_links(values["status"], [(f"{realised.get('status', '')}  ", None),
                                      (tx_hash, tx_url(self.context.network, tx_hash))])
        if "assets_received" not in realised:
            for key in ("assets_received", "shares_burnt", "result_cost_basis", "realized_yield"):
                values[key].setText("—")
            return
        asset, shares = realised.get("asset") or self.info.asset_symbol, self.info.symbol
        values["assets_received"].setText(f"{format_amount(realised['assets_received'])} {asset}")
        values["assets_received"].setToolTip(full_amount(realised["assets_received"], asset))
        values["shares_burnt"].setText(f"{format_amount(realised['shares_burnt'])} {shares}")
        method = realised.get("cost_basis_method")
        values["result_cost_basis"].setText(f"{format_amount(realised['cost_basis'])} {asset}"
                                            + (f" ({method.upper()})" if method else ""))
        values["realized_yield"].setText(f"{signed_amount(realised['realized_yield'])} {asset}")
        values["realized_yield"].setToolTip(full_amount(realised["realized_yield"], asset))
        if not realised["realized_yield"].startswith("-"):
            values["realized_yield"].setStyleSheet(f"color: {OK_COLOR};")


def available_text(free: dict, asset: str) -> str:
    """The preview's ``withdrawable``: all of it, or how much the vault pays out now."""
    if not free:
        return "—"
    if free.get("withdraw_limited"):
        return (f"{free['text']}: the vault limits withdrawals now (a withdrawal queue or illiquid "
                "markets); Withdraw everything is refused unless you tick Only what is available now")
    return f"all of it ({format_amount(free['withdrawable_now'])} {asset})"

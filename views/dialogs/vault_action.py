"""What the vault deposit and withdraw dialogs share: Preview plans on a worker (bad input is
shown and nothing is sent), the action signs and sends the plan's transactions through the
wallet's signing path (the unlock dialog or the device, then one signing dialog per
transaction, on a worker or the device thread) and the dialog shows what happened.

The action needs a preview of the current inputs, made for the active account, which can sign.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import BasketryError, UserCancelled
from app.units import format_units
from app.vaults.actions import VaultPlan, execute_vault_plan
from views.dialogs.unlock_dialog import UnlockDialog
from views.errors import show_error
from views.formatting import format_amount, format_usd
from views.prompts import ReportingPrompts
from views.wallet_context import HARDWARE, WalletContext
from views.widgets.common import MUTED_COLOR, OK_COLOR, ErrorLabel, error_text, value_label
from views.workers import Worker
from wallet.prompts import Prompts


class VaultActionDialog(QDialog):
    """Subclasses add their inputs to ``self.inputs_form``, their preview and result rows with
    ``add_value``, and implement ``inputs``, ``plan_call``, ``show_plan`` and ``show_result``."""

    ACTION = "Deposit"                 # the action button's text
    preview_ready = Signal(object)     # VaultPlan
    completed = Signal(object)         # the realised dict of execute_vault_plan

    def __init__(self, context: WalletContext, vault: str, vault_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.context, self.vault, self.vault_name = context, vault, vault_name
        self.record = context.active_account()
        self.plan: VaultPlan | None = None
        self.info = None                  # the VaultInfo of the last preview
        self.realised: dict[str, Any] | None = None
        self.unlock_dialog: UnlockDialog | None = None
        self._plan_inputs: tuple | None = None
        self._worker: Worker | None = None
        self._jobs: list[Worker] = []
        self._executing = False
        self._approved = 0
        self.values: dict[str, QLabel] = {}
        self.setModal(True)
        self.setMinimumWidth(560)

        record = self.record
        header = QFormLayout()
        header.addRow("Vault:", value_label(f"{vault_name}  {vault}", self))
        header.addRow("Account:", value_label(f"{record.label}  {record.address}" if record else "—", self))
        self.inputs_form = QFormLayout()
        self.preview_button = QPushButton("Preview", self)
        self.preview_button.setDefault(True)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumSize(110, 12)
        self.busy_bar.hide()
        self.error = ErrorLabel(self)
        self.preview_box = QGroupBox("Preview", self)
        self.preview_form = QFormLayout(self.preview_box)
        self.preview_box.hide()
        self.result_box = QGroupBox("Result", self)
        self.result_form = QFormLayout(self.result_box)
        self.result_box.hide()
        self.stage = QLabel("", self)
        self.stage.setWordWrap(True)
        self.stage.setStyleSheet(f"color: {MUTED_COLOR};")
        self.action_button = QPushButton(f"{self.ACTION}…", self)
        self.action_button.setMinimumWidth(110)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAutoDefault(False)

        preview_row = QHBoxLayout()
        preview_row.addStretch(1)
        preview_row.addWidget(self.busy_bar)
        preview_row.addWidget(self.preview_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.stage, 1)
        buttons.addWidget(self.action_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addLayout(self.inputs_form)
        layout.addLayout(preview_row)
        layout.addWidget(self.error)
        layout.addWidget(self.preview_box)
        layout.addWidget(self.result_box)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self.preview_button.clicked.connect(self.preview)
        self.action_button.clicked.connect(self.execute)
        self.close_button.clicked.connect(self.reject)

    # --- for subclasses ---------------------------------------------------------------------------
    def inputs(self) -> tuple:
        raise NotImplementedError

    def plan_call(self) -> tuple[Callable[..., VaultPlan], tuple]:
        raise NotImplementedError

    def show_plan(self, plan: VaultPlan) -> None:
        raise NotImplementedError

    def show_result(self, realised: dict[str, Any]) -> None:
        raise NotImplementedError

    def input_widgets(self) -> list[QWidget]:
        return []

    def accepts_share_price(self) -> bool:
        """The person accepted the preview's share-price flags (the deposit dialog's checkbox)."""
        return False

    def why_not_accepted(self) -> str | None:
        """Why the previewed plan cannot be sent as it is (the deposit dialog: flags to accept)."""
        return None

    def add_value(self, form: QFormLayout, key: str, label: str) -> QLabel:
        widget = value_label("", self)
        form.addRow(label, widget)
        self.values[key] = widget
        return widget

    def text(self, key: str) -> str:
        return self.values[key].text()

    def limit_text(self, action: str, value: int) -> str:
        """A maxDeposit/maxWithdraw in words ("no … limit" for the ERC-4626 "unlimited")."""
        info = self.info
        if value >= 2**255:
            return f"no {action} limit"
        return f"{action} at most {format_amount(format_units(value, info.asset_decimals))} {info.asset_symbol}"

    def network_fee_text(self, preview: dict) -> str:
        fee = preview["network_fee"]
        return (f"{fee['eth']} {self.context.native_symbol} ({format_usd(fee['usd'])}), "
                f"{fee['gas']:,} gas")

    # --- state --------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._worker is not None or self._executing

    def why_cannot_preview(self) -> str | None:
        if self.context.session is None:
            return "Offline: the vault is read from the chain."
        if self.record is None:
            return "Create, import or choose an account first (Accounts page)."
        return None

    def why_cannot_execute(self) -> str | None:
        reason = self.why_cannot_preview()
        if reason:
            return reason
        if self.busy:
            return "Busy…"
        if self.realised is not None and self.plan is None:
            return "Done."
        if self.plan is None:
            return "Preview first."
        if self._plan_inputs != self.inputs():
            return "The inputs changed: preview again."
        active = self.context.active_account()
        if active is None or active.address.lower() != self.plan.owner.lower():
            return "The preview was made for another account: preview again."
        return self.why_not_accepted() or self.context.why_cannot_send(active)

    def update_buttons(self) -> None:
        busy = self.busy
        for widget in self.input_widgets():
            widget.setEnabled(not busy)
        preview_reason = self.why_cannot_preview()
        self.preview_button.setEnabled(not busy and preview_reason is None)
        self.preview_button.setToolTip(preview_reason or "Read the vault and simulate at the current block "
                                                         "(nothing is signed or sent)")
        self.busy_bar.setVisible(busy)
        reason = self.why_cannot_execute()
        self.action_button.setEnabled(reason is None)
        self.action_button.setToolTip(reason or "Sign and send the previewed transaction(s)")
        self.close_button.setEnabled(not self._executing)
        if reason and not busy and self.realised is None and self.plan is not None:
            self.stage.setText(reason)

    # --- preview ------------------------------------------------------------------------------------
    def preview(self) -> Worker | None:
        if self.busy:
            return None
        reason = self.why_cannot_preview()
        if reason:
            self.error.show_error(reason)
            return None
        inputs = self.inputs()
        func, args = self.plan_call()
        self.error.clear_error()
        self.stage.setText("Reading the vault and simulating…")
        worker = Worker(func, *args)
        worker.signals.returned.connect(lambda plan: self._planned(plan, inputs))
        worker.signals.errored.connect(self._plan_failed)
        self._worker = worker
        self.update_buttons()
        worker.start()
        return worker

    def _planned(self, plan: VaultPlan, inputs: tuple) -> None:
        self._worker = None
        self.plan, self._plan_inputs, self.realised = plan, inputs, None
        self.info = plan.info
        self.result_box.hide()
        self.show_plan(plan)
        self.preview_box.show()
        self.adjustSize()
        steps = "two transactions: the approval of the exact amount, then the deposit" \
            if len(plan.transactions) == 2 else "one transaction"
        self.stage.setText(f"Check the preview, then {self.ACTION} ({steps}).")
        self.update_buttons()
        self.preview_ready.emit(plan)

    def _plan_failed(self, exc: BaseException) -> None:
        self._worker = None
        self.plan, self._plan_inputs = None, None
        self.preview_box.hide()
        self.stage.clear()
        self._show_failure(exc)
        self.update_buttons()

    # --- execute ------------------------------------------------------------------------------------
    def execute(self) -> None:
        reason = self.why_cannot_execute()
        if reason is not None:
            self.stage.setText(reason)
            return
        context, plan = self.context, self.plan
        record = context.active_account()
        self._executing, self._approved = True, 0
        self.error.clear_error()
        self.update_buttons()
        self.unlock_dialog = context.acquire_signer(
            record, parent=self, purpose=f"to {self.ACTION.lower()} with {self.vault_name}",
            follow=self._follow, on_signer=lambda signer: self._run(record, plan, signer),
            on_failed=self._failed, on_stage=self.stage.setText)

    def _run(self, record, plan: VaultPlan, signer) -> None:
        context, session = self.context, self.context.session
        if session is None or plan is not self.plan:
            self._failed(BasketryError("the chain session changed: preview again"))
            return
        args = (session, plan, signer, context.prompts, self.accepts_share_price())
        if record.kind in HARDWARE:
            job = context.device_worker.submit(run_vault_plan, *args)
        else:
            job = Worker(run_vault_plan, *args)
        job.signals.progress.connect(self._progress)
        self._follow(job, self._finished)

    def _follow(self, job: Worker, on_result) -> None:
        self._jobs.append(job)
        job.signals.returned.connect(on_result)
        job.signals.errored.connect(self._failed)
        job.signals.finished.connect(lambda: self._jobs.remove(job))
        if not job.is_running and not job.is_done:
            job.start()

    def _progress(self, event: tuple) -> None:
        step, index, total, kind = event
        what = {"approve": f"the approval of {self.plan.info.asset_symbol}" if self.plan else "the approval",
                "vault_deposit": "the deposit", "vault_withdraw": "the withdrawal"}.get(kind, kind)
        position = f" ({index + 1} of {total})" if total > 1 else ""
        if step == "confirm":
            if index > 0:
                self.context.journal_changed.emit()
            self.stage.setText(f"Check {what}{position} and confirm it.")
        elif step == "approved":
            self._approved += 1
            record = self.context.active_account()
            on_device = record is not None and record.kind in HARDWARE
            self.stage.setText(f"Confirm {what} on your device…" if on_device
                               else f"Signing and sending {what}{position}; waiting for the receipt…")

    def _finished(self, realised: dict[str, Any]) -> None:
        self._executing = False
        self.context.journal_changed.emit()
        self.realised, self.plan, self._plan_inputs = realised, None, None  # spent
        status = realised.get("status")
        self.stage.setText(f"{status.capitalize()}." + ("" if status == "confirmed" else
                                                        " Nothing more was done; preview again to retry."))
        self.stage.setStyleSheet(f"color: {OK_COLOR if status == 'confirmed' else MUTED_COLOR};")
        self.show_result(realised)
        self.result_box.show()
        self.adjustSize()
        self.close_button.setText("Done")
        self.update_buttons()
        self.completed.emit(realised)

    def _failed(self, exc: BaseException) -> None:
        self._executing = False
        sent = self._approved > 0
        if sent:
            self.context.journal_changed.emit()
            self.plan, self._plan_inputs = None, None  # something went out: preview again
            self.preview_box.hide()
        if isinstance(exc, UserCancelled):
            self.stage.setText("Rejected: " + ("the approval was sent, the rest was not; preview again."
                                               if sent else "nothing was signed or sent."))
        else:
            self.stage.clear()
            self._show_failure(exc)
        self.update_buttons()

    def _show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, UserCancelled):
            return
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.error.show_error(text)

    def reject(self) -> None:
        if self._executing:  # a transaction is on its way: the dialog stays until it is done
            return
        super().reject()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self._executing:
            return
        super().keyPressEvent(event)


# --- the execution, on a worker or the device thread ----------------------------------------------
def run_vault_plan(session, plan: VaultPlan, signer, prompts: Prompts, accept_share_price: bool,
                   progress) -> dict[str, Any]:
    """``execute_vault_plan`` (the very plan previewed: its minimum and share price are checked
    right before sending) with ("confirm"|"approved", index, total, kind) reported around each
    signing dialog."""
    return execute_vault_plan(session, plan, signer, ReportingPrompts(prompts, plan.kinds, progress),
                              accept_share_price=accept_share_price)

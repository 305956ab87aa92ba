"""Send the native coin or a known token from the active account.

Review validates and builds the exact transaction on a worker (``plan_send``: bad input is
shown here and nothing is sent), then the SigningFlow asks for confirmation, unlocks, signs,
journals and broadcasts. The dialog then shows the transaction hash and its status.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from app.explorer import tx_url
from app.recipients import UnusualRecipient
from app.transfers import SendPlan, plan_send
from app.tx.journal import JournalEntry
from views.errors import show_error
from views.signing_flow import SigningFlow
from views.wallet_context import WalletContext
from views.widgets.checked_inputs import AddressReader, AmountReader
from views.widgets.common import (
    OK_COLOR,
    WARNING_COLOR,
    ErrorLabel,
    error_text,
    mono_font,
    show_link,
    value_label,
)
from views.workers import Worker
from wallet.prompts import SigningSummary

STATUS_COLORS = {"confirmed": OK_COLOR, "failed": WARNING_COLOR, "rejected": WARNING_COLOR, "dropped": WARNING_COLOR}


class SendDialog(QDialog):
    def __init__(self, context: WalletContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.record: AccountRecord | None = context.active_account()
        self.plan: SendPlan | None = None
        self.flow: SigningFlow | None = None
        self._worker: Worker | None = None
        self.setWindowTitle("Send")
        self.setModal(True)
        self.setMinimumWidth(600)

        record = self.record
        self.from_label = value_label(f"{record.label}  {record.address}" if record else "—", self)
        self.to_edit = QLineEdit(self)
        self.to_edit.setFont(mono_font())
        self.to_edit.setPlaceholderText("0x… recipient address")
        self.to_reader = AddressReader(self.to_edit, "recipient")
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setPlaceholderText("0.0")
        self.amount_reader = AmountReader(self.amount_edit)
        self.token_box = QComboBox(self)
        self.token_box.addItem(context.native_symbol)
        if context.session is not None:
            for token in context.session.tokens:
                if token.symbol != context.native_symbol:
                    self.token_box.addItem(token.symbol)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit, 1)
        amount_row.addWidget(self.token_box)
        form = QFormLayout()
        form.addRow("From:", self.from_label)
        form.addRow("To:", self.to_edit)
        form.addRow("", self.to_reader.echo)
        form.addRow("Amount:", amount_row)
        form.addRow("", self.amount_reader.echo)
        # Shown only after Review refused an unusual recipient (burn, contract, yourself).
        self.unusual_box = QCheckBox("Send anyway: I know this address and mean to send there", self)
        self.unusual_box.hide()
        form.addRow("", self.unusual_box)
        self.to_edit.textChanged.connect(self._recipient_changed)

        self.error = ErrorLabel(self)
        self.stage = QLabel("", self)

        self.result_box = QGroupBox("Sent", self)
        self.hash_label = value_label("", self.result_box, mono=True)
        self.hash_label.setObjectName("txHash")
        self.status_label = QLabel("", self.result_box)
        self.status_label.setObjectName("txStatus")
        result_form = QFormLayout(self.result_box)
        result_form.addRow("Transaction:", self.hash_label)
        result_form.addRow("Status:", self.status_label)
        self.result_box.hide()

        self.review_button = QPushButton("Review…", self)
        self.review_button.setDefault(True)
        self.review_button.clicked.connect(self.review)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.review_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.stage)
        layout.addWidget(self.result_box)
        layout.addLayout(buttons)

        reason = context.why_cannot_send(record)
        if reason:
            self.error.show_error(reason)
            for widget in (self.to_edit, self.amount_edit, self.token_box, self.review_button):
                widget.setEnabled(False)

    @property
    def busy(self) -> bool:
        return self._worker is not None or (self.flow is not None and self.flow.running)

    # --- review --------------------------------------------------------------------------------
    def review(self) -> None:
        session, record = self.context.session, self.record
        if self.busy or session is None or record is None:
            return
        self.error.clear_error()
        self.stage.setText("Checking and simulating…")
        self._set_editable(False)
        token = self.token_box.currentText()
        self._worker = Worker(_plan_and_describe, session, record.address, self.to_edit.text(),
                              self.amount_reader.text(),
                              None if token == self.context.native_symbol else token,
                              allow_unusual_recipient=self.unusual_box.isChecked())
        self._worker.signals.returned.connect(self._planned)
        self._worker.signals.errored.connect(self._failed)
        self._worker.start()

    def _planned(self, result: tuple[SendPlan, SigningSummary]) -> None:
        self._worker = None
        session = self.context.session
        if session is None:
            self._failed(RuntimeError("the chain session closed"))
            return
        plan, summary = result
        self.plan = plan
        self.flow = SigningFlow(self.context, self.record, plan.tx, summary, kind="send",
                                parent_widget=self)
        self.flow.stage_changed.connect(self.stage.setText)
        self.flow.submitted.connect(self._submitted)
        self.flow.finished.connect(self._finished)
        self.flow.failed.connect(self._failed)
        self.flow.cancelled.connect(self._cancelled)
        self.stage.setText("Check the transaction and confirm it.")
        self.flow.start()

    # --- outcome -------------------------------------------------------------------------------
    def _submitted(self, entry: JournalEntry) -> None:
        self.result_box.show()
        show_link(self.hash_label, entry.tx_hash, tx_url(self.context.network, entry.tx_hash))
        self._show_status(entry.status)
        self.review_button.hide()

    def _finished(self, entry: JournalEntry) -> None:
        self._show_status(entry.status)
        self.stage.setText(f"{self.plan.describe_amount(self.context.native_symbol)} to "
                           f"{self.plan.recipient}: {entry.status}." if self.plan else entry.status)
        self.close_button.setText("Done")

    def _show_status(self, status: str) -> None:
        self.status_label.setText(status)
        color = STATUS_COLORS.get(status)
        self.status_label.setStyleSheet(f"color: {color}; font-weight: bold;" if color else "")

    def _failed(self, exc: BaseException) -> None:
        self._worker = None
        self.stage.clear()
        sent = self.result_box.isVisible()
        if not sent:
            self._set_editable(True)
        if isinstance(exc, UnusualRecipient):
            self.unusual_box.show()
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        elif sent:
            self.stage.setText(f"Sent, but: {text}")
        else:
            self.error.show_error(text)

    def _cancelled(self) -> None:
        self.stage.setText("Rejected: nothing was signed or sent.")
        self._set_editable(True)

    def _recipient_changed(self) -> None:
        self.unusual_box.setChecked(False)
        self.unusual_box.hide()

    def _set_editable(self, enabled: bool) -> None:
        for widget in (self.to_edit, self.amount_edit, self.token_box, self.review_button):
            widget.setEnabled(enabled)

    def done(self, result: int) -> None:
        if self._worker is not None:
            return  # simulating: a moment
        super().done(result)


def _plan_and_describe(session, *args, **kwargs) -> tuple[SendPlan, SigningSummary]:
    """On a worker: the checked, simulated transfer and its signing summary."""
    plan = plan_send(session, *args, **kwargs)
    return plan, plan.summary(session)

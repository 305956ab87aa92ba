"""What the user approves before anything is signed: a ``SigningSummary`` in words.

Notes (warnings) come first, in the warning colour; then network and chain id, from, to,
value, the decoded method and its arguments, and the most the network fee can be. Reject
is the default button, so Enter never signs by accident; Escape and closing reject too.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from views.widgets.common import WARNING_COLOR, value_label
from wallet.prompts import SigningSummary


class SigningDialog(QDialog):
    def __init__(self, summary: SigningSummary, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = summary
        self.setWindowTitle("Confirm the transaction")
        self.setMinimumWidth(560)
        self.setModal(True)

        layout = QVBoxLayout(self)
        heading = QLabel("Check every line. Once signed and sent, a transaction cannot be undone.", self)
        heading.setWordWrap(True)
        layout.addWidget(heading)

        self.note_labels: list[QLabel] = []
        for note in summary.notes:
            label = QLabel(f"⚠ {note}", self)
            label.setObjectName("signingNote")
            label.setWordWrap(True)
            label.setStyleSheet(f"color: {WARNING_COLOR}; font-weight: bold;")
            self.note_labels.append(label)
            layout.addWidget(label)

        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}

        def row(key: str, title: str, text: str, mono: bool = False) -> None:
            label = value_label(text, self, mono=mono)
            label.setObjectName(f"field_{key}")
            self.fields[key] = label
            form.addRow(f"{title}:", label)

        row("network", "Network", f"{summary.network} (chain id {summary.chain_id})")
        row("from", "From", summary.sender, mono=True)
        row("to", "To", summary.to or "— (creates a contract)", mono=True)
        row("value", "Value", summary.value)
        row("method", "Method", summary.method or "plain transfer (no data)")
        for name, value in summary.arguments.items():
            row(f"arg_{name}", f"    {name}", value, mono=value.startswith("0x"))
        row("max_fee", "Max network fee", summary.max_fee or "unknown")
        if summary.l1_fee:
            row("l1_fee", "L1 data fee", summary.l1_fee)
        layout.addLayout(form)

        self.buttons = QDialogButtonBox(self)
        self.reject_button = QPushButton("Reject", self)
        self.confirm_button = QPushButton("Confirm and sign", self)
        self.buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.reject_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm_button.setAutoDefault(False)
        self.reject_button.setDefault(True)
        self.reject_button.setFocus()
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

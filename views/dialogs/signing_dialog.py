"""What the user approves before anything is signed: a ``SigningSummary`` in words.

Warnings come first, in the warning colour; then network and chain id, from and to (named),
the decoded steps (one row per leg), the balance changes the simulation predicts (red what
leaves, green what arrives, with USD), the most the network fee can be in the coin and USD,
and plain notes. "Show exact amounts" swaps the rounded figures for full precision. Reject is
the default button, so Enter never signs by accident; Escape and closing reject too.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from views.widgets.common import WARNING_COLOR, value_label
from wallet.prompts import Action, Amount, SigningSummary

OUT_COLOR = "#c62828"
IN_COLOR = "#2e7d32"


class SigningDialog(QDialog):
    def __init__(self, summary: SigningSummary, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = summary
        self.setWindowTitle("Confirm the transaction")
        self.setMinimumWidth(640)
        self.setModal(True)

        layout = QVBoxLayout(self)
        heading = QLabel("Check every line. Once signed and sent, a transaction cannot be undone.", self)
        heading.setWordWrap(True)
        layout.addWidget(heading)

        self.warning_labels: list[QLabel] = []
        for warning in summary.warnings:
            label = QLabel(f"⚠ {warning}", self)
            label.setObjectName("signingWarning")
            label.setWordWrap(True)
            label.setStyleSheet(f"color: {WARNING_COLOR}; font-weight: bold;")
            self.warning_labels.append(label)
            layout.addWidget(label)

        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        self._exact: list[tuple[QLabel, str, str]] = []   # label, rounded text, exact text

        def row(key: str, title: str, text: str, mono: bool = False, exact: str | None = None,
                color: str | None = None) -> QLabel:
            label = value_label(text, self, mono=mono)
            label.setObjectName(f"field_{key}")
            label.setWordWrap(False)  # one line per row: the dialog is as wide as its widest step
            if color:
                label.setStyleSheet(f"color: {color};")
            if exact is not None and exact != text:
                label.setToolTip(exact)
                self._exact.append((label, text, exact))
            self.fields[key] = label
            form.addRow(f"{title}:" if title else "", label)
            return label

        row("network", "Network", f"{summary.network} (chain id {summary.chain_id})")
        row("from", "From", _named(summary.sender, summary.sender_name), mono=summary.sender_name is None)
        row("to", "To", _named(summary.to, summary.to_name) if summary.to else "— (creates a contract)",
            mono=summary.to_name is None)
        value_text = summary.value + (f" (${summary.value_usd})" if summary.value_usd and Decimal(summary.value_usd) else "")
        row("value", "Value", value_text)
        row("method", "Method", summary.method or "plain transfer (no data)")
        if "deadline" in summary.arguments:
            row("deadline", "Deadline", summary.arguments["deadline"])
        for index, action in enumerate(summary.actions, 1):
            row(f"step_{index}", f"Step {index}" if len(summary.actions) > 1 else "Does", action.text,
                exact=_exact_action(action))
        for index, total in enumerate(summary.totals, 1):
            row(f"total_{index}", "In all", f"at least {total.display}", exact=f"at least {_exact(total)}")
        if not summary.actions:  # a summary from an older file: its arguments as they were
            for name, value in summary.arguments.items():
                row(f"arg_{name}", f"    {name}", value, mono=value.startswith("0x"))
        for index, change in enumerate(summary.balance_changes, 1):
            sign = "−" if change.direction == "out" else "+"
            row(f"change_{index}", "Balance changes" if index == 1 else "", f"{sign} {change.amount.display}",
                exact=f"{sign} {_exact(change.amount)}", color=OUT_COLOR if change.direction == "out" else IN_COLOR)
        if not summary.balance_changes:
            row("change_none", "Balance changes", "none predicted (see below)")
        if summary.fee is not None:
            row("max_fee", "Max network fee", summary.fee.display, exact=summary.fee.exact)
            if summary.fee.l1_display:
                row("l1_fee", "  of which L1 data fee", summary.fee.l1_display,
                    exact=f"{summary.l1_fee}" if summary.l1_fee else None)
        else:
            row("max_fee", "Max network fee", summary.max_fee or "unknown")
            if summary.l1_fee:
                row("l1_fee", "L1 data fee", summary.l1_fee)
        layout.addLayout(form)
        if summary.simulation:  # how the balance changes were found, or why they are missing
            label = QLabel(summary.simulation, self)
            label.setObjectName("field_simulation")
            label.setWordWrap(True)
            self.fields["simulation"] = label
            layout.addWidget(label)

        self.exact_box = QCheckBox("Show exact amounts", self)
        self.exact_box.setObjectName("showExact")
        self.exact_box.setEnabled(bool(self._exact))
        self.exact_box.toggled.connect(self.show_exact)
        layout.addWidget(self.exact_box)

        self.note_labels: list[QLabel] = []
        for note in summary.notes:
            label = QLabel(note, self)
            label.setObjectName("signingNote")
            label.setWordWrap(True)
            self.note_labels.append(label)
            layout.addWidget(label)

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

    def show_exact(self, exact: bool) -> None:
        """Full precision (every digit, addresses in full) or the rounded figures."""
        for label, rounded, full in self._exact:
            label.setText(full if exact else rounded)


def _named(address: str | None, name: str | None) -> str:
    return f"{name} ({address})" if name and address else address or ""


def _exact(amount: Amount) -> str:
    usd = f" (${amount.usd})" if amount.usd is not None else ""
    return f"{amount.units} {amount.symbol}{usd}"


def _exact_action(action: Action) -> str:
    """The step's line with every amount exact and every address in full."""
    text = action.text
    for amount in action.amounts.values():
        if amount.display:
            text = text.replace(amount.display, _exact(amount), 1)
    for party in action.parties.values():
        if party.name:
            text = text.replace(party.text(), f"{party.name} ({party.address})")
    return text


def save_screenshot(summary: SigningSummary, path: str, exact: bool = False) -> None:
    """The dialog for ``summary`` as a PNG (scripts/signing_screenshots.py; offscreen is fine)."""
    app = QApplication.instance() or QApplication([])
    dialog = SigningDialog(summary)
    dialog.exact_box.setChecked(exact)
    dialog.show()
    app.processEvents()
    dialog.resize(dialog.sizeHint())  # not adjustSize: that caps at 2/3 of an offscreen 800 px screen
    app.processEvents()
    dialog.grab().save(path)
    dialog.close()
    dialog.deleteLater()

"""Air-gapped signing from the online side, for the active account (watch-only is enough):

- Export: build and simulate the transfer, save the unsigned file and show it as a QR code;
  sign it on the offline machine (``basketry tx sign FILE``).
- Broadcast: pick the signed file; it is verified field by field against the export journaled
  here and its signature against the account (``broadcast_signed``), then sent. Any difference
  is refused with its reason and nothing is sent.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.airgap_flow import ExportedTx, broadcast_signed, export_unsigned
from app.errors import BasketryError, InvalidInput
from app.explorer import tx_url
from app.recipients import UnusualRecipient
from app.tx.journal import JournalEntry
from views.errors import show_error
from views.wallet_context import WalletContext
from views.widgets.checked_inputs import AddressReader, AmountReader
from views.widgets.common import ErrorLabel, error_text, mono_font, show_link, value_label
from views.widgets.qr_widget import QrWidget
from views.workers import Worker
from wallet.airgap import qr_matrix

MAX_SIGNED_FILE_BYTES = 1_000_000


class AirgapDialog(QDialog):
    EXPORT, BROADCAST = range(2)

    def __init__(self, context: WalletContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.record = context.active_account()
        self.exported: ExportedTx | None = None
        self.exported_path: Path | None = None
        self.broadcast_entry: JournalEntry | None = None
        self._worker: Worker | None = None
        self.setWindowTitle("Air-gapped signing")
        self.setModal(True)
        self.setMinimumWidth(640)

        record = self.record
        self.from_label = value_label(f"{record.label}  {record.address}" if record else "—", self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._export_tab(), "1. Export unsigned")
        self.tabs.addTab(self._broadcast_tab(), "2. Broadcast signed")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        top = QFormLayout()
        top.addRow("Account:", self.from_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs)
        layout.addWidget(close)
        if record is None or context.session is None:
            self.tabs.setEnabled(False)
            self.export_error.show_error("Choose an account and connect to the chain first.")

    # --- export ------------------------------------------------------------------------------
    def _export_tab(self) -> QWidget:
        tab = QWidget(self)
        self.to_edit = QLineEdit(tab)
        self.to_edit.setFont(mono_font())
        self.to_edit.setPlaceholderText("0x… recipient address")
        self.to_reader = AddressReader(self.to_edit, "recipient")
        self.amount_edit = QLineEdit(tab)
        self.amount_reader = AmountReader(self.amount_edit)
        self.unusual_box = QCheckBox("Export anyway: I know this address and mean to send there", tab)
        self.unusual_box.hide()
        self.to_edit.textChanged.connect(lambda _text: (self.unusual_box.setChecked(False),
                                                        self.unusual_box.hide()))
        self.token_box = QComboBox(tab)
        self.token_box.addItem(self.context.native_symbol)
        if self.context.session is not None:
            for token in self.context.session.tokens:
                if token.symbol != self.context.native_symbol:
                    self.token_box.addItem(token.symbol)
        amount = QHBoxLayout()
        amount.addWidget(self.amount_edit, 1)
        amount.addWidget(self.token_box)
        self.export_path_edit = QLineEdit(str(self.context.home / "airgap" / "unsigned-tx.json"), tab)
        browse = QPushButton("Browse…", tab)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse_export)
        path_row = QHBoxLayout()
        path_row.addWidget(self.export_path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("To:", self.to_edit)
        form.addRow("", self.to_reader.echo)
        form.addRow("Amount:", amount)
        form.addRow("", self.amount_reader.echo)
        form.addRow("", self.unusual_box)
        form.addRow("Save as:", path_row)
        self.export_button = QPushButton("Export", tab)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        self.export_error = ErrorLabel(tab)
        self.export_status = QLabel("", tab)
        self.export_status.setWordWrap(True)
        self.qr = QrWidget(parent=tab)
        self.qr.hide()
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.export_button)
        layout.addLayout(row)
        layout.addWidget(self.export_error)
        layout.addWidget(self.export_status)
        layout.addWidget(self.qr, 1)
        return tab

    def _browse_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the unsigned transaction",
                                              self.export_path_edit.text(), "JSON (*.json)")
        if path:
            self.export_path_edit.setText(path)

    def export(self) -> None:
        session, record = self.context.session, self.record
        if self._worker is not None or session is None or record is None:
            return
        self.export_error.clear_error()
        self.export_status.setText("Building and simulating…")
        token = self.token_box.currentText()
        self._start(Worker(export_unsigned, session, record.address, self.to_edit.text(),
                           self.amount_reader.text(), None if token == self.context.native_symbol else token,
                           allow_unusual_recipient=self.unusual_box.isChecked()),
                    self._exported, self.export_error, self.export_status)

    def _exported(self, exported: ExportedTx) -> None:
        self._worker = None
        self.exported = exported
        self.context.journal_changed.emit()
        path = Path(self.export_path_edit.text().strip() or "unsigned-tx.json").expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(exported.file_text, encoding="utf-8")
        except OSError as exc:
            self.export_error.show_error(f"The transaction was built but {path} cannot be written: "
                                         f"{exc.strerror or exc}")
            return
        self.exported_path = path
        lines = [f"Saved {path} (nonce {exported.tx['nonce']}). Sign it offline "
                 "(basketry tx sign FILE --out SIGNED), then broadcast the signed file in step 2."]
        try:
            self.qr.set_matrix(qr_matrix(exported.qr_text))
            self.qr.show()
            lines.append("Or scan this QR code on the signing device.")
        except InvalidInput as exc:
            self.qr.hide()
            lines.append(str(exc))
        self.export_status.setText("\n".join(lines))

    # --- broadcast -----------------------------------------------------------------------------
    def _broadcast_tab(self) -> QWidget:
        tab = QWidget(self)
        self.signed_path_edit = QLineEdit(tab)
        self.signed_path_edit.setPlaceholderText("the signed file from the offline machine")
        browse = QPushButton("Browse…", tab)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse_signed)
        path_row = QHBoxLayout()
        path_row.addWidget(self.signed_path_edit, 1)
        path_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Signed file:", path_row)
        self.broadcast_button = QPushButton("Verify and broadcast", tab)
        self.broadcast_button.clicked.connect(self.broadcast)
        self.broadcast_error = ErrorLabel(tab)
        self.broadcast_status = QLabel("", tab)
        self.broadcast_status.setWordWrap(True)
        self.result_hash = value_label("", tab, mono=True)
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.broadcast_button)
        layout.addLayout(row)
        layout.addWidget(self.broadcast_error)
        layout.addWidget(self.broadcast_status)
        layout.addWidget(self.result_hash)
        layout.addStretch(1)
        return tab

    def _browse_signed(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The signed transaction", "", "JSON (*.json);;All files (*)")
        if path:
            self.signed_path_edit.setText(path)

    def broadcast(self) -> None:
        session = self.context.session
        if self._worker is not None or session is None:
            return
        self.broadcast_error.clear_error()
        path = Path(self.signed_path_edit.text().strip()).expanduser()
        try:
            if not self.signed_path_edit.text().strip():
                raise InvalidInput("choose the signed file")
            if path.stat().st_size > MAX_SIGNED_FILE_BYTES:
                raise InvalidInput(f"{path.name} is too large to be a signed transaction")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.broadcast_error.show_error(f"Cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
            return
        except BasketryError as exc:
            self.broadcast_error.show_error(str(exc))
            return
        self.broadcast_status.setText("Verifying, sending and waiting for the receipt…")
        self._start(Worker(broadcast_signed, session, None, text), self._broadcast_done,
                    self.broadcast_error, self.broadcast_status)

    def _broadcast_done(self, entry: JournalEntry) -> None:
        self._worker = None
        self.broadcast_entry = entry
        self.context.journal_changed.emit()
        show_link(self.result_hash, entry.tx_hash, tx_url(self.context.network, entry.tx_hash))
        self.broadcast_status.setText(f"Verified and sent: {entry.status}.")

    # --- plumbing ------------------------------------------------------------------------------
    def _start(self, worker: Worker, on_result, error: ErrorLabel, status: QLabel) -> None:
        def failed(exc: BaseException) -> None:
            self._worker = None
            status.clear()
            if isinstance(exc, UnusualRecipient):
                self.unusual_box.show()
            text = error_text(exc)
            if text is None:
                show_error(self, exc)
            else:
                error.show_error(text)

        self._worker = worker
        worker.signals.returned.connect(on_result)
        worker.signals.errored.connect(failed)
        worker.start()

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def done(self, result: int) -> None:
        if self._worker is not None:
            return  # talking to the chain: a moment
        super().done(result)

"""The Activity page: every transaction the app journaled on this chain, newest first,
refreshed after each send; a pending one can be sped up or cancelled (a replacement with
the same nonce and higher fees, confirmed and signed like any other transaction)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from app.tx.describe import describe_transaction
from app.tx.journal import JournalEntry
from app.tx.lifecycle import replacement
from views.errors import show_error
from views.models.activity_model import ActivityModel, is_open
from views.signing_flow import SigningFlow
from views.wallet_context import WalletContext
from views.widgets.common import MUTED_COLOR, title_label
from views.workers import Worker


class ActivityPage(QWidget):
    TITLE = "Activity"

    def __init__(self, context: WalletContext | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ActivityPage")
        self.context = context
        self.flow: SigningFlow | None = None
        self._worker: Worker | None = None

        self.title_label = title_label(self.TITLE, self)
        self.state_label = QLabel("", self)
        self.state_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.model = ActivityModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        self.refresh_button = QPushButton("Refresh", self)
        self.speed_up_button = QPushButton("Speed up…", self)
        self.cancel_button = QPushButton("Cancel transaction…", self)
        self.speed_up_button.setToolTip("Send the same transaction again with higher fees (same nonce)")
        self.cancel_button.setToolTip("Replace it with a zero-value transfer to yourself (same nonce, "
                                      "higher fees); it works only if mined before the original")
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.speed_up_button)
        buttons.addWidget(self.cancel_button)

        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addStretch(1)
        top.addWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.refresh_button.clicked.connect(self.refresh)
        self.speed_up_button.clicked.connect(lambda: self.replace(cancel=False))
        self.cancel_button.clicked.connect(lambda: self.replace(cancel=True))
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        if context is None:
            self.state_label.setText("No wallet store is open.")
            self.setEnabled(False)
            return
        context.journal_changed.connect(self.refresh)
        context.session_changed.connect(lambda _session: self.refresh())
        self.refresh()

    def selected(self) -> JournalEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    def select(self, entry_id: int) -> None:
        row = self.model.row_of(entry_id)
        if row is not None:
            self.table.selectRow(row)

    def refresh(self) -> None:
        """Re-read the journal (a quick SQLite read), keeping the selection."""
        chosen = self.selected()
        journal = self.context.journal
        self.model.set_entries(journal.entries() if journal is not None else [])
        if journal is None:
            self.state_label.setText("No chain seen yet on this network.")
        elif self.context.session is None:
            self.state_label.setText("Offline: the journal as last seen.")
        else:
            self.state_label.setText(f"{len(self.model.entries())} transactions")
        if chosen is not None:
            self.select(chosen.id)
        self._update_buttons()

    def _signer_account(self, entry: JournalEntry) -> AccountRecord | None:
        for record in self.context.accounts.by_address(entry.account):
            if record.can_sign:
                return record
        return None

    def _update_buttons(self) -> None:
        if self.context is None:
            return
        entry = self.selected()
        can = (entry is not None and is_open(entry) and self.context.session is not None
               and self._worker is None and not (self.flow and self.flow.running)
               and self._signer_account(entry) is not None)
        self.speed_up_button.setEnabled(can)
        self.cancel_button.setEnabled(can)

    def replace(self, cancel: bool) -> None:
        """Build the replacement of the selected pending entry on a worker, then sign it."""
        entry, session = self.selected(), self.context.session
        if entry is None or session is None or not is_open(entry) or self._worker is not None:
            return
        record = self._signer_account(entry)
        if record is None:
            return
        worker = Worker(replacement, session.client, entry, cancel)
        worker.signals.returned.connect(lambda result: self._replacement_built(entry, record, cancel, result))
        worker.signals.errored.connect(self._failed)
        self._worker = worker
        self._update_buttons()
        worker.start()

    def _replacement_built(self, entry: JournalEntry, record: AccountRecord, cancel: bool, result) -> None:
        self._worker = None
        session = self.context.session
        if session is None:
            return
        tx, _fees = result
        note = (f"This CANCELS transaction {entry.tx_hash} (nonce {entry.nonce}) if it is mined first."
                if cancel else f"This replaces transaction {entry.tx_hash} (nonce {entry.nonce}) "
                               "with higher fees.")
        summary = describe_transaction(tx, session.network.label, session.network.native_symbol,
                                       session.token_labels(), notes=(note,))
        self.flow = SigningFlow(self.context, record, tx, summary, kind="cancel" if cancel else "speedup",
                                replaces_id=entry.id, parent_widget=self)
        self.flow.failed.connect(self._failed)
        self.flow.finished.connect(lambda _entry: self._update_buttons())
        self.flow.cancelled.connect(self._update_buttons)
        self.flow.start()
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self._worker = None
        self._update_buttons()
        self.refresh()
        show_error(self, exc)

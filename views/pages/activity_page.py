"""The Activity page: every transaction the app journaled on this chain and those found in
its history that the app did not send (read by the Portfolio's refresh), newest first, from
SQLite (so it works offline too). Selecting one shows its details and, for a trade the app
made, predicted against realised. A pending one can be sped up or cancelled (a replacement
with the same nonce and higher fees, confirmed and signed like any other transaction).
"Export CSV…" writes the ledger for tax tools (Koinly universal format) on a worker."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from app.portfolio.activity import ActivityItem, load_activity
from app.portfolio.csv_export import ExportResult, export_csv
from app.tx.journal import JournalEntry
from views.errors import show_error
from views.models.activity_model import ActivityModel, is_open
from views.wallet_context import WalletContext
from views.widgets.activity_details import ActivityDetails
from views.widgets.common import MUTED_COLOR, title_label
from views.workers import Worker

# Speed-up and cancel load the signing code (eth-account) when one is asked for: the window
# paints without it.
if TYPE_CHECKING:
    from views.signing_flow import SigningFlow

LIMIT = 500


class ActivityPage(QWidget):
    TITLE = "Activity"
    exported = Signal(object)   # ExportResult

    def __init__(self, context: WalletContext | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ActivityPage")
        self.context = context
        self.flow: SigningFlow | None = None
        self._worker: Worker | None = None
        self._export: Worker | None = None

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
        self.details = ActivityDetails(context.network if context is not None else None, self)

        self.refresh_button = QPushButton("Refresh", self)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setToolTip("Write the ledger (trades, deposits, withdrawals, fees) as a CSV in "
                                      "Koinly's universal format, which tax tools import; works offline")
        self.per_account_box = QCheckBox("One file per account", self)
        self.per_account_box.setToolTip("Write NAME-<account>.csv for each account, to import each into its own "
                                        "Koinly wallet: moves between your accounts become transfers")
        self.speed_up_button = QPushButton("Speed up…", self)
        self.cancel_button = QPushButton("Cancel transaction…", self)
        self.speed_up_button.setToolTip("Send the same transaction again with higher fees (same nonce)")
        self.cancel_button.setToolTip("Replace it with a zero-value transfer to yourself (same nonce, "
                                      "higher fees); it works only if mined before the original")
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.per_account_box)
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
        self.split = QSplitter(Qt.Orientation.Vertical, self)
        self.split.addWidget(self.table)
        self.split.addWidget(self.details)
        self.split.setSizes([2, 3])  # shares: the details need room for the comparison
        layout.addWidget(self.split, 1)
        layout.addLayout(buttons)

        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export)
        self.speed_up_button.clicked.connect(lambda: self.replace(cancel=False))
        self.cancel_button.clicked.connect(lambda: self.replace(cancel=True))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        if context is None:
            self.state_label.setText("No wallet store is open.")
            self.setEnabled(False)
            return
        context.journal_changed.connect(self.refresh)
        context.session_changed.connect(lambda _session: self.refresh())
        self.refresh()

    def selected_item(self) -> ActivityItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item(rows[0].row()) if rows else None

    def selected(self) -> JournalEntry | None:
        """The selected row's journal entry (None if nothing, or a transaction found on chain)."""
        item = self.selected_item()
        return item.entry if item is not None else None

    def select(self, entry_id: int) -> None:
        row = self.model.row_of(entry_id)
        if row is not None:
            self.table.selectRow(row)

    def select_hash(self, tx_hash: str) -> None:
        row = self.model.row_of_hash(tx_hash)
        if row is not None:
            self.table.selectRow(row)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self.context is not None:
            self.refresh()  # the Portfolio's refresh may have found new transactions

    def refresh(self) -> None:
        """Re-read the activity (SQLite only), keeping the selection."""
        chosen = self.selected_item()
        journal, session = self.context.journal, self.context.session
        items: list[ActivityItem] = []
        if journal is not None:
            accounts = [a.address for a in self.context.accounts.all()]
            items = load_activity(self.context.store, journal.chain, accounts, limit=LIMIT, journal=journal,
                                  token_names=session.token_labels() if session is not None else None)
        self.model.set_items(items)
        if journal is None:
            self.state_label.setText("No chain seen yet on this network.")
        elif session is None:
            self.state_label.setText("Offline: the activity as last seen.")
        else:
            found = sum(1 for i in items if i.source == "external")
            self.state_label.setText(f"{len(items)} transactions ({found} found on chain)" if found
                                     else f"{len(items)} transactions")
        if chosen is not None and chosen.hash:
            self.select_hash(chosen.hash)
        elif chosen is not None and chosen.entry is not None:
            self.select(chosen.entry.id)
        self._selection_changed()

    def _selection_changed(self, *_args) -> None:
        self.details.show_item(self.selected_item())
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
        self.export_button.setEnabled(self.context.journal is not None and self._export is None)

    def replace(self, cancel: bool) -> None:
        """Build the replacement of the selected pending entry on a worker, then sign it."""
        entry, session = self.selected(), self.context.session
        if entry is None or session is None or not is_open(entry) or self._worker is not None:
            return
        record = self._signer_account(entry)
        if record is None:
            return
        worker = Worker(_replacement_with_summary, session, entry, cancel)
        worker.signals.returned.connect(lambda result: self._replacement_built(entry, record, cancel, result))
        worker.signals.errored.connect(self._failed)
        self._worker = worker
        self._update_buttons()
        worker.start()

    def _replacement_built(self, entry: JournalEntry, record: AccountRecord, cancel: bool, result) -> None:
        from views.signing_flow import SigningFlow

        self._worker = None
        session = self.context.session
        if session is None:
            return
        tx, summary = result
        self.flow = SigningFlow(self.context, record, tx, summary, kind="cancel" if cancel else "speedup",
                                replaces_id=entry.id, parent_widget=self)
        self.flow.failed.connect(self._failed)
        self.flow.finished.connect(lambda _entry: self._update_buttons())
        self.flow.cancelled.connect(self._update_buttons)
        self.flow.start()
        self._update_buttons()

    # --- export ----------------------------------------------------------------------------------
    def export(self) -> Worker | None:
        """Ask where, then write the CSV on a worker (the file dialog asked before replacing a
        file, so an existing one is replaced)."""
        journal = self.context.journal
        if journal is None or self._export is not None:
            return None
        suggested = str(Path.home() / f"basketry-{self.context.network_key}-koinly.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export the ledger for tax tools", suggested,
                                              "CSV files (*.csv);;All files (*)")
        if not path:
            return None
        worker = Worker(export_csv, self.context.store, journal.chain, Path(path), True,
                        self.per_account_box.isChecked(), self.context.network.wrapped_native)
        worker.signals.returned.connect(self._exported)
        worker.signals.errored.connect(self._export_failed)
        self._export = worker
        self.state_label.setText("Exporting…")
        self._update_buttons()
        worker.start()
        return worker

    def _exported(self, result: ExportResult) -> None:
        self._export = None
        self._update_buttons()
        where = ", ".join(f.path.name for f in result.files) if result.files else str(result.path)
        self.state_label.setText(f"Exported {result.rows} rows to {where}")
        self.exported.emit(result)

    def _export_failed(self, exc: BaseException) -> None:
        self._export = None
        self._update_buttons()
        self.state_label.setText("Export failed: nothing was written.")
        show_error(self, exc)

    def _failed(self, exc: BaseException) -> None:
        self._worker = None
        self._update_buttons()
        self.refresh()
        show_error(self, exc)


def _replacement_with_summary(session, entry: JournalEntry, cancel: bool):
    """On a worker: the replacement transaction and its signing summary (simulated)."""
    from app.tx.describe.session import summary_for
    from app.tx.lifecycle import replacement

    tx, _fees = replacement(session.client, entry, cancel)
    warning = (f"This CANCELS transaction {entry.tx_hash} (nonce {entry.nonce}) if it is mined first."
               if cancel else f"This replaces transaction {entry.tx_hash} (nonce {entry.nonce}) "
                              "with higher fees.")
    return tx, summary_for(session, tx, warnings=(warning,))

"""The Vaults page: every vault this network offers (the demo network's own, the curated list,
any added by address) with its trailing APY and window, TVL, the active account's position and
the fees the vault discloses. Deposit… and Withdraw… open their dialogs for the selected vault;
"Add vault by address…" accepts only a contract that answers the ERC-4626 interface.

Every vault is read on a worker (``read_vaults``), never on the GUI thread; each read stores a
share-price sample, which is what the APY is measured from. Offline, the page says so and its
actions are disabled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import BasketryError
from app.session import ChainSession
from app.vaults.apy import trailing_apy
from app.vaults.catalog import VaultEntry, catalog
from views.errors import show_error
from views.models.vaults_model import VaultRow, VaultsModel
from views.wallet_context import WalletContext
from views.widgets.common import MUTED_COLOR, ErrorLabel, error_text, title_label
from views.workers import Worker

# The vault readers and the deposit/withdraw dialogs (the chain and signing code) are imported
# when a vault is read or a dialog opens: the window paints without them.
if TYPE_CHECKING:
    from views.dialogs.vault_action import VaultActionDialog
    from views.dialogs.vault_deposit_dialog import VaultDepositDialog
    from views.dialogs.vault_withdraw_dialog import VaultWithdrawDialog

log = logging.getLogger(__name__)
NOBODY = "0x0000000000000000000000000000000000000000"  # the owner read when no account exists


def read_one(session: ChainSession, entry: VaultEntry, owner: str) -> VaultRow:
    """One vault with its APY and the owner's position; InvalidInput if it is no vault."""
    from app.vaults.actions import position
    from app.vaults.reader import read_vault, samples

    info = read_vault(session, entry.address, owner)
    apy = trailing_apy(samples(session, info.address), info.timestamp).as_json()
    held = position(session, info, owner) if info.shares > 0 else None
    return VaultRow(entry, info, apy, held)


def read_vaults(session: ChainSession, owner: str) -> list[VaultRow]:
    """Every vault of the catalog (on a worker); one that cannot be read keeps its row with why."""
    rows = []
    for entry in catalog(session):
        try:
            rows.append(read_one(session, entry, owner))
        except BasketryError as exc:
            rows.append(VaultRow(entry, error=str(exc)))
    return rows


class VaultsPage(QWidget):
    TITLE = "Vaults"

    loaded = Signal(list)          # list[VaultRow]
    vault_added = Signal(object)   # VaultRow
    dialog_opened = Signal(object)  # the deposit or withdraw dialog

    def __init__(self, context: WalletContext | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("VaultsPage")
        self.context = context
        self.dialog: VaultActionDialog | None = None
        #: ``() -> address or None``: asks for a vault address (tests replace it)
        self.address_asker: Callable[[], str | None] = self._ask_for_address
        self._load_worker: Worker | None = None
        self._add_worker: Worker | None = None
        self._reload = False
        self._generation = 0

        self.title_label = title_label(self.TITLE, self)
        self.state_label = QLabel("", self)
        self.state_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.refresh_button = QPushButton("Refresh", self)
        self.add_button = QPushButton("Add vault by address…", self)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumSize(110, 12)
        self.busy_bar.hide()
        self.deposit_button = QPushButton("Deposit…", self)
        self.withdraw_button = QPushButton("Withdraw…", self)
        self.hint = QLabel("", self)
        self.hint.setStyleSheet(f"color: {MUTED_COLOR};")
        self.hint.setWordWrap(True)
        self.error = ErrorLabel(self)
        self.note = QLabel("APY is the trailing growth of the share price measured from this app's own "
                           "samples (each read stores one), never a promise.", self)
        self.note.setStyleSheet(f"color: {MUTED_COLOR};")
        self.note.setWordWrap(True)

        self.model = VaultsModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("vaultsTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VaultsModel.FEES, QHeaderView.ResizeMode.Stretch)
        self.table.setStyleSheet("QTableView::item { padding: 0 6px; } "
                                 "QHeaderView::section { padding: 2px 6px; }")

        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addStretch(1)
        top.addWidget(self.state_label)
        actions = QHBoxLayout()
        actions.addWidget(self.refresh_button)
        actions.addWidget(self.add_button)
        actions.addWidget(self.busy_bar)
        actions.addStretch(1)
        actions.addWidget(self.deposit_button)
        actions.addWidget(self.withdraw_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 16)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.note)

        self.refresh_button.clicked.connect(self.refresh)
        self.add_button.clicked.connect(self._add_clicked)
        self.deposit_button.clicked.connect(self.open_deposit)
        self.withdraw_button.clicked.connect(self.open_withdraw)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _index: self.open_deposit())

        if context is None:
            self.state_label.setText("No wallet store is open.")
            self.setEnabled(False)
            return
        context.session_changed.connect(self._session_changed)
        context.accounts_changed.connect(self.refresh)
        self._session_changed(context.session)

    # --- state -------------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._load_worker is not None

    @property
    def busy(self) -> bool:
        return self._load_worker is not None or self._add_worker is not None

    def selected_row(self) -> VaultRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select_vault(self, address: str) -> bool:
        row = self.model.row_of(address)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def why_offline(self) -> str | None:
        if self.context is None:
            return "No wallet store is open."
        if self.context.session is None:
            return "Offline: vaults are read from the chain."
        return None

    def why_cannot_deposit(self) -> str | None:
        reason = self.why_offline()
        if reason:
            return reason
        row = self.selected_row()
        if row is None:
            return "Select a vault."
        if row.info is None:
            return f"{row.name} could not be read: {row.error}"
        return self.context.why_cannot_send()

    def why_cannot_withdraw(self) -> str | None:
        reason = self.why_cannot_deposit()
        if reason:
            return reason
        row = self.selected_row()
        if not row.has_shares:
            return f"This account holds no shares of {row.name}."
        return None

    def _update_buttons(self) -> None:
        if self.context is None:
            return
        offline = self.why_offline()
        self.refresh_button.setEnabled(offline is None and not self.loading)
        self.refresh_button.setToolTip(offline or "Read every vault again (stores a share-price sample)")
        self.add_button.setEnabled(offline is None and self._add_worker is None)
        self.add_button.setToolTip(offline or "Add any ERC-4626 vault by its address")
        self.busy_bar.setVisible(self.busy)
        deposit = self.why_cannot_deposit()
        self.deposit_button.setEnabled(deposit is None)
        self.deposit_button.setToolTip(deposit or "Preview, then approve and deposit")
        withdraw = self.why_cannot_withdraw()
        self.withdraw_button.setEnabled(withdraw is None)
        self.withdraw_button.setToolTip(withdraw or "Preview, then withdraw part or all")
        self.hint.setText(offline or "")
        if offline is None and self.model.rowCount() and self.selected_row() is None:
            self.hint.setText("Select a vault to deposit or withdraw.")

    def _session_changed(self, session) -> None:
        self._generation += 1
        self.error.clear_error()
        if session is None:
            self.model.set_rows([])
            self.state_label.setText("Offline: vaults, APY and positions are read from the chain; "
                                     "they are back once it answers.")
            self._update_buttons()
            return
        self.state_label.setText(f"{session.network.label}, chain id {session.chain_id}")
        self.refresh()

    def owner(self) -> str:
        record = self.context.active_account() if self.context else None
        return record.address if record else NOBODY

    # --- reading -----------------------------------------------------------------------------------
    def refresh(self) -> Worker | None:
        """Read every vault on a worker; None if offline (or one more read is queued)."""
        session = self.context.session if self.context else None
        if session is None:
            self._update_buttons()
            return None
        if self._load_worker is not None:
            self._reload = True  # the running read may be of another account: read again after it
            return None
        worker = Worker(read_vaults, session, self.owner())
        generation = self._generation
        worker.signals.returned.connect(lambda rows: self._loaded(rows, generation))
        worker.signals.errored.connect(lambda exc: self._load_failed(exc, generation))
        self._load_worker = worker
        self._update_buttons()
        worker.start()
        return worker

    def _loaded(self, rows: list[VaultRow], generation: int) -> None:
        self._load_worker = None
        if self.context is None or self.context.closed:  # a late answer: the page may be gone
            return
        if generation != self._generation:
            self._update_buttons()
            return
        if self._reload:
            self._reload = False
            self.refresh()
            return
        selected = self.selected_row()
        self.model.set_rows(rows)
        if selected is not None:
            self.select_vault(selected.address)
        self._update_buttons()
        self.loaded.emit(rows)

    def _load_failed(self, exc: BaseException, generation: int) -> None:
        self._load_worker = None
        self._reload = False
        if self.context is None or self.context.closed:  # e.g. the store closed under the read
            return
        if generation == self._generation:
            self._show_failure(exc)
        self._update_buttons()

    # --- adding ------------------------------------------------------------------------------------
    def _add_clicked(self) -> None:
        address = self.address_asker()
        if address:
            self.add_vault(address)

    def _ask_for_address(self) -> str | None:
        text, ok = QInputDialog.getText(self, "Add vault by address",
                                        "The address of an ERC-4626 vault on this network:")
        return text.strip() if ok and text.strip() else None

    def add_vault(self, address: str) -> Worker | None:
        """Read ``address`` on a worker; added (and selected) only if it answers ERC-4626."""
        session = self.context.session if self.context else None
        if session is None or self._add_worker is not None:
            self._update_buttons()
            return None
        self.error.clear_error()
        entry = VaultEntry("?", address.strip(), "?", "added")
        worker = Worker(read_one, session, entry, self.owner())
        generation = self._generation
        worker.signals.returned.connect(lambda row: self._added(row, generation))
        worker.signals.errored.connect(lambda exc: self._add_failed(exc, generation))
        self._add_worker = worker
        self._update_buttons()
        worker.start()
        return worker

    def _added(self, row: VaultRow, generation: int) -> None:
        self._add_worker = None
        if generation != self._generation:
            self._update_buttons()
            return
        info = row.info
        from eth_utils import to_checksum_address  # loaded by the read already

        row.entry = VaultEntry(info.name, to_checksum_address(info.address), info.asset_symbol, "added")
        rows = self.model.rows()
        index = self.model.row_of(info.address)
        if index is None:
            rows.append(row)
        else:
            row.entry = rows[index].entry  # already listed: keep where it came from
            rows[index] = row
        self.model.set_rows(rows)
        self.select_vault(info.address)
        self._update_buttons()
        self.vault_added.emit(row)

    def _add_failed(self, exc: BaseException, generation: int) -> None:
        self._add_worker = None
        if generation == self._generation:
            self._show_failure(exc)
        self._update_buttons()

    # --- the dialogs -------------------------------------------------------------------------------
    def open_deposit(self) -> VaultDepositDialog | None:
        reason = self.why_cannot_deposit()
        if reason:
            self.hint.setText(reason)
            return None
        row = self.selected_row()
        from views.dialogs.vault_deposit_dialog import VaultDepositDialog

        return self._open(VaultDepositDialog(self.context, row.address, row.name, row.info.asset_symbol, self))

    def open_withdraw(self) -> VaultWithdrawDialog | None:
        reason = self.why_cannot_withdraw()
        if reason:
            self.hint.setText(reason)
            return None
        row = self.selected_row()
        from views.dialogs.vault_withdraw_dialog import VaultWithdrawDialog

        return self._open(VaultWithdrawDialog(self.context, row.address, row.name, row.info.asset_symbol, self))

    def _open(self, dialog: VaultActionDialog):
        self.dialog = dialog
        dialog.completed.connect(lambda _realised: self.refresh())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.dialog_opened.emit(dialog)
        return dialog

    def _show_failure(self, exc: BaseException) -> None:
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.error.show_error(text)

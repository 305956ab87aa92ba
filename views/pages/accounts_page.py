"""The Accounts page: every account with its kind, address and balances, and what can be done
with them (create, import, watch, hardware, next HD account, set active, export, send,
air-gapped). Balances are read in one multicall on a worker; "—" while loading or offline."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.accounts import AccountRecord
from views.dialogs.import_wallet_dialog import ImportWalletDialog
from views.dialogs.unlock_dialog import UnlockDialog
from views.dialogs.watch_dialog import WatchDialog
from views.errors import show_error
from views.models.accounts_model import AccountsModel
from views.wallet_context import WalletContext
from views.widgets.common import MUTED_COLOR, error_text, title_label
from views.workers import Worker

log = logging.getLogger(__name__)
BALANCE_TOKENS = ("USDC",)


class AccountsPage(QWidget):
    TITLE = "Accounts"

    def __init__(self, context: WalletContext | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("AccountsPage")
        self.context = context
        self.dialog: QWidget | None = None     # the dialog opened last (tests, screenshots)
        self._balance_worker: Worker | None = None
        self._balances_stale = False

        self.title_label = title_label(self.TITLE, self)
        self.state_label = QLabel("", self)
        self.state_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.model = AccountsModel(context.native_symbol if context else "ETH", self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(AccountsModel.ADDRESS, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.set_active())

        self.create_button = QPushButton("Create…", self)
        self.import_button = QPushButton("Import…", self)
        self.watch_button = QPushButton("Watch…", self)
        self.hardware_button = QPushButton("Ledger/Trezor…", self)
        self.next_account_button = QPushButton("Add next account…", self)
        self.next_account_button.setToolTip("The next account (m/44'/60'/0'/0/i) of the selected "
                                            "recovery phrase")
        self.set_active_button = QPushButton("Set active", self)
        self.export_button = QPushButton("Export keystore…", self)
        self.send_button = QPushButton("Send…", self)
        self.airgap_button = QPushButton("Air-gapped…", self)
        self.refresh_button = QPushButton("Refresh", self)
        grid = QGridLayout()
        for column, button in enumerate((self.create_button, self.import_button, self.watch_button,
                                         self.hardware_button, self.next_account_button)):
            grid.addWidget(button, 0, column)
        for column, button in enumerate((self.set_active_button, self.export_button,
                                         self.send_button, self.airgap_button, self.refresh_button)):
            grid.addWidget(button, 1, column)

        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addStretch(1)
        top.addWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(grid)

        self.create_button.clicked.connect(self.create_wallet)
        self.import_button.clicked.connect(self.import_wallet)
        self.watch_button.clicked.connect(self.watch_address)
        self.hardware_button.clicked.connect(self.add_hardware)
        self.next_account_button.clicked.connect(self.add_next_account)
        self.set_active_button.clicked.connect(self.set_active)
        self.export_button.clicked.connect(self.export_keystore)
        self.send_button.clicked.connect(self.send)
        self.airgap_button.clicked.connect(self.airgapped)
        self.refresh_button.clicked.connect(self.refresh_balances)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        if context is None:
            self.state_label.setText("No wallet store is open.")
            self.setEnabled(False)
            return
        context.accounts_changed.connect(self.reload)
        context.session_changed.connect(self._session_changed)
        context.journal_changed.connect(self.refresh_balances)
        self.reload()
        self._session_changed(context.session)

    # --- state -----------------------------------------------------------------------------------
    def selected(self) -> AccountRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def select(self, label: str) -> None:
        row = self.model.row_of(label)
        if row is not None:
            self.table.selectRow(row)

    def reload(self) -> None:
        """Accounts from the store (keeps the selection), then balances."""
        chosen = self.selected()
        active = self.context.active_account()
        self.model.set_accounts(self.context.accounts.all(), active.label if active else None)
        if chosen is not None:
            self.select(chosen.label)
        elif active is not None:
            self.select(active.label)
        self._update_buttons()
        self.refresh_balances()

    def _session_changed(self, session) -> None:
        self.model.set_native_symbol(self.context.native_symbol)
        if session is None:
            self.model.set_balances(None)
            self.state_label.setText("Offline: balances appear once the chain answers.")
        else:
            self.state_label.setText(f"{session.network.label}, chain id {session.chain_id}")
        self._update_buttons()
        self.refresh_balances()

    def _update_buttons(self) -> None:
        if self.context is None:
            return
        chosen = self.selected()
        local = chosen is not None and chosen.kind == "local"
        self.next_account_button.setEnabled(local and chosen.hd_index is not None)
        self.set_active_button.setEnabled(chosen is not None)
        self.export_button.setEnabled(local)
        reason = self.context.why_cannot_send()
        self.send_button.setEnabled(reason is None)
        self.send_button.setToolTip(reason or "Send from the active account")
        active = self.context.active_account()
        online = self.context.session is not None
        self.airgap_button.setEnabled(active is not None and online)
        self.airgap_button.setToolTip(
            "Export an unsigned transaction of the active account, or broadcast a signed one"
            if online else "Offline: exporting needs the chain (nonce and fees), so does broadcasting")
        self.refresh_button.setEnabled(online)

    # --- balances ---------------------------------------------------------------------------------
    @property
    def loading_balances(self) -> bool:
        return self._balance_worker is not None

    def refresh_balances(self) -> None:
        session = self.context.session if self.context else None
        records = self.model.records()
        if session is None or not records:
            return
        if self._balance_worker is not None:
            self._balances_stale = True  # read again when this one is back
            return
        tokens = [t for t in session.tokens if t.symbol in BALANCE_TOKENS]
        addresses = sorted({r.address for r in records})
        from app.balances import read_balances  # the chain code, loaded once online

        worker = Worker(read_balances, session.client, addresses, tokens, session.network.native_symbol)
        worker.signals.returned.connect(self._balances_read)
        worker.signals.errored.connect(self._balances_failed)
        worker.signals.finished.connect(self._balances_done)
        self._balance_worker = worker
        worker.start()

    def _balances_read(self, balances) -> None:
        self.model.set_balances(balances)

    def _balances_failed(self, exc: BaseException) -> None:
        self.model.set_balances(None)
        text = error_text(exc)
        if text is None:  # not a message for the user (e.g. no Multicall3 on this chain)
            log.warning("reading balances failed", exc_info=exc)
            text = f"the chain's answer could not be read ({type(exc).__name__})"
        self.state_label.setText(f"Balances unavailable: {text}")

    def _balances_done(self) -> None:
        self._balance_worker = None
        if self._balances_stale:
            self._balances_stale = False
            self.refresh_balances()

    # --- actions ----------------------------------------------------------------------------------
    def _open(self, dialog, on_accept=None) -> None:
        self.dialog = dialog

        def accepted() -> None:
            self.context.accounts_changed.emit()  # reload first, then select what is new
            if on_accept is not None:
                on_accept(dialog)

        dialog.accepted.connect(accepted)
        dialog.open()

    # The dialogs that load the key, chain or signing code (create, hardware, send, air-gapped)
    # are imported when opened, so the window paints without them.
    def create_wallet(self) -> None:
        from views.dialogs.create_wallet_dialog import CreateWalletDialog

        self._open(CreateWalletDialog(self.context.service, self),
                   lambda d: d.created and self.select(d.created.label))

    def import_wallet(self) -> None:
        self._open(ImportWalletDialog(self.context.service, self),
                   lambda d: d.imported and self.select(d.imported.label))

    def watch_address(self) -> None:
        self._open(WatchDialog(self.context.service, self),
                   lambda d: d.added and self.select(d.added.label))

    def add_hardware(self) -> None:
        from views.dialogs.hardware_dialog import HardwareDialog

        ctx = self.context
        self._open(HardwareDialog(ctx.service, ctx.device_worker, ctx.prompts, self),
                   lambda d: d.added and self.select(d.added.label))

    def set_active(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.context.set_active(chosen.label)

    def add_next_account(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.hd_index is None:
            return
        siblings = len(self.context.accounts.hd_siblings(chosen.keyring_item))
        label, ok = QInputDialog.getText(self, "Add the next account", "Name of the new account:",
                                         QLineEdit.EchoMode.Normal, f"{chosen.label} {siblings + 1}")
        if not ok:
            return
        service = self.context.service
        dialog = UnlockDialog(chosen.label, lambda password: service.add_hd_account(
            chosen.label, label, password), self, purpose="to derive its next account")
        self._open(dialog, lambda d: self.select(d.unlocked.label))

    def export_keystore(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.kind != "local":
            return
        service = self.context.service
        dialog = UnlockDialog(chosen.label, lambda password: service.export_keystore(
            chosen.label, password), self, purpose="to export its keystore (same password)")

        def save(d: UnlockDialog) -> None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save the keystore file", f"{chosen.address}.json", "Keystore (*.json)")
            if path:
                try:
                    with open(path, "w", encoding="utf-8") as out:
                        out.write(d.unlocked)
                except OSError as exc:
                    show_error(self, exc)

        self.dialog = dialog
        dialog.accepted.connect(lambda: save(dialog))
        dialog.open()

    def send(self) -> None:
        if self.context.why_cannot_send() is not None:
            return
        from views.dialogs.send_dialog import SendDialog

        dialog = SendDialog(self.context, self)
        self.dialog = dialog
        dialog.open()

    def airgapped(self) -> None:
        from views.dialogs.airgap_dialog import AirgapDialog

        dialog = AirgapDialog(self.context, self)
        self.dialog = dialog
        dialog.open()


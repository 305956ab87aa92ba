"""The Settings page: where Basketry keeps its data, which network is in use (Apply switches to
the chosen one; the launcher connects on a worker), the RPC URL of each network and its
optional private submission RPC (app.tx.submission: where signed transactions are sent)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.connection import rpc_setting_key
from app.errors import InvalidInput
from app.index.platform_fee import (
    MAX_PLATFORM_FEE_BPS,
    PLATFORM_FEE_RECIPIENT_SETTING,
    PLATFORM_FEE_SETTING,
    set_platform_fee,
)
from app.networks import load_networks
from app.portfolio.price_source import PRICE_SOURCE_SETTING, set_price_source
from app.settings import validate_rpc_url, validate_submit_rpc_url
from app.store import Store
from app.tx.submission import submit_rpc_key
from app.wallets import AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES
from views.errors import show_error
from views.widgets.checked_inputs import AddressReader
from views.widgets.common import MUTED_COLOR


class SettingsPage(QWidget):
    TITLE = "Settings"
    rpc_saved = Signal(str, str)  # network key, URL ("" = cleared)
    switch_requested = Signal(str, str)  # network key, the typed URL ("" = its saved one / the demo node)

    def __init__(self, store: Store | None = None, home: Path | None = None,
                 network_key: str = "demo", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("SettingsPage")
        self.store = store
        self.title_label = title = QLabel(self.TITLE, self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)

        self.network_box = QComboBox(self)
        for network in load_networks().values():
            self.network_box.addItem(f"{network.label} (chain id {network.chain_id})", network.key)
        self.network_box.setCurrentIndex(max(self.network_box.findData(network_key), 0))
        self.rpc_edit = QLineEdit(self)
        self.rpc_edit.setPlaceholderText("https://… (empty: the demo network's own node, or none)")
        self.save_button = QPushButton("Save", self)
        self.save_button.setToolTip("Keep this URL for the chosen network (used when it is next connected)")
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setToolTip("Switch to the chosen network now: its chain id is checked first, "
                                     "and the network in use stays if that fails")
        self.active_label = QLabel("", self)
        self.active_network = network_key
        self._switching = False
        self._switch_allowed = True
        self._disabled_reason = ""
        self.feedback = QLabel("", self)
        self.feedback.setWordWrap(True)
        rpc_row = QHBoxLayout()
        rpc_row.addWidget(self.rpc_edit, 1)
        rpc_row.addWidget(self.save_button)
        rpc_row.addWidget(self.apply_button)

        form = QFormLayout()
        home_label = QLabel(str(home) if home else "—", self)
        home_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Data directory:", home_label)
        form.addRow("In use:", self.active_label)
        form.addRow("Network:", self.network_box)
        form.addRow("RPC URL:", rpc_row)
        self.submit_edit = QLineEdit(self)
        self.submit_edit.setObjectName("submitRpc")
        self.submit_edit.setPlaceholderText("https://rpc.flashbots.net (empty: sent through the RPC URL above)")
        self.submit_save = QPushButton("Save", self)
        self.submit_save.setToolTip("Send this network's signed transactions through this URL from now on")
        submit_row = QHBoxLayout()
        submit_row.addWidget(self.submit_edit, 1)
        submit_row.addWidget(self.submit_save)
        form.addRow("Private submission:", submit_row)
        self.submit_note = QLabel(
            "Optional. A swap sent to the public mempool can be seen before it is mined, and a bot can "
            "trade just before and after it (a sandwich) at your expense. A private submission RPC "
            "(Flashbots Protect, MEV Blocker) hands your signed transactions straight to block builders "
            "instead. Only sending uses it: balances, quotes and receipts still come from the RPC URL. "
            "If it cannot be reached, nothing is sent the public way: empty this field to send "
            "through the RPC URL again.", self)
        self.submit_note.setWordWrap(True)
        self.submit_note.setStyleSheet(f"color: {MUTED_COLOR};")
        form.addRow("", self.submit_note)
        self.auto_lock = QSpinBox(self)
        self.auto_lock.setRange(1, 240)
        self.auto_lock.setSuffix(" min")
        self.auto_lock.setToolTip("Unlocked keys are forgotten after this many idle minutes.")
        form.addRow("Lock keys after:", self.auto_lock)
        self.fee_bps = QSpinBox(self)
        self.fee_bps.setRange(0, MAX_PLATFORM_FEE_BPS)
        self.fee_bps.setSuffix(" bps")
        self.fee_recipient = QLineEdit(self)
        self.fee_recipient.setPlaceholderText("0x… (who receives the platform fee)")
        self.fee_recipient_reader = AddressReader(self.fee_recipient, "the platform fee's recipient")
        self.fee_save = QPushButton("Save fee", self)
        fee_row = QHBoxLayout()
        fee_row.addWidget(self.fee_bps)
        fee_row.addWidget(self.fee_recipient, 1)
        fee_row.addWidget(self.fee_save)
        form.addRow("Platform fee:", fee_row)
        form.addRow("", self.fee_recipient_reader.echo)
        self.price_source = QComboBox(self)
        self.price_source.addItem("On-chain (Uniswap pool mid prices)", "onchain")
        self.price_source.addItem("CoinGecko (online; on-chain for what it lacks)", "coingecko")
        self.price_source.setToolTip("Where the Portfolio page takes USD prices from; every price "
                                     "shows its source and time.")
        form.addRow("Prices:", self.price_source)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.feedback)
        self.note = QLabel("Save keeps a network's RPC URL; Apply switches to the chosen network now "
                           "(and the app opens on it next time). Accounts are shared; balances, "
                           "activity and prices are those of the network in use.", self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        layout.addStretch(1)

        if store is not None:
            self.auto_lock.setValue(int(store.get_setting(AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES)))
        self.auto_lock.valueChanged.connect(self._save_auto_lock)
        if store is not None:
            self.fee_bps.setValue(int(store.get_setting(PLATFORM_FEE_SETTING, 0)))
            self.fee_recipient.setText(store.get_setting(PLATFORM_FEE_RECIPIENT_SETTING) or "")
        self.fee_save.clicked.connect(self.save_platform_fee)
        if store is not None:
            index = self.price_source.findData(store.get_setting(PRICE_SOURCE_SETTING, "onchain"))
            self.price_source.setCurrentIndex(max(index, 0))
        self.price_source.currentIndexChanged.connect(self._save_price_source)
        self.network_box.currentIndexChanged.connect(self._load)
        self.save_button.clicked.connect(self.save)
        self.rpc_edit.returnPressed.connect(self.save)
        self.submit_save.clicked.connect(self.save_submit_rpc)
        self.submit_edit.returnPressed.connect(self.save_submit_rpc)
        self.apply_button.clicked.connect(self.apply)
        self.setEnabled(store is not None)
        self.show_active(network_key)
        self._load()

    def save_platform_fee(self) -> None:
        try:
            set_platform_fee(self.store, self.fee_bps.value(), self.fee_recipient.text().strip() or None)
        except InvalidInput as exc:
            show_error(self, exc)
            return
        self.feedback.setText(f"Platform fee: {self.fee_bps.value()} bps, taken in the same transaction."
                              if self.fee_bps.value() else "No platform fee.")

    def _save_price_source(self) -> None:
        if self.store is not None:
            set_price_source(self.store, self.price_source.currentData())
            self.feedback.setText(f"Prices from {self.price_source.currentText()} from the next refresh.")

    def _save_auto_lock(self, minutes: int) -> None:
        if self.store is not None:
            self.store.set_setting(AUTO_LOCK_SETTING, int(minutes))

    def _network(self):
        return load_networks()[self.network_box.currentData()]

    def _load(self) -> None:
        if self.store is None:
            return
        self.rpc_edit.setText(self.store.get_setting(rpc_setting_key(self._network())) or "")
        self.submit_edit.setText(self.store.get_setting(submit_rpc_key(self._network().key)) or "")
        self.feedback.clear()
        self._update_apply()

    # --- switching network ----------------------------------------------------------------------
    def apply(self) -> None:
        """Ask to switch to the chosen network with the URL typed (validated first)."""
        network = self._network()
        try:
            url = validate_rpc_url(self.rpc_edit.text())
        except InvalidInput as exc:
            show_error(self, exc)
            return
        if not self._switch_allowed or self._switching:
            return
        self.switch_requested.emit(network.key, url or "")

    def allow_switching(self, allowed: bool, reason: str = "") -> None:
        """Offline (``--offline``) the window never connects: Apply is disabled, saying why."""
        self._switch_allowed = allowed
        self._disabled_reason = reason
        self._update_apply()

    def show_switching(self, network) -> None:
        self._switching = True
        self.feedback.setText(f"Connecting to {network.label}… ({load_networks()[self.active_network].label} "
                              "stays in use until its chain id is checked)")
        self._update_apply()

    def show_active(self, key: str, switched: bool = False) -> None:
        network = load_networks()[key]
        self.active_network, self._switching = key, False
        self.active_label.setText(f"{network.label} (chain id {network.chain_id}, native coin "
                                  f"{network.native_symbol})")
        if switched:
            self.feedback.setText(f"Switched to {network.label}; the app opens on it next time.")
        self._update_apply()

    def show_switch_failed(self, error: BaseException) -> None:
        self._switching = False
        self.feedback.setText(f"Not switched: {error}. Still on {load_networks()[self.active_network].label}.")
        self._update_apply()

    def _update_apply(self) -> None:
        chosen = self.network_box.currentData()
        reason = (self._disabled_reason if not self._switch_allowed
                  else "Connecting…" if self._switching
                  else "")
        self.apply_button.setEnabled(not reason)
        self.apply_button.setToolTip(reason or (f"Reconnect to {load_networks()[chosen].label} with this URL"
                                                if chosen == self.active_network else
                                                f"Switch to {load_networks()[chosen].label} now"))

    def save_submit_rpc(self) -> None:
        """Validate and keep the chosen network's private submission RPC ("" clears it)."""
        network = self._network()
        try:
            url = validate_submit_rpc_url(self.submit_edit.text())
        except InvalidInput as exc:
            show_error(self, exc)
            return
        self.store.set_setting(submit_rpc_key(network.key), url)
        self.submit_edit.setText(url or "")
        self.feedback.setText(f"{network.label}: signed transactions go privately to {url}; reads stay on "
                              "the RPC URL." if url else
                              f"{network.label}: signed transactions go through the RPC URL (public mempool).")

    def save(self) -> None:
        network = self._network()
        try:
            url = validate_rpc_url(self.rpc_edit.text())
        except InvalidInput as exc:
            show_error(self, exc)
            return
        self.store.set_setting(rpc_setting_key(network), url)
        self.feedback.setText(f"Saved the RPC URL for {network.label}." if url
                              else f"Cleared the RPC URL for {network.label}.")
        self.rpc_saved.emit(network.key, url or "")

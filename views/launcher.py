"""From `basketry` to a connected window: find the RPC (starting the demo network on first
use, with visible progress), verify the chain on a worker, then show the main window.

Nothing here blocks the GUI thread: the devnet start and the chain check run on workers.
The store stays on the GUI thread (SQLite connections are per-thread).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.connection import (
    Connection,
    replica_genesis,
    resolve_rpc_url,
    rpc_setting_key,
    verify_chain,
)
from app.devnet.manager import Devnet, DevnetStatus
from app.errors import ChainMismatch, UserCancelled
from app.networks import Network, get_network
from app.store import Store
from views.errors import show_error
from views.first_start import FirstStartDialog
from views.main_window import MainWindow
from views.network_switch import NetworkSwitcher, SwitchResult
from views.pages.accounts_page import AccountsPage
from views.pages.activity_page import ActivityPage
from views.pages.index_page import IndexPage
from views.pages.portfolio_page import PortfolioPage
from views.pages.settings_page import SettingsPage
from views.pages.vaults_page import VaultsPage
from views.status_bar import ChainStatusPoller
from views.wallet_context import WalletContext
from views.workers import Worker

# Show the progress dialog only if the start takes longer than this (a running devnet is
# reused in milliseconds; a flash of dialog would only confuse).
DIALOG_DELAY_MS = 300


class Launcher(QObject):
    """Owns the start-up sequence and what it started (the demo node, if it started one)."""

    window_ready = Signal(object)  # MainWindow
    failed = Signal(object)        # the exception that stopped start-up (already shown)
    network_switched = Signal(object)  # Network: the window's context was rebuilt for it
    switch_failed = Signal(object)     # the exception (shown); the network in use stayed

    def __init__(self, home: Path, network: Network, store: Store, explicit_rpc: str | None = None,
                 poll_interval_ms: int = 2000, parent: QObject | None = None, offline: bool = False):
        super().__init__(parent)
        self.home, self.network, self.store = home, network, store
        self.explicit_rpc = explicit_rpc
        self.offline = offline  # review from the store only: no node started, no RPC probed
        self.poll_interval_ms = poll_interval_ms
        self.window: MainWindow | None = None
        self.context: WalletContext | None = None  # the wallet pages' shared state (one per window)
        self.dialog: FirstStartDialog | None = None
        self.settings: SettingsPage | None = None
        self.switcher = NetworkSwitcher(home, store, parent=self)
        self.switcher.started.connect(lambda network: self.settings and self.settings.show_switching(network))
        self.switcher.succeeded.connect(self._switched)
        self.switcher.failed.connect(self._switch_refused)
        self.started_devnet = False
        self._cancel = threading.Event()
        self._workers: list[Worker] = []

    # --- the sequence ------------------------------------------------------------------------
    def begin(self) -> None:
        if self.offline:
            self._open_window(None)
            return
        saved = self.store.get_setting(rpc_setting_key(self.network))
        if self.network.devnet and not self.explicit_rpc and not saved:
            self._start_devnet()
        else:
            self._open_window(resolve_rpc_url(self.network, self.home, self.store, self.explicit_rpc))

    def _start_devnet(self) -> None:
        self.dialog = FirstStartDialog()
        self.dialog.cancel_requested.connect(self._cancel.set)
        QTimer.singleShot(DIALOG_DELAY_MS, self._show_dialog_if_still_working)
        worker = self._run(self._devnet_start_job)
        worker.signals.progress.connect(self.dialog.on_progress)
        worker.signals.returned.connect(self._devnet_ready)
        worker.signals.errored.connect(self._devnet_failed)

    def _devnet_start_job(self, progress) -> DevnetStatus:
        def report(message: str, fraction: float | None) -> None:
            if self._cancel.is_set():
                raise UserCancelled()  # stops the install or deploy at its next step
            progress((message, fraction))
        return Devnet(self.home).start(report)

    def _show_dialog_if_still_working(self) -> None:
        if self.dialog is not None and self.window is None:
            self.dialog.show()

    def _devnet_ready(self, status: DevnetStatus) -> None:
        self.started_devnet = not status.reused
        self._close_dialog()
        self._open_window(status.rpc_url)

    def _devnet_failed(self, error: BaseException) -> None:
        self._close_dialog()
        if isinstance(error, UserCancelled):
            self.failed.emit(error)
            return
        show_error(None, error)
        if self.store.known_genesis(self.network.chain_id, self.network.key):
            self._open_window(None)  # the chain will not start: review what is stored
        else:
            self.failed.emit(error)

    def _open_window(self, rpc_url: str | None) -> None:
        """The main window; with no ``rpc_url``, an offline review (stored data, no probing)."""
        self.settings = SettingsPage(self.store, self.home, self.network.key)
        self.settings.switch_requested.connect(self.switch_network)
        if self.offline:
            self.settings.allow_switching(False, "Opened with --offline: nothing connects. Start the app "
                                                 "without it to switch network.")
        self.context = self._new_context(rpc_url)
        self.window = MainWindow(self._poller(rpc_url), pages={SettingsPage.TITLE: self.settings, **self._pages()},
                                 offline_network=self.network.label)
        self.window.set_network(self.network.label)
        self.context.prompts.parent_widget = self.window
        self.window.show()
        self.window_ready.emit(self.window)
        if rpc_url is None:
            return
        known = self.store.known_genesis(self.network.chain_id, self.network.key)
        worker = self._run(verify_chain, self.network, rpc_url, known, 10.0,
                           replica_genesis(self.home, self.network))
        worker.signals.returned.connect(self._chain_verified)
        worker.signals.errored.connect(self._chain_refused)

    def _new_context(self, rpc_url: str | None) -> WalletContext:
        return WalletContext(self.store, self.home, self.network.key, rpc=rpc_url, parent=self)

    def _poller(self, rpc_url: str | None) -> ChainStatusPoller | None:
        return None if rpc_url is None else ChainStatusPoller(self.network.label, rpc_url,
                                                              interval_ms=self.poll_interval_ms)

    def _pages(self) -> dict[str, QWidget]:
        """The pages that show one network's data (Settings is kept across a switch)."""
        return {PortfolioPage.TITLE: PortfolioPage(self.context),
                IndexPage.TITLE: IndexPage(self.context),
                VaultsPage.TITLE: VaultsPage(self.context),
                AccountsPage.TITLE: AccountsPage(self.context),
                ActivityPage.TITLE: ActivityPage(self.context)}

    # --- switching network (Settings -> Apply) ---------------------------------------------------
    def switch_network(self, key: str, typed_url: str = "") -> None:
        """Connect to ``key`` on a worker; only once its chain checks out is the window rebuilt
        for it (and the choice saved). A failure is shown and the network in use stays."""
        if self.offline or self.window is None or self._cancel.is_set():
            return
        self.switcher.switch(get_network(key), typed_url or None)

    def _switched(self, result: SwitchResult) -> None:
        if self._cancel.is_set() or self.window is None:
            return
        self.started_devnet = self.started_devnet or result.started_devnet
        old = self.context
        if old is not None:
            old.shutdown(timeout_ms=5_000)  # keys locked, its prompts cancelled, late answers ignored
        self.network = result.network
        self.explicit_rpc = None  # --rpc was for the network the app started on
        self.context = self._new_context(result.rpc_url)
        self.context.prompts.parent_widget = self.window
        self.window.replace_pages(self._pages())
        self.window.set_poller(self._poller(result.rpc_url))
        self.window.set_network(self.network.label)
        self.settings.show_active(self.network.key, switched=True)
        self.context.open_session()  # balances, journal recovery, sending: of this network
        # should that first open fail (the node went away meanwhile), it opens once it answers
        self.window.poller.status_changed.connect(self.context.follow_chain_status)
        self.network_switched.emit(self.network)

    def _switch_refused(self, error: BaseException) -> None:
        if self._cancel.is_set():
            return
        if self.settings is not None:
            self.settings.show_switch_failed(error)
        show_error(self.window, error)
        self.switch_failed.emit(error)

    def _chain_verified(self, connection: Connection) -> None:
        if self._cancel.is_set():
            return  # shut down meanwhile (the store may be closed): the answer came too late
        self.store.record_network(connection.chain_id, connection.genesis_hash, connection.network.key)
        if self.context is not None and connection.network.key == self.network.key:
            self.context.open_session()  # balances, journal recovery, sending

    def _chain_refused(self, error: BaseException) -> None:
        # Unreachable is shown live by the status bar (and retried); a wrong chain is not.
        if isinstance(error, ChainMismatch):
            show_error(self.window, error)
        elif self.context is not None and self.window is not None and self.window.poller is not None:
            # offline at start: the wallet pages work without balances until the chain answers
            self.window.poller.status_changed.connect(self.context.follow_chain_status)

    # --- plumbing ------------------------------------------------------------------------------
    def _run(self, func, *args) -> Worker:
        worker = Worker(func, *args)
        self._workers.append(worker)
        worker.signals.finished.connect(lambda: self._workers.remove(worker))
        worker.start()
        return worker

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.accept()
            self.dialog.deleteLater()
            self.dialog = None

    def shutdown(self, parent: QWidget | None = None) -> None:
        """Wait for workers; stop the demo node if this launcher started it (state is kept)."""
        self._cancel.set()
        self.switcher.shutdown()
        if self.context is not None:
            self.context.shutdown()  # keys locked, open prompts cancelled, device thread done
        for worker in list(self._workers):
            worker.wait(30)
        if self.started_devnet:
            Devnet(self.home).stop()

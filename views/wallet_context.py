"""What the wallet pages of one window share: the store's accounts and wallet service, the
chain session (None while offline), unlocked signers with their auto-lock timer, the Qt
prompts and the device worker. Pages listen to its signals instead of to each other.

The session is opened on a worker (``ChainSession.open`` talks to the chain and settles
journal entries a crash left open). Offline, pages still show accounts and the journal
(of the chain last seen), without balances, and Send is disabled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.accounts import AccountRecord, AccountRegistry
from app.chain.status import ChainStatus
from app.errors import ChainMismatch, InvalidInput, UserCancelled
from app.networks import Network, get_network
from app.session import ChainSession
from app.store import Store
from app.tx.journal import ChainKey, Journal
from app.wallets import AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES, UnlockedSigners, WalletService
from views.device_worker import DeviceWorker
from views.dialogs.unlock_dialog import UnlockDialog
from views.prompts import QtPrompts
from views.workers import Worker

LOCK_CHECK_MS = 30_000


HARDWARE = ("ledger", "trezor")

class WalletContext(QObject):
    session_changed = Signal(object)   # ChainSession, or None
    session_failed = Signal(object)    # the error that kept it offline
    accounts_changed = Signal()
    journal_changed = Signal()
    signers_locked = Signal(list)      # labels locked for being idle

    def __init__(self, store: Store, home: Path, network_key: str, rpc: str | None = None,
                 service: WalletService | None = None, lock_check_ms: int = LOCK_CHECK_MS,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.store, self.home, self.network_key, self.rpc = store, Path(home), network_key, rpc
        self.service = service or WalletService(store)
        self.accounts: AccountRegistry = self.service.accounts
        self.session: ChainSession | None = None
        self.unlocked = UnlockedSigners(self.auto_lock_minutes() * 60)
        self.prompts = QtPrompts(parent=self)
        self.device_worker = DeviceWorker(self)
        self._opening: Worker | None = None
        self._refused = False  # a wrong chain is not retried
        self._closed = False
        self.lock_timer = QTimer(self)
        self.lock_timer.setInterval(lock_check_ms)
        self.lock_timer.timeout.connect(self.lock_idle)
        self.lock_timer.start()

    # --- the chain session -----------------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self.session is not None

    @property
    def opening(self) -> bool:
        return self._opening is not None

    def open_session(self) -> Worker | None:
        """Open the chain session on a worker (one at a time); None if one is opening."""
        if self._opening is not None or self._closed:
            return None
        worker = Worker(ChainSession.open, self.home, self.network_key, self.store, self.rpc)
        worker.signals.returned.connect(self._session_opened)
        worker.signals.errored.connect(self._session_refused)
        self._opening = worker
        worker.start()
        return worker

    def follow_chain_status(self, status: ChainStatus) -> None:
        """Connect a ChainStatusPoller here: offline at start, the session opens once the
        chain answers."""
        if status.connected and self.session is None and self._opening is None and not self._refused:
            self.open_session()

    def set_session(self, session: ChainSession | None) -> None:
        self.session = session
        self.session_changed.emit(session)
        if session is not None and session.recovered:
            self.journal_changed.emit()

    def _session_opened(self, session: ChainSession) -> None:
        self._opening = None
        if not self._closed:  # a late answer after shutdown: the store may be closed
            self.set_session(session)

    def _session_refused(self, exc: BaseException) -> None:
        self._opening = None
        if self._closed:
            return
        self._refused = isinstance(exc, ChainMismatch)
        self.session_failed.emit(exc)

    @property
    def network(self) -> Network:
        """The network record (the session's, with the demo's deployed addresses, once online)."""
        return self.session.network if self.session else get_network(self.network_key)

    @property
    def native_symbol(self) -> str:
        return self.network.native_symbol

    @property
    def journal(self) -> Journal | None:
        """The session's journal; offline, the journal of the chain this network last served."""
        if self.session is not None:
            return self.session.journal
        chain_id = get_network(self.network_key).chain_id
        genesis = self.store.known_genesis(chain_id, self.network_key)
        return Journal(self.store, ChainKey(chain_id, genesis)) if genesis else None

    # --- accounts ----------------------------------------------------------------------------
    def active_account(self) -> AccountRecord | None:
        try:
            return self.accounts.active()
        except InvalidInput:
            return None

    def set_active(self, label: str) -> None:
        self.accounts.set_active(label)
        self.accounts_changed.emit()

    def why_cannot_send(self, record: AccountRecord | None = None) -> str | None:
        """None if ``record`` (default: the active account) can send now, else why not."""
        record = record or self.active_account()
        if record is None:
            return "Create, import or choose an account first."
        if not record.can_sign:
            return (f"{record.label} is watch-only: it cannot sign here. Use Air-gapped to export "
                    "the transaction and sign it where the key is.")
        if self.session is None:
            return "Offline: sending needs a connection to the chain."
        return None

    # --- auto-lock ---------------------------------------------------------------------------
    def auto_lock_minutes(self) -> float:
        value = self.store.get_setting(AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES)
        try:
            minutes = float(value)
        except (TypeError, ValueError):
            return float(DEFAULT_AUTO_LOCK_MINUTES)
        return minutes if minutes > 0 else float(DEFAULT_AUTO_LOCK_MINUTES)

    def lock_idle(self) -> list[str]:
        """Lock every signer idle for the configured minutes (the timer calls this)."""
        self.unlocked.idle_seconds = self.auto_lock_minutes() * 60
        locked = self.unlocked.lock_idle()
        if locked:
            self.signers_locked.emit(locked)
        return locked

    # --- lifetime ----------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """Shut down: its store is closing and pages must ignore late worker answers."""
        return self._closed

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Lock every key, answer open prompts with a cancel, let the device finish. The
        context emits nothing afterwards (the store is about to close)."""
        self._closed = True
        self.lock_timer.stop()
        self.unlocked.lock_all()
        self.prompts.cancel_all()
        self.device_worker.shutdown(timeout_ms)
        if self._opening is not None:
            self._opening.wait(timeout_ms / 1000)
        self.blockSignals(True)  # late worker answers reach no page

    def acquire_signer(self, record: AccountRecord, *, parent: QWidget | None, purpose: str,
                       follow: Callable[[Worker, Callable[[Any], None]], None],
                       on_signer: Callable[[Any], None], on_failed: Callable[[BaseException], None],
                       on_stage: Callable[[str], None]) -> UnlockDialog | None:
        """The signer of ``record``: a hardware wallet connected on the device thread, a local
        key from the unlocked cache or after the unlock dialog (returned, if one is opened).
        A rejected dialog reports UserCancelled; an account that cannot sign, why not."""
        if record.kind in HARDWARE:
            on_stage(f"Connecting to the {record.kind.capitalize()}…")
            follow(self.device_worker.submit(self.service.signer, record, self.prompts), on_signer)
            return None
        signer = self.unlocked.get(record.label)
        if signer is not None and not getattr(signer, "is_locked", False):
            on_signer(signer)
            return None
        if record.kind != "local":  # watch-only: refused before anything is asked
            on_failed(InvalidInput(self.why_cannot_send(record) or f"{record.label} cannot sign"))
            return None
        dialog = UnlockDialog(record.label, lambda password: self.service.signer(
            record, self.prompts, password=password), parent, purpose=purpose)
        on_stage(f"Unlock {record.label} to sign.")

        def unlocked() -> None:
            self.unlocked.put(record.label, dialog.unlocked)
            on_signer(dialog.unlocked)

        dialog.accepted.connect(unlocked)
        dialog.rejected.connect(lambda: on_failed(UserCancelled()))
        dialog.open()
        self.prompts.dialog_shown.emit(dialog)
        return dialog

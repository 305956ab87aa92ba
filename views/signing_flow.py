"""From a built transaction to its receipt, as the user sees it:

1. the SigningDialog shows what will be signed (Reject: nothing is signed, ``cancelled``);
2. the signer: a local key unlocked by its password (or still unlocked, see
   ``UnlockedSigners``), a Ledger/Trezor connected on the device worker;
3. sign and journal (on the device worker for hardware, else on the pool): the signed bytes
   are in SQLite before anything is sent;
4. broadcast (``submitted``: pending, with its hash), then wait for the receipt
   (``finished``: confirmed or failed).

Steps 3-4 are ``app.tx.lifecycle.send`` in its three parts, so a hardware wallet's thread is
free again while the network answers, and a replacement (speed-up, cancel) takes the same path
with ``replaces_id``. The prompts handed to the signer already know the user's answer for
this summary, so the dialog is not shown twice; a device still shows its own confirmation.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.accounts import AccountRecord
from app.errors import UserCancelled
from app.tx import lifecycle
from app.tx.journal import FINAL_STATES, JournalEntry
from app.tx.submission import private_route, with_route_note
from views.dialogs.signing_dialog import SigningDialog
from views.prompts import ForwardingPrompts
from views.wallet_context import HARDWARE, WalletContext
from views.workers import Worker
from wallet.prompts import Prompts, SigningSummary

RECEIPT_TIMEOUT_S = 180.0


class ApprovedPrompts(ForwardingPrompts):
    """The user's prompts, with one summary already approved in the SigningDialog."""

    def __init__(self, prompts: Prompts, approved: SigningSummary):
        super().__init__(prompts)
        self._approved = approved

    def confirm(self, summary: SigningSummary) -> bool:
        return summary == self._approved or self._prompts.confirm(summary)


class SigningFlow(QObject):
    """One transaction through confirm -> unlock -> sign+journal -> broadcast -> receipt."""

    stage_changed = Signal(str)       # words for a status line
    submitted = Signal(object)        # JournalEntry, pending (broadcast)
    finished = Signal(object)         # JournalEntry, final (confirmed/failed)
    failed = Signal(object)           # the exception (before or after broadcast)
    cancelled = Signal()              # rejected in the dialog or at the password

    def __init__(self, context: WalletContext, record: AccountRecord, tx: dict[str, Any],
                 summary: SigningSummary, kind: str, replaces_id: int | None = None,
                 parent_widget: QWidget | None = None):
        super().__init__(parent_widget)
        self.context, self.record, self.tx, self.summary = context, record, tx, summary
        self.kind, self.replaces_id = kind, replaces_id
        self.parent_widget = parent_widget
        session = context.session
        if session is None:
            raise RuntimeError("a signing flow needs a chain session")
        self.session = session
        self.summary = with_route_note(summary, session.client)  # "sent privately via …" when it is
        self.dialog: SigningDialog | None = None
        self.entry: JournalEntry | None = None
        self._jobs: list[Worker] = []
        self.running = False

    def start(self) -> None:
        self.running = True
        self.dialog = SigningDialog(self.summary, self.parent_widget)
        self.dialog.accepted.connect(self._approved)
        self.dialog.rejected.connect(self._cancel)
        self.dialog.open()
        self.context.prompts.dialog_shown.emit(self.dialog)

    # --- the signer -------------------------------------------------------------------------
    def _approved(self) -> None:
        self.context.acquire_signer(
            self.record, parent=self.parent_widget, purpose="to sign", follow=self._follow,
            on_signer=self._sign, on_stage=self.stage_changed.emit,
            on_failed=lambda exc: self._cancel() if isinstance(exc, UserCancelled) else self._fail(exc))

    # --- sign, journal, broadcast, receipt ----------------------------------------------------
    def _sign(self, signer) -> None:
        session = self.session
        prompts = ApprovedPrompts(self.context.prompts, self.summary)
        args = (signer, self.tx, session.chain_id, session.journal, prompts, self.kind,
                self.summary, self.replaces_id)
        self.stage_changed.emit("Signing…" if self.record.kind not in HARDWARE
                                else "Confirm the transaction on your device…")
        if self.record.kind in HARDWARE:
            job = self.context.device_worker.submit(lifecycle.sign_and_journal, *args)
        else:
            job = Worker(lifecycle.sign_and_journal, *args)
        self._follow(job, self._signed)

    def _signed(self, entry: JournalEntry) -> None:
        self.entry = entry
        self.context.journal_changed.emit()
        route = private_route(self.session.client)
        self.stage_changed.emit(f"Sending privately via {route.host}…" if route else "Sending…")
        self._follow(Worker(_broadcast, self.session.client, self.session.journal, entry),
                     self._broadcast_done)

    def _broadcast_done(self, entry: JournalEntry) -> None:
        self.entry = entry
        self.context.journal_changed.emit()
        self.submitted.emit(entry)
        self.stage_changed.emit("Waiting for the receipt…")
        self._follow(Worker(lifecycle.wait_for_final, self.session.client, self.session.journal,
                            entry, RECEIPT_TIMEOUT_S), self._final)

    def _final(self, entry: JournalEntry) -> None:
        self.entry = entry
        self.running = False
        self.context.journal_changed.emit()
        self.stage_changed.emit(entry.status)
        self.finished.emit(entry)

    # --- plumbing ------------------------------------------------------------------------------
    def _follow(self, job: Worker, on_result) -> None:
        """Connect, then start (a device job starts on the next turn of the event loop)."""
        self._jobs.append(job)
        job.signals.returned.connect(on_result)
        job.signals.errored.connect(self._fail)
        job.signals.finished.connect(lambda: self._jobs.remove(job))
        if not job.is_running and not job.is_done:
            job.start()

    def _fail(self, exc: BaseException) -> None:
        self.running = False
        if self.entry is not None:
            self.context.journal_changed.emit()
            settled = self.session.journal.get(self.entry.id)
            if settled.status in FINAL_STATES:  # e.g. replaced by a speed-up while waiting
                self._final(settled)
                return
        if isinstance(exc, UserCancelled):
            self.cancelled.emit()
        else:
            self.failed.emit(exc)

    def _cancel(self) -> None:
        self.running = False
        self.cancelled.emit()


def _broadcast(client, journal, entry: JournalEntry) -> JournalEntry:
    lifecycle.broadcast(client, journal, entry)
    return journal.get(entry.id)

"""``Prompts`` for signers running on a worker or the device thread, answered by Qt dialogs.

The pattern of Electrum's ``plugins/hw_wallet/qt.py``: the calling thread emits a signal (a
queued connection to this object, which lives on the GUI thread), the GUI thread opens the
dialog, and the calling thread waits on a ``threading.Event`` until the dialog answers.
Called on the GUI thread itself, a method runs its dialog directly (``exec``).

Cancel in a dialog raises ``UserCancelled`` in the calling thread (``confirm`` returns False,
as the protocol says). ``cancel_all`` answers every open request with a cancellation, so no
worker waits forever when the window closes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.errors import UserCancelled
from views.dialogs.device_notice import DeviceNotice
from views.dialogs.passphrase_dialog import PassphraseDialog
from views.dialogs.pin_dialog import PinDialog
from views.dialogs.signing_dialog import SigningDialog
from wallet.prompts import Prompts, SigningSummary


class _Request:
    """One question from another thread: answered once, or cancelled."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._value: Any = None
        self._cancelled = False
        self.dialog: QDialog | None = None
        self.from_gui_thread = _on_gui_thread()

    def answer(self, value: Any) -> None:
        if not self._event.is_set():
            self._value = value
            self._event.set()

    def cancel(self) -> bool:
        """True if this cancelled an open question (False: it was answered already)."""
        if self._event.is_set():
            return False
        self._cancelled = True
        self._event.set()
        return True

    @property
    def answered(self) -> bool:
        return self._event.is_set()

    def wait(self) -> Any:
        self._event.wait()
        if self._cancelled:
            raise UserCancelled()
        return self._value


class QtPrompts(QObject):
    """Create it on the GUI thread; call its ``Prompts`` methods from any thread."""

    dialog_shown = Signal(object)  # every dialog it opens (SigningDialog, PinDialog, ...)

    _confirm_requested = Signal(object, object)     # summary, _Request
    _pin_requested = Signal(str, object)
    _passphrase_requested = Signal(str, object)
    _device_action_requested = Signal(str)
    _device_done_requested = Signal()

    def __init__(self, parent_widget: QWidget | None = None, parent: QObject | None = None):
        super().__init__(parent)
        #: The window dialogs open over (default: the active window).
        self.parent_widget = parent_widget
        self.notice: DeviceNotice | None = None
        self._open: set[_Request] = set()
        self._lock = threading.Lock()
        self._confirm_requested.connect(self._show_confirm)
        self._pin_requested.connect(self._show_pin)
        self._passphrase_requested.connect(self._show_passphrase)
        self._device_action_requested.connect(self._show_device_action)
        self._device_done_requested.connect(self._hide_device_action)

    # --- the Prompts protocol, for any thread ----------------------------------------------
    def confirm(self, summary: SigningSummary) -> bool:
        try:
            return bool(self._ask(self._confirm_requested, summary))
        except UserCancelled:
            return False

    def ask_pin(self, message: str) -> str:
        return self._ask(self._pin_requested, message)

    def ask_passphrase(self, message: str) -> str:
        return self._ask(self._passphrase_requested, message)

    def device_action(self, message: str) -> None:
        self._device_action_requested.emit(message)  # nothing to wait for: the device answers

    def device_done(self) -> None:
        self._device_done_requested.emit()

    # --- lifetime ----------------------------------------------------------------------------
    def cancel_all(self) -> None:
        """Answer every open question with a cancellation and close its dialog (GUI thread)."""
        with self._lock:
            requests = list(self._open)
        for request in requests:
            if request.cancel() and request.dialog is not None:
                request.dialog.reject()  # still open (an answered one is already closed)
        self._hide_device_action()

    @property
    def waiting(self) -> int:
        """How many questions are open (a thread is waiting for each)."""
        with self._lock:
            return len(self._open)

    # --- plumbing ----------------------------------------------------------------------------
    def _ask(self, signal, argument) -> Any:
        request = _Request()
        with self._lock:
            self._open.add(request)
        try:
            signal.emit(argument, request)  # on the GUI thread: a direct call
            if request.from_gui_thread and request.dialog is not None and not request.answered:
                request.dialog.exec()
            return request.wait()
        finally:
            with self._lock:
                self._open.discard(request)

    def _parent(self) -> QWidget | None:
        return (self.parent_widget or QApplication.activeModalWidget()
                or QApplication.activeWindow())

    def _open_dialog(self, dialog: QDialog, request: _Request, answer) -> None:
        if request.answered:  # cancelled (cancel_all) before the GUI thread got to it
            dialog.deleteLater()
            return
        request.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: request.answer(answer(dialog)))
        dialog.rejected.connect(request.cancel)
        if not request.from_gui_thread:  # else _ask runs it with exec()
            dialog.open()
        self.dialog_shown.emit(dialog)

    def _show_confirm(self, summary: SigningSummary, request: _Request) -> None:
        self._open_dialog(SigningDialog(summary, self._parent()), request, lambda _d: True)

    def _show_pin(self, message: str, request: _Request) -> None:
        self._open_dialog(PinDialog(message, self._parent()), request, lambda d: d.positions)

    def _show_passphrase(self, message: str, request: _Request) -> None:
        self._open_dialog(PassphraseDialog(message, self._parent()), request, lambda d: d.passphrase)

    def _show_device_action(self, message: str) -> None:
        if self.notice is None:
            self.notice = DeviceNotice(message, self._parent())
            self.notice.show()
            self.dialog_shown.emit(self.notice)
        else:
            self.notice.set_message(message)

    def _hide_device_action(self) -> None:
        if self.notice is not None:
            self.notice.hide()
            self.notice.deleteLater()
            self.notice = None


def _on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() == app.thread()


class ForwardingPrompts:
    """Prompts that pass everything to another Prompts; subclasses change ``confirm``."""

    def __init__(self, prompts: Prompts):
        self._prompts = prompts

    def confirm(self, summary: SigningSummary) -> bool:
        return self._prompts.confirm(summary)

    def ask_pin(self, message: str) -> str:
        return self._prompts.ask_pin(message)

    def ask_passphrase(self, message: str) -> str:
        return self._prompts.ask_passphrase(message)

    def device_action(self, message: str) -> None:
        self._prompts.device_action(message)

    def device_done(self) -> None:
        self._prompts.device_done()


class ReportingPrompts(ForwardingPrompts):
    """Reports ("confirm"|"approved", index, total, kind) around each signing dialog of a
    multi-transaction action (approval, then the swap or deposit)."""

    def __init__(self, prompts: Prompts, kinds: list[str], progress: Callable[[Any], None]):
        super().__init__(prompts)
        self._kinds, self._progress = list(kinds), progress
        self._asked = 0

    def confirm(self, summary: SigningSummary) -> bool:
        index = self._asked
        self._asked += 1
        kind = self._kinds[index] if index < len(self._kinds) else self._kinds[-1]
        self._progress(("confirm", index, len(self._kinds), kind))
        approved = self._prompts.confirm(summary)
        if approved:
            self._progress(("approved", index, len(self._kinds), kind))
        return approved

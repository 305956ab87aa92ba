"""The chain status at the bottom of the window, and the poller that keeps it current.

:class:`ChainStatusPoller` asks the RPC for chain id and latest block every few seconds on a
worker thread (``app.chain.status.probe_status``, which never raises and has a timeout), with
at most one probe in flight: a tick that finds the previous probe still running is skipped, so
a hung endpoint costs one pool thread, never the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from app.chain.status import ChainStatus, probe_status
from views.workers import Worker

CONNECTED = "connected"
CONNECTING = "connecting…"
DISCONNECTED = "disconnected"
OFFLINE = "offline"

_DOT_COLORS = {
    CONNECTED: QColor("#2e9d4f"),     # green
    CONNECTING: QColor("#d99a00"),    # amber
    DISCONNECTED: QColor("#c8372d"),  # red
    OFFLINE: QColor("#8a8f98"),       # grey: by choice, not a fault
}


class ChainStatusPoller(QObject):
    """Probes ``rpc_url`` every ``interval_ms`` off the GUI thread; emits ``status_changed``.

    ``start()`` probes at once and then on every tick; ``stop()`` stops the ticks and waits
    (at most ``wait_s`` seconds) for the probe in flight, whose result is then dropped.
    """

    status_changed = Signal(object)  # ChainStatus

    def __init__(
        self,
        network: str,
        rpc_url: str,
        interval_ms: int = 2000,
        timeout_s: float = 1.5,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._network = network
        self._rpc_url = rpc_url
        self._timeout_s = timeout_s
        self._worker: Worker | None = None
        self._last_status: ChainStatus | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll_now)

    @property
    def network(self) -> str:
        return self._network

    @property
    def rpc_url(self) -> str:
        return self._rpc_url

    @property
    def last_status(self) -> ChainStatus | None:
        """The most recent probe result, or None before the first one."""
        return self._last_status

    @property
    def is_busy(self) -> bool:
        """A probe is in flight."""
        return self._worker is not None

    @property
    def is_active(self) -> bool:
        """Started and not stopped."""
        return self._timer.isActive()

    def start(self) -> None:
        self._timer.start()
        self.poll_now()

    def stop(self, wait_s: float = 2.5) -> bool:
        """Stop polling; True if no probe is left running after waiting up to ``wait_s``.

        Blocks the calling thread while it waits: meant for shutdown.
        """
        self._timer.stop()
        worker, self._worker = self._worker, None
        if worker is None:
            return True
        # Its result may already be queued for the GUI thread: _on_probe_returned drops any
        # result whose worker is no longer the current one.
        return worker.wait(wait_s)

    def poll_now(self) -> bool:
        """Start a probe unless one is in flight; True if one was started."""
        if self._worker is not None:
            return False
        worker = Worker(probe_status, self._network, self._rpc_url, timeout=self._timeout_s)
        worker.signals.returned.connect(lambda status, w=worker: self._on_probe_returned(w, status))
        worker.signals.finished.connect(lambda w=worker: self._on_probe_finished(w))
        self._worker = worker
        worker.start()
        return True

    def _on_probe_returned(self, worker: Worker, status: ChainStatus) -> None:
        if worker is not self._worker:  # stopped (or superseded) since it started
            return
        self._last_status = status
        self.status_changed.emit(status)

    def _on_probe_finished(self, worker: Worker) -> None:
        if worker is self._worker:
            self._worker = None


class StatusDot(QWidget):
    """A small filled circle in the colour of the connection state."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._color = _DOT_COLORS[CONNECTING]
        self.setFixedSize(QSize(12, 12))

    def color(self) -> QColor:
        return QColor(self._color)

    def set_color(self, color: QColor) -> None:
        self._color = QColor(color)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._color)
        painter.drawEllipse(self.rect().adjusted(1, 1, -1, -1))
        painter.end()


class ChainStatusBar(QStatusBar):
    """``● connected`` on the left; ``demo   chain 31337   block 1,234`` on the right."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        box = QWidget(self)
        layout = QHBoxLayout(box)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(14)
        self.dot = StatusDot(box)
        self.state_label = QLabel(box)
        self.network_label = QLabel(box)
        self.chain_label = QLabel(box)
        self.block_label = QLabel(box)
        state = QHBoxLayout()
        state.setSpacing(6)
        state.addWidget(self.dot)
        state.addWidget(self.state_label)
        layout.addLayout(state, 1)  # the reason for a disconnect may be long
        for label in (self.network_label, self.chain_label, self.block_label):
            layout.addWidget(label)
        self.addPermanentWidget(box, 1)
        self._state = CONNECTING
        self.show_connecting("", "")

    @property
    def state(self) -> str:
        """``connected``, ``connecting…``, ``disconnected`` or ``offline``."""
        return self._state

    def show_connecting(self, network: str, rpc_url: str) -> None:
        """Before the first answer from ``rpc_url``."""
        self._show(CONNECTING, CONNECTING, network, None, None, rpc_url)

    def show_offline(self, network: str, reason: str) -> None:
        """Opened without the network (``--offline``): stored data only, nothing is probed."""
        self._show(OFFLINE, f"{OFFLINE}: {reason}", network, None, None, reason)

    def show_status(self, status: ChainStatus) -> None:
        if status.connected:
            self._show(CONNECTED, CONNECTED, status.network, status.chain_id, status.block,
                       status.rpc_url)
        else:
            reason = status.error or "no answer"
            self._show(DISCONNECTED, f"{DISCONNECTED}: {reason}", status.network, None, None,
                       f"{status.rpc_url}\n{reason}")

    def _show(self, state: str, text: str, network: str, chain_id: int | None,
              block: int | None, tooltip: str) -> None:
        self._state = state
        self.dot.set_color(_DOT_COLORS[state])
        self.state_label.setText(text)
        self.network_label.setText(network)
        self.chain_label.setText(f"chain {chain_id}" if chain_id is not None else "chain —")
        self.block_label.setText(f"block {block:,}" if block is not None else "block —")
        self.setToolTip(tooltip)

"""Settings -> Network -> Apply: connect to another network on a worker, and only once its
chain id (and, for a public network, its recorded genesis) checks out, tell the launcher to
rebuild the window's context for it. Until then, and if it fails, the network in use stays.

The store is read on the GUI thread (which URL, which genesis was seen before) and written
there after success; the worker only talks to the node (and starts the demo one if needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.connection import (
    Connection,
    replica_genesis,
    resolve_rpc_url,
    rpc_setting_key,
    verify_chain,
)
from app.devnet.manager import Devnet
from app.networks import Network
from app.settings import ACTIVE_NETWORK_SETTING
from app.store import Store
from views.workers import Worker


@dataclass(frozen=True)
class SwitchResult:
    network: Network
    connection: Connection
    rpc_url: str
    typed_url: str | None      # the URL typed in Settings (saved once it worked), or None
    started_devnet: bool       # this switch started the demo node (stopped on quit)


def connect_job(network: Network, rpc_url: str | None, typed_url: str | None, home: Path,
                known_genesis: str | None, progress=None) -> SwitchResult:
    """On a worker: the URL (the demo node started if it has none), then verify_chain."""
    started = False
    if rpc_url is None:  # the demo network with no URL of its own: its node, started if needed
        status = Devnet(home).start(lambda message, fraction: progress and progress((message, fraction)))
        rpc_url, started = status.rpc_url, not status.reused
    connection = verify_chain(network, rpc_url, known_genesis, replica=replica_genesis(home, network))
    return SwitchResult(network, connection, rpc_url, typed_url, started)


class NetworkSwitcher(QObject):
    """One switch at a time. ``succeeded`` carries a SwitchResult (its genesis is recorded, the
    choice and the typed URL saved, before it is emitted); ``failed`` the error."""

    succeeded = Signal(object)  # SwitchResult
    failed = Signal(object)     # the exception; nothing was changed
    started = Signal(object)    # Network

    def __init__(self, home: Path, store: Store, parent: QObject | None = None):
        super().__init__(parent)
        self.home, self.store = Path(home), store
        self._worker: Worker | None = None
        self._closed = False

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def switch(self, network: Network, typed_url: str | None) -> Worker | None:
        """Start connecting to ``network`` (``typed_url`` None: its saved URL, the demo node or
        its default). None if a switch is already running or no URL is known (``failed``)."""
        if self._worker is not None or self._closed:
            return None
        try:
            if typed_url:
                url = typed_url
            elif network.devnet and not self.store.get_setting(rpc_setting_key(network)):
                url = None  # the worker starts (or reuses) this home's demo node
            else:
                url = resolve_rpc_url(network, self.home, self.store, None)
        except Exception as exc:  # noqa: BLE001 (InvalidInput: no URL; shown like any failure)
            self.failed.emit(exc)
            return None
        known = self.store.known_genesis(network.chain_id, network.key)
        worker = Worker(connect_job, network, url, typed_url, self.home, known)
        worker.signals.returned.connect(self._returned)
        worker.signals.errored.connect(self._errored)
        self._worker = worker
        self.started.emit(network)
        worker.start()
        return worker

    def _returned(self, result: SwitchResult) -> None:
        self._worker = None
        if self._closed:
            return
        connection, network = result.connection, result.network
        self.store.record_network(connection.chain_id, connection.genesis_hash, network.key)
        self.store.set_setting(ACTIVE_NETWORK_SETTING, network.key)
        if result.typed_url:
            self.store.set_setting(rpc_setting_key(network), result.typed_url)
        self.succeeded.emit(result)

    def _errored(self, exc: BaseException) -> None:
        self._worker = None
        if not self._closed:
            self.failed.emit(exc)

    def shutdown(self, timeout_s: float = 30) -> None:
        self._closed = True
        if self._worker is not None:
            self._worker.wait(timeout_s)

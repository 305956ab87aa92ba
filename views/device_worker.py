"""ONE thread for all hardware-wallet I/O.

A Ledger or Trezor answers one request at a time and some of its transports are not
thread-safe, so every device call of the app is queued here, in order, on a single thread
that never expires (Electrum does the same). Network I/O stays on the global pool.

    job = device_worker.submit(service.add_ledger, "Ledger 1", "hid", path)
    job.signals.returned.connect(...)
    job.signals.errored.connect(...)

``submit`` starts the job; its signals are those of :class:`views.workers.Worker`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool

from views.workers import Worker


class DeviceJob(Worker):
    """A :class:`Worker` that runs on a given pool instead of the global one."""

    def __init__(self, pool: QThreadPool, func: Callable[..., Any], /, *args: Any, **kwargs: Any):
        super().__init__(func, *args, **kwargs)
        self._pool = pool

    def start(self) -> None:
        if self._started:
            raise RuntimeError("this job was already started")
        self._started = True
        Worker._active.add(self)
        self.signals.finished.connect(self._forget)
        self._pool.start(self)


class DeviceWorker(QObject):
    """A queue of device jobs run one after another on one dedicated thread."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)  # the same thread for the whole session
        self._pool.setObjectName("device-worker")

    def submit(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> DeviceJob:
        """Queue ``func(*args, **kwargs)`` behind any job already queued; returns the started job."""
        job = DeviceJob(self._pool, func, *args, **kwargs)
        job.start()
        return job

    @property
    def busy(self) -> bool:
        return self._pool.activeThreadCount() > 0

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Drop queued jobs and wait for the running one; True if it ended in time."""
        self._pool.clear()
        return self._pool.waitForDone(timeout_ms)

"""ONE thread for all hardware-wallet I/O.

A Ledger or Trezor answers one request at a time and some of its transports are not
thread-safe, so every device call of the app is queued here, in order, on a single thread
that never expires (Electrum does the same). Network I/O stays on the global pool.

    job = device_worker.submit(service.add_ledger, "Ledger 1", "hid", path)
    job.signals.returned.connect(...)
    job.signals.errored.connect(...)

``submit`` queues the job; it reaches the thread on the next turn of the GUI event loop, so
the caller connects its signals first (nothing can be emitted before). Its signals are those
of :class:`views.workers.Worker`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer

from views.workers import Worker


class DeviceJob(Worker):
    """A :class:`Worker` run by a :class:`DeviceWorker` on its own thread."""

    def __init__(self, owner: DeviceWorker, func: Callable[..., Any], /, *args: Any, **kwargs: Any):
        super().__init__(func, *args, **kwargs)
        self._owner = owner

    def start(self) -> None:
        if self._started:
            raise RuntimeError("this job was already started")
        self._started = True
        Worker._active.add(self)
        self.signals.finished.connect(self._forget)
        self._owner._enqueue(self)


class DeviceWorker(QObject):
    """A queue of device jobs run one after another on one dedicated thread."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)  # the same thread for the whole session
        self._pool.setObjectName("device-worker")
        self._queued: list[DeviceJob] = []
        self._closed = False

    def submit(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> DeviceJob:
        """Queue ``func(*args, **kwargs)`` behind every job already queued; it reaches the
        device thread on the next turn of the event loop (connect its signals now)."""
        job = DeviceJob(self, func, *args, **kwargs)
        job.start()
        return job

    def _enqueue(self, job: DeviceJob) -> None:
        if self._closed:
            raise RuntimeError("the device worker was shut down")
        self._queued.append(job)
        if len(self._queued) == 1:
            QTimer.singleShot(0, self, self._dispatch)

    def _dispatch(self) -> None:
        queued, self._queued = self._queued, []
        for job in queued:
            if not self._closed:
                self._pool.start(job)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Drop queued jobs and wait for the running one; True if it ended in time."""
        self._closed = True
        for job in self._queued + []:
            Worker._active.discard(job)
        self._queued = []
        self._pool.clear()
        return self._pool.waitForDone(timeout_ms)

"""Run blocking work off the GUI thread and hear about it through Qt signals.

In the style of napari's ``_qt/qthreading.py`` (superqt): a :class:`Worker` is a ``QRunnable``
that wraps one callable and runs it on ``QThreadPool.globalInstance()``. Its outcome arrives on
the GUI thread through the signals of :class:`WorkerSignals` (queued connections, because the
signals object lives on the thread that created the worker)::

    worker = Worker(probe_status, "demo", url, timeout=2.0)
    worker.signals.returned.connect(status_bar.show_status)
    worker.signals.errored.connect(lambda exc: show_error(window, exc))
    worker.start()

A callable that declares a ``progress`` parameter gets a callback that emits
``signals.progress`` (safe to call from the worker thread, any number of times)::

    def deploy(progress):
        progress(("deploying Uniswap V3", 0.4))

Hardware-wallet traffic does not use this pool: it gets one dedicated thread (a later module).
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import SIGNAL, QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class WorkerSignals(QObject):
    """What a :class:`Worker` reports; a QRunnable is not a QObject, so it holds one of these."""

    started = Signal()
    returned = Signal(object)   # the callable's return value
    errored = Signal(object)    # the exception it raised
    progress = Signal(object)   # whatever the callable passed to its ``progress`` callback
    finished = Signal()         # always last, after ``returned`` or ``errored``


class Worker(QRunnable):
    """One call of ``func(*args, **kwargs)`` on the global thread pool.

    Signals are emitted in this order: ``started``, any number of ``progress``, then exactly one
    of ``returned``/``errored``, then ``finished``. An exception is delivered to ``errored``
    (and logged with its traceback if nothing listens), never raised into the pool thread.
    """

    # Started workers stay referenced here until their ``finished`` reaches the creating
    # thread, so neither the runnable's Python side nor its signals are collected early.
    _active: ClassVar[set[Worker]] = set()

    def __init__(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any):
        super().__init__()
        self.signals = WorkerSignals()
        self._func = func
        self._args = args
        self._kwargs = kwargs
        if _accepts_progress(func) and "progress" not in kwargs:
            self._kwargs["progress"] = self.signals.progress.emit
        self._started = False
        self._done = threading.Event()

    def start(self) -> None:
        """Queue the call on ``QThreadPool.globalInstance()``; a worker runs once."""
        if self._started:
            raise RuntimeError("this worker was already started")
        self._started = True
        Worker._active.add(self)
        self.signals.finished.connect(self._forget)
        QThreadPool.globalInstance().start(self)

    def run(self) -> None:
        """Called by the pool on a worker thread; use :meth:`start` instead."""
        signals = self.signals
        try:
            signals.started.emit()
            try:
                result = self._func(*self._args, **self._kwargs)
            except Exception as exc:
                if not signals.receivers(SIGNAL("errored(PyObject)")):
                    log.error("unhandled error in worker %s", _name(self._func), exc_info=exc)
                signals.errored.emit(exc)
            else:
                signals.returned.emit(result)
        finally:
            self._done.set()  # before ``finished``, so its receivers see ``is_done``
        signals.finished.emit()

    @property
    def is_running(self) -> bool:
        """Started and not yet done (queued counts as running)."""
        return self._started and not self._done.is_set()

    @property
    def is_done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the call has ended; True if it did within ``timeout`` seconds.

        Only for shutdown paths and tests: waiting on the GUI thread freezes the window.
        A worker that was never started counts as done.
        """
        if not self._started:
            return True
        return self._done.wait(timeout)

    def _forget(self) -> None:
        Worker._active.discard(self)


def _accepts_progress(func: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False
    param = parameters.get("progress")
    return param is not None and param.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


def _name(func: Callable[..., Any]) -> str:
    return getattr(func, "__qualname__", None) or repr(func)

"""Worker: the callable runs off the GUI thread and its outcome arrives as signals."""

from __future__ import annotations

import threading

import pytest

from views.workers import Worker


def test_returned_value_arrives_after_running_on_another_thread(qtbot):
    seen = {}

    def work(a, b):
        seen["thread"] = threading.current_thread()
        return a + b

    worker = Worker(work, 2, b=3)
    events = []
    worker.signals.started.connect(lambda: events.append("started"))
    worker.signals.returned.connect(lambda value: events.append(("returned", value)))
    worker.signals.finished.connect(lambda: events.append("finished"))
    with qtbot.waitSignal(worker.signals.finished):
        worker.start()
    assert events == ["started", ("returned", 5), "finished"]
    assert seen["thread"] is not threading.main_thread()
    assert worker.is_done and not worker.is_running


def test_exception_arrives_on_errored_and_returned_stays_silent(qtbot):
    def fail():
        raise ValueError("no such token: XYZ")

    worker = Worker(fail)
    returned = []
    worker.signals.returned.connect(returned.append)
    with qtbot.waitSignal(worker.signals.errored) as blocker:
        worker.start()
    qtbot.waitUntil(lambda: worker.is_done)
    exc = blocker.args[0]
    assert isinstance(exc, ValueError) and str(exc) == "no such token: XYZ"
    qtbot.wait(20)
    assert returned == []


def test_progress_callback_emits_on_the_gui_thread_in_order(qtbot):
    def work(steps, progress):
        for i in range(steps):
            progress(("step", (i + 1) / steps))
        return "done"

    worker = Worker(work, 4)
    updates, threads = [], []

    def record(value):
        updates.append(value)
        threads.append(threading.current_thread())

    worker.signals.progress.connect(record)
    with qtbot.waitSignal(worker.signals.finished):
        worker.start()
    assert updates == [("step", 0.25), ("step", 0.5), ("step", 0.75), ("step", 1.0)]
    assert set(threads) == {threading.main_thread()}


def test_callable_without_progress_parameter_gets_no_progress_kwarg(qtbot):
    worker = Worker(lambda **kwargs: sorted(kwargs), x=1)
    with qtbot.waitSignal(worker.signals.returned) as blocker:
        worker.start()
    assert blocker.args == [["x"]]


def test_wait_blocks_until_done_and_a_worker_starts_once(qtbot):
    release = threading.Event()
    worker = Worker(release.wait, 5)
    assert worker.wait(0)  # never started: nothing to wait for
    worker.start()
    assert worker.is_running
    assert not worker.wait(0.05)
    release.set()
    assert worker.wait(2)
    with pytest.raises(RuntimeError):
        worker.start()
    qtbot.waitUntil(lambda: worker not in Worker._active)


def test_error_nobody_listens_to_is_logged_with_its_traceback(qtbot, caplog):
    def fail():
        raise RuntimeError("boom")

    worker = Worker(fail)
    with caplog.at_level("ERROR", logger="views.workers"), \
            qtbot.waitSignal(worker.signals.finished):
        worker.start()
    [record] = caplog.records
    assert "fail" in record.getMessage() and record.exc_info[0] is RuntimeError

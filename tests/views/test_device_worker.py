"""The device worker: every hardware-wallet job on ONE thread (not the GUI's), in order."""

from __future__ import annotations

import threading

from views.device_worker import DeviceWorker


def test_jobs_run_one_at_a_time_in_order_on_one_dedicated_thread(qtbot):
    worker = DeviceWorker()
    release = threading.Event()
    ran: list[tuple[int, threading.Thread]] = []
    overlapping = []
    running = threading.Lock()

    def job(n: int) -> int:
        if not running.acquire(blocking=False):
            overlapping.append(n)
            return n
        try:
            if n == 0:
                release.wait(5)  # the others queue behind it
            ran.append((n, threading.current_thread()))
            return n * 10
        finally:
            running.release()

    jobs = [worker.submit(job, n) for n in range(5)]
    results = []
    for j in jobs:
        j.signals.returned.connect(results.append)
    assert ran == []  # queued: they reach the device thread once the event loop turns
    release.set()
    with qtbot.waitSignal(jobs[-1].signals.finished, timeout=5_000):
        pass
    assert [n for n, _ in ran] == [0, 1, 2, 3, 4] and overlapping == []
    assert len({thread for _, thread in ran}) == 1
    assert ran[0][1] is not threading.main_thread()
    qtbot.waitUntil(lambda: results == [0, 10, 20, 30, 40])
    assert worker.shutdown(5_000)


def test_errors_arrive_on_errored_and_the_thread_goes_on(qtbot):
    worker = DeviceWorker()

    def fail():
        raise RuntimeError("device unplugged")

    failing = worker.submit(fail)
    with qtbot.waitSignal(failing.signals.errored) as errored:
        pass
    assert str(errored.args[0]) == "device unplugged"
    after = worker.submit(lambda: "still here")
    with qtbot.waitSignal(after.signals.returned) as returned:
        pass
    assert returned.args == ["still here"]
    assert worker.shutdown(5_000)

"""The chain status bar and its poller, against a real anvil and against dead/hung RPCs."""

from __future__ import annotations

import time
from contextlib import contextmanager

from PySide6.QtCore import QTimer

from app.chain.status import ChainStatus
from views.status_bar import CONNECTED, CONNECTING, DISCONNECTED, ChainStatusBar

ANVIL_CHAIN_ID = 31337
MAX_GUI_STALL_S = 0.5


@contextmanager
def gui_stall_monitor():
    """Ticks a 10 ms QTimer on the GUI thread; yields a list whose max gap is the worst stall."""
    ticks: list[float] = [time.monotonic()]
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        yield ticks
    finally:
        timer.stop()
        ticks.append(time.monotonic())


def worst_gap(ticks: list[float]) -> float:
    return max(b - a for a, b in zip(ticks, ticks[1:], strict=False))


def make_bar(qtbot, poller) -> ChainStatusBar:
    bar = ChainStatusBar()
    qtbot.addWidget(bar)
    poller.status_changed.connect(bar.show_status)
    bar.show_connecting(poller.network, poller.rpc_url)
    return bar


def test_bar_renders_each_state(qtbot):
    bar = ChainStatusBar()
    qtbot.addWidget(bar)
    bar.show_connecting("demo", "http://127.0.0.1:8545")
    assert bar.state == CONNECTING and bar.state_label.text() == "connecting…"

    bar.show_status(ChainStatus("demo", "http://x", True, chain_id=31337, block=1234567))
    assert bar.state == CONNECTED
    assert [bar.state_label.text(), bar.network_label.text(), bar.chain_label.text(),
            bar.block_label.text()] == ["connected", "demo", "chain 31337", "block 1,234,567"]
    green = bar.dot.color()

    bar.show_status(ChainStatus("demo", "http://x", False, error="cannot reach http://x: refused"))
    assert bar.state == DISCONNECTED
    assert bar.state_label.text() == "disconnected: cannot reach http://x: refused"
    assert bar.block_label.text() == "block —"
    assert bar.dot.color() != green


def test_live_block_is_shown_and_increases(qtbot, live_rpc, make_poller):
    poller = make_poller(live_rpc, interval_ms=200)
    bar = make_bar(qtbot, poller)
    poller.start()
    qtbot.waitUntil(lambda: bar.state == CONNECTED, timeout=5000)
    assert bar.chain_label.text() == f"chain {ANVIL_CHAIN_ID}"
    assert bar.network_label.text() == "demo"
    first = poller.last_status.block
    assert bar.block_label.text() == f"block {first:,}"
    # anvil mines a block every second
    qtbot.waitUntil(lambda: poller.last_status.block >= first + 2, timeout=6000)
    assert bar.block_label.text() == f"block {poller.last_status.block:,}"


def test_dead_rpc_shows_disconnected_with_reason_and_gui_stays_responsive(
        qtbot, dead_rpc, make_poller):
    poller = make_poller(dead_rpc, interval_ms=50)
    bar = make_bar(qtbot, poller)
    results: list[ChainStatus] = []
    poller.status_changed.connect(results.append)
    with gui_stall_monitor() as ticks:
        poller.start()
        qtbot.waitUntil(lambda: bar.state == DISCONNECTED, timeout=5000)
        qtbot.waitUntil(lambda: len(results) >= 5, timeout=5000)  # probes keep failing
    assert bar.state_label.text().startswith(f"disconnected: cannot reach {dead_rpc}")
    assert "refused" in bar.state_label.text().lower()
    assert worst_gap(ticks) < MAX_GUI_STALL_S


def test_hanging_rpc_never_blocks_the_gui_and_probes_never_overlap(
        qtbot, hanging_rpc, make_poller):
    poller = make_poller(hanging_rpc.url, interval_ms=100, timeout_s=1.0)
    bar = make_bar(qtbot, poller)
    with gui_stall_monitor() as ticks:
        poller.start()
        qtbot.waitUntil(lambda: bar.state == DISCONNECTED, timeout=5000)
        assert bar.state == DISCONNECTED
        qtbot.wait(1500)  # 15 ticks, about one more timed-out probe
        assert poller.is_busy  # the next probe hangs...
        started = time.monotonic()
        assert poller.stop(wait_s=3)  # ...and stop() waits for it, within its timeout
        assert time.monotonic() - started < 1.5
    assert "timed out" in bar.state_label.text()
    assert hanging_rpc.max_open == 1
    assert 2 <= hanging_rpc.accepted <= 4  # ~2.5 s of 1 s probes, not one per 100 ms tick
    ticks_while_polling = [t for t in ticks if t < started]
    assert worst_gap(ticks_while_polling) < MAX_GUI_STALL_S


def test_reconnects_when_the_chain_comes_back(qtbot, dead_rpc, anvil_launcher, make_poller):
    poller = make_poller(dead_rpc, interval_ms=200)
    bar = make_bar(qtbot, poller)
    poller.start()
    qtbot.waitUntil(lambda: bar.state == DISCONNECTED, timeout=5000)
    anvil_launcher(int(dead_rpc.rsplit(":", 1)[1]))  # the chain comes back on that port
    qtbot.waitUntil(lambda: bar.state == CONNECTED, timeout=5000)
    assert bar.chain_label.text() == f"chain {ANVIL_CHAIN_ID}"


def test_no_status_is_emitted_after_stop(qtbot, live_rpc, make_poller):
    poller = make_poller(live_rpc, interval_ms=50)
    results = []
    poller.status_changed.connect(results.append)
    poller.start()
    assert poller.is_busy
    assert poller.stop()
    count = len(results)
    qtbot.wait(300)
    assert len(results) == count and not poller.is_busy and not poller.is_active

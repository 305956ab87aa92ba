"""Fixtures for the Qt tests: offscreen Qt, a real anvil for a live RPC, clean pollers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from app.chain.status import probe_status  # noqa: E402
from app.devnet.toolchain import anvil_binary, ensure_installed  # noqa: E402
from tests.conftest import free_port  # noqa: E402


def _anvil_binary() -> str:
    """The pinned anvil the app itself installs (the session devnet installs it too)."""
    ensure_installed()
    return str(anvil_binary())


def rpc_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def anvil_launcher() -> Iterator[Callable[[int], str]]:
    """``launch(port, chain_id=None) -> rpc_url``: starts anvil on ``port`` (with that chain id,
    default anvil's 31337) and waits until it answers.

    Every anvil started is killed at teardown.
    """
    processes: list[subprocess.Popen] = []

    def launch(port: int, chain_id: int | None = None) -> str:
        extra = ["--chain-id", str(chain_id)] if chain_id is not None else []
        process = subprocess.Popen(
            [_anvil_binary(), "--port", str(port), "--block-time", "1", "--silent", *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        processes.append(process)
        url = rpc_url(port)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                err = process.stderr.read().decode(errors="replace") if process.stderr else ""
                pytest.fail(f"anvil exited with {process.returncode}: {err}")
            if probe_status("test", url, timeout=0.5).connected:
                return url
            time.sleep(0.1)
        pytest.fail(f"anvil did not answer on {url} within 20 s")

    yield launch
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


@pytest.fixture
def live_rpc(anvil_launcher) -> str:
    """The URL of a real, running anvil (a new block every second)."""
    return anvil_launcher(free_port())


@pytest.fixture
def dead_rpc() -> str:
    """A URL where nothing listens (connection refused)."""
    return rpc_url(free_port())


class HangingServer:
    """Accepts TCP connections and never answers: an RPC that hangs.

    Counts the connections open at the same time, so tests can check probes never overlap.
    """

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self.url = rpc_url(self._sock.getsockname()[1])
        self._lock = threading.Lock()
        self.open_now = 0
        self.max_open = 0
        self.accepted = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept_loop, daemon=True)]
        self._threads[0].start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.accepted += 1
                self.open_now += 1
                self.max_open = max(self.max_open, self.open_now)
            thread = threading.Thread(target=self._hold, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _hold(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        with conn:
            while not self._stop.is_set():
                try:
                    if not conn.recv(4096):  # the client gave up
                        break
                except TimeoutError:
                    continue
                except OSError:
                    break
        with self._lock:
            self.open_now -= 1

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._sock.close()


@pytest.fixture
def hanging_rpc() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.close()


@pytest.fixture
def make_poller(qtbot):
    """``make_poller(url, **kwargs)``: a ChainStatusPoller that is stopped at teardown."""
    from views.status_bar import ChainStatusPoller

    pollers: list[ChainStatusPoller] = []

    def make(url: str, network: str = "demo", **kwargs) -> ChainStatusPoller:
        poller = ChainStatusPoller(network, url, **kwargs)
        pollers.append(poller)
        return poller

    yield make
    for poller in pollers:
        try:
            assert poller.stop(wait_s=5), "a probe was still running at teardown"
        except RuntimeError:  # already deleted with its window
            pass
    qtbot.wait(50)  # let queued signals of the last probes arrive while receivers exist


# The offscreen platform warns that it cannot propagate size hints whenever a top-level
# window is shown; that is the test platform talking, not the app, so it alone is ignored.
_OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(re.escape(_OFFSCREEN_NOISE)))


@pytest.fixture
def shown_boxes(qtbot):
    """Closes every message box show_error opens and records (icon, title, text, details)."""
    shown = []

    def close_box():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append((box.icon(), box.windowTitle(), box.text(), box.informativeText()))
            box.accept()

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(close_box)
    timer.start()
    yield shown
    timer.stop()


# --- the wallet GUI ---------------------------------------------------------------------------
# ``secret_service`` (a real gnome-keyring on a private bus) and ``fast_scrypt`` come from
# the root conftest (tests/support/secret_service.py).
TEST_MNEMONIC = "test test test test test test test test test test test junk"
PASSWORD = "correct horse battery"


@pytest.fixture
def wallet_store(tmp_path):
    """A real SQLite store in a fresh data directory."""
    from app.store import Store

    with Store.open(tmp_path / "home") as store:
        yield store


@pytest.fixture
def wallet_service(wallet_store, secret_service, fast_scrypt):
    """A WalletService on the real Secret Service (its own keyring service name)."""
    from app.wallets import WalletService

    return WalletService(wallet_store, vault=secret_service.vault())


def make_context(store, home, rpc, service, online: bool):
    from app.session import ChainSession
    from views.wallet_context import WalletContext

    context = WalletContext(store, home, "demo", rpc=rpc, service=service)
    if online:
        context.set_session(ChainSession.open(home, "demo", store, rpc))
    return context


@pytest.fixture
def wallet_context(qtbot, wallet_store, wallet_service, devnet, devnet_home, chain):
    """A WalletContext on the session devnet (chain rolled back after the test), online."""
    context = make_context(wallet_store, devnet_home, devnet.rpc_url, wallet_service, online=True)
    yield context
    context.shutdown()
    qtbot.waitUntil(lambda: not _busy_workers(), timeout=10_000)


@pytest.fixture
def offline_context(qtbot, wallet_store, wallet_service, devnet_home, dead_rpc):
    context = make_context(wallet_store, devnet_home, dead_rpc, wallet_service, online=False)
    yield context
    context.shutdown()


def _busy_workers() -> bool:
    from views.workers import Worker

    return any(worker.is_running for worker in list(Worker._active))


@pytest.fixture
def demo_key() -> tuple[str, str]:
    """(address, 0x key) of the devnet's funded demo account (anvil's test mnemonic, index 1)."""
    from wallet.keys.hd import derive

    address, key = derive(TEST_MNEMONIC, 1)
    return address, "0x" + key.hex()


class DialogAnswerer:
    """Answers dialogs as a user would, from a QTimer on the GUI thread: ``on(cls, action)``
    runs ``action(dialog)`` once for each visible top-level dialog of that class."""

    def __init__(self) -> None:
        self.handlers: list[tuple[type, Callable]] = []
        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def on(self, cls: type, action: Callable) -> None:
        self.handlers.append((cls, action))

    def _tick(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if not widget.isVisible() or widget.property("answered"):
                continue
            for cls, action in self.handlers:
                if isinstance(widget, cls):
                    widget.setProperty("answered", True)
                    self.seen.append(type(widget).__name__)
                    action(widget)
                    break


@pytest.fixture
def answerer(qtbot):
    bot = DialogAnswerer()
    yield bot
    bot.timer.stop()

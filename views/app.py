"""`basketry` with no command: the Qt application."""

from __future__ import annotations

import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.cli.context import CliContext
from app.errors import BasketryError
from app.logs import setup_logging
from app.networks import get_network, load_networks
from app.settings import ACTIVE_NETWORK_SETTING, start_network
from app.store import Store
from views.errors import show_error
from views.launcher import Launcher


def run_gui(ctx: CliContext) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Basketry")
    try:
        store = Store.open(ctx.home)  # refuses a second instance on the same data directory
    except BasketryError as exc:
        show_error(None, exc)
        return 1
    try:
        # `--network` wins; else the network chosen in Settings last time; else demo
        network = get_network(start_network(ctx.network if ctx.network_explicit else None,
                                             store.get_setting(ACTIVE_NETWORK_SETTING), load_networks()))
    except BasketryError as exc:
        store.close()
        show_error(None, exc)
        return 1
    setup_logging(ctx.home)
    _quit_on_signals(app)
    launcher = Launcher(ctx.home, network, store, ctx.rpc, offline=ctx.offline)
    launcher.failed.connect(lambda _error: app.quit())
    try:
        launcher.begin()
        return app.exec()
    finally:
        launcher.shutdown()
        store.close()


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl-C or a SIGTERM closes the app the normal way (workers joined, the demo node
    stopped with its state saved) instead of killing it mid-way."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: app.quit())
    # Python runs signal handlers only between bytecodes; wake it while Qt's loop idles.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)

"""The launcher gives the window its wallet pages: the chain session opens on a worker once the
chain is verified; offline, the pages work without it and it opens when the chain answers."""

from __future__ import annotations

import pytest

from app.networks import get_network
from app.store import Store
from views.launcher import Launcher
from views.pages.accounts_page import AccountsPage
from views.pages.activity_page import ActivityPage


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home") as opened:
        yield opened


def launch(qtbot, store, rpc) -> Launcher:
    launcher = Launcher(store.home, get_network("demo"), store, rpc, poll_interval_ms=200)
    launcher.begin()
    qtbot.addWidget(launcher.window)
    return launcher


def test_pages_get_the_session_after_the_chain_is_verified(qtbot, devnet, store):
    launcher = launch(qtbot, store, devnet.rpc_url)
    try:
        accounts = launcher.window.show_page("Accounts")
        assert isinstance(accounts, AccountsPage) and accounts.context is launcher.context
        assert isinstance(launcher.window.show_page("Activity"), ActivityPage)
        assert launcher.context.prompts.parent_widget is launcher.window
        qtbot.waitUntil(lambda: launcher.context.online, timeout=20_000)
        assert launcher.context.session.chain_id == 31337
        assert "chain id 31337" in accounts.state_label.text()
        store.set_setting("x", 1)  # the store is still usable from the GUI thread
    finally:
        launcher.window.close()
        launcher.shutdown()
    assert not launcher.context.lock_timer.isActive()


def test_offline_start_then_the_chain_comes_back(qtbot, store, dead_rpc, anvil_launcher):
    launcher = launch(qtbot, store, dead_rpc)
    try:
        context = launcher.context
        store_accounts = context.service.watch("Watched", "0x000000000000000000000000000000000000dEaD")
        context.accounts_changed.emit()
        accounts = launcher.window.show_page("Accounts")
        assert accounts.model.rowCount() == 1 and not accounts.send_button.isEnabled()
        qtbot.waitUntil(lambda: launcher.window.status_bar.state.startswith("disconnected"), timeout=10_000)
        assert not context.online
        anvil_launcher(int(dead_rpc.rsplit(":", 1)[1]))  # the chain comes back on that port
        qtbot.waitUntil(lambda: context.online, timeout=20_000)
        # a bare anvil has no Multicall3: the page says so instead of showing wrong numbers
        qtbot.waitUntil(lambda: "Balances unavailable" in accounts.state_label.text(), timeout=10_000)
        assert accounts.model.balance(store_accounts.address, "ETH") is None
    finally:
        launcher.window.close()
        launcher.shutdown()

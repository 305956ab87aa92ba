"""Settings -> Network -> Apply switches the window to another network: the chain id is checked
on a worker first, the pages are rebuilt for the new network, the choice is saved, and a wrong
chain is refused with the network in use unchanged. Real anvils (the session devnet and a second
one started with Base's chain id), real SQLite; only message boxes are closed by a timer."""

from __future__ import annotations

import json

import pytest

from app.chain.client import ChainClient
from app.connection import rpc_setting_key, verify_chain
from app.errors import ChainMismatch
from app.networks import get_network
from app.settings import ACTIVE_NETWORK_SETTING
from app.store import Store
from tests.conftest import free_port
from views.launcher import Launcher

WATCHED = "0x00000000000000000000000000000000000bA5e1"


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home") as opened:
        yield opened


@pytest.fixture
def base_rpc(anvil_launcher, store) -> str:
    """A real anvil serving chain id 8453 (Base's), known to this home as its local Base
    replica: Base's genesis is pinned, so any other chain 8453 is refused (see
    test_a_chain_8453_that_is_not_base_nor_this_homes_replica_is_refused)."""
    url = anvil_launcher(free_port(), chain_id=8453)
    replica = store.home / "replica-base"
    replica.mkdir(parents=True, exist_ok=True)
    (replica / "deployment.json").write_text(json.dumps({"genesis_hash": ChainClient(url).genesis_hash()}))
    return url


def test_a_chain_8453_that_is_not_base_nor_this_homes_replica_is_refused(anvil_launcher):
    url = anvil_launcher(free_port(), chain_id=8453)
    with pytest.raises(ChainMismatch, match="not Base's 0xf712aa9241cc"):
        verify_chain(get_network("base"), url, None)


def choose(launcher: Launcher, key: str, url: str) -> None:
    settings = launcher.settings
    settings.network_box.setCurrentIndex(settings.network_box.findData(key))
    settings.rpc_edit.setText(url)


def test_apply_switches_from_demo_to_base_and_refuses_a_wrong_chain(qtbot, devnet, store, base_rpc,
                                                                     shown_boxes):
    launcher = Launcher(store.home, get_network("demo"), store, devnet.rpc_url, poll_interval_ms=200)
    launcher.begin()
    window = launcher.window
    qtbot.addWidget(window)
    try:
        assert window.windowTitle() == "Basketry — Demo network (local devnet)"
        qtbot.waitUntil(lambda: launcher.context.online, timeout=20_000)
        launcher.context.service.watch("Shared", WATCHED)  # accounts are the same on every chain
        demo_context = launcher.context
        window.show_page("Accounts")

        choose(launcher, "base", f"  {base_rpc} ")
        assert launcher.settings.apply_button.isEnabled()
        with qtbot.waitSignal(launcher.network_switched, timeout=20_000):
            launcher.settings.apply_button.click()
            assert not launcher.settings.apply_button.isEnabled()  # one switch at a time
            assert launcher.network.key == "demo"  # still in use while the chain id is checked

        assert launcher.network.key == "base"
        assert window.windowTitle() == "Basketry — Base"
        bar = window.status_bar
        qtbot.waitUntil(lambda: bar.chain_label.text() == "chain 8453", timeout=10_000)
        assert bar.network_label.text() == "Base" and bar.state == "connected"
        assert store.get_setting(ACTIVE_NETWORK_SETTING) == "base"  # the next start opens on it
        assert store.get_setting(rpc_setting_key(get_network("base"))) == base_rpc
        assert store.known_genesis(8453, "base") is not None
        assert "Base (chain id 8453" in launcher.settings.active_label.text()
        assert demo_context.closed and launcher.context is not demo_context
        # every data page now follows the new network's context and session
        accounts = window.current_page()
        assert accounts.TITLE == "Accounts" and accounts.context is launcher.context
        assert all(page.context is launcher.context for page in window.pages if page.TITLE != "Settings")
        qtbot.waitUntil(lambda: launcher.context.online, timeout=20_000)
        assert launcher.context.session.chain_id == 8453
        assert launcher.context.journal.chain.chain_id == 8453
        assert accounts.model.rowCount() == 1  # the shared account, its balances read on Base
        assert launcher.context.native_symbol == "ETH"

        # a URL that serves another chain than the chosen network's is refused; Base stays
        choose(launcher, "optimism", base_rpc)
        with qtbot.waitSignal(launcher.switch_failed, timeout=20_000) as failed:
            launcher.settings.apply()
        assert "chain id 8453" in str(failed.args[0]) and "Optimism is chain id 10" in str(failed.args[0])
        qtbot.waitUntil(lambda: any("refusing to go on" in box[2] for box in shown_boxes), timeout=5_000)
        assert launcher.network.key == "base" and launcher.context.session.chain_id == 8453
        assert window.windowTitle() == "Basketry — Base" and bar.network_label.text() == "Base"
        assert store.get_setting(ACTIVE_NETWORK_SETTING) == "base"
        assert store.get_setting(rpc_setting_key(get_network("optimism"))) is None
        assert store.known_genesis(10, "optimism") is None
        assert "Still on Base" in launcher.settings.feedback.text()
        assert launcher.settings.apply_button.isEnabled()
    finally:
        window.close()
        launcher.shutdown()


def test_apply_without_a_url_for_a_public_network_says_so(qtbot, devnet, store, shown_boxes):
    launcher = Launcher(store.home, get_network("demo"), store, devnet.rpc_url, poll_interval_ms=200)
    launcher.begin()
    qtbot.addWidget(launcher.window)
    try:
        choose(launcher, "polygon", "")
        with qtbot.waitSignal(launcher.switch_failed, timeout=5_000):
            launcher.settings.apply()
        qtbot.waitUntil(lambda: any("no RPC URL for Polygon PoS" in box[2] for box in shown_boxes),
                        timeout=5_000)
        assert launcher.network.key == "demo" and store.get_setting(ACTIVE_NETWORK_SETTING) is None
    finally:
        launcher.window.close()
        launcher.shutdown()


def test_offline_window_cannot_switch(qtbot, tmp_path):
    with Store.open(tmp_path / "offline") as store:
        launcher = Launcher(store.home, get_network("base"), store, offline=True)
        launcher.begin()
        qtbot.addWidget(launcher.window)
        try:
            assert launcher.window.windowTitle() == "Basketry — Base"
            assert launcher.window.status_bar.network_label.text() == "Base"
            assert not launcher.settings.apply_button.isEnabled()
            assert "--offline" in launcher.settings.apply_button.toolTip()
        finally:
            launcher.window.close()
            launcher.shutdown()

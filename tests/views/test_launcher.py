"""Start-up as a user sees it: the demo network starts with progress, the window connects
and shows the live block, a wrong chain is refused, settings are saved. Real chain, real
SQLite; only message boxes are closed by a timer."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app.chain.client import ChainClient
from app.connection import rpc_setting_key
from app.devnet.manager import Devnet
from app.networks import get_network
from app.store import Store
from views.launcher import Launcher
from views.pages.settings_page import SettingsPage


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home") as opened:
        yield opened


def launch(qtbot, home, network, store, rpc=None) -> Launcher:
    launcher = Launcher(home, get_network(network), store, rpc, poll_interval_ms=200)
    launcher.begin()
    return launcher


def test_window_connects_and_follows_the_live_block(qtbot, devnet, store):
    launcher = launch(qtbot, store.home, "demo", store, devnet.rpc_url)
    qtbot.addWidget(launcher.window)
    try:
        bar = launcher.window.status_bar
        qtbot.waitUntil(lambda: bar.state == "connected", timeout=10_000)
        client = ChainClient(devnet.rpc_url)
        client.rpc("anvil_mine", ["0x1"])  # the session devnet mines only on demand
        block = client.block_number()
        qtbot.waitUntil(lambda: str(block) in bar.block_label.text(), timeout=10_000)
        qtbot.waitUntil(lambda: store.known_genesis(31337, "demo") == devnet.deployment["genesis_hash"],
                        timeout=10_000)
    finally:
        launcher.window.close()
        launcher.shutdown()


def test_first_start_runs_the_demo_network_with_progress_then_stops_it(qtbot, tmp_path):
    home = tmp_path / "fresh"
    with Store.open(home) as store:
        launcher = Launcher(home, get_network("demo"), store, poll_interval_ms=200)
        seen = []
        launcher.begin()
        launcher.dialog.progress_bar.valueChanged.connect(seen.append)
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=120_000)
        qtbot.addWidget(launcher.window)
        try:
            assert launcher.started_devnet
            assert seen and max(seen) == launcher_steps()  # the bar reached 100%
            bar = launcher.window.status_bar
            qtbot.waitUntil(lambda: bar.state == "connected", timeout=10_000)
            assert Devnet(home).status().running
        finally:
            launcher.window.close()
            launcher.shutdown()
        assert not Devnet(home).status().running  # stopped on exit, state kept on disk
        assert (home / "devnet" / "state.json").exists()


def launcher_steps() -> int:
    from views.first_start import _STEPS
    return _STEPS


def test_cancel_during_first_start_stops_and_leaves_no_half_chain(qtbot, tmp_path):
    home = tmp_path / "cancelled"
    failures = []
    with Store.open(home) as store:
        launcher = Launcher(home, get_network("demo"), store)
        launcher.failed.connect(failures.append)
        launcher.begin()
        launcher.dialog.cancel_requested.emit()
        qtbot.waitUntil(lambda: len(failures) > 0, timeout=60_000)
        launcher.shutdown()
    assert launcher.window is None
    assert not Devnet(home).status().running
    assert Devnet(home).deployment() is None and not (home / "devnet" / "state.json").exists()


def test_a_wrong_chain_is_refused_with_a_message(qtbot, devnet, store, shown_boxes):
    launcher = launch(qtbot, store.home, "ethereum", store, devnet.rpc_url)
    qtbot.addWidget(launcher.window)
    try:
        qtbot.waitUntil(lambda: len(shown_boxes) > 0, timeout=10_000)
        icon, _title, text, _details = shown_boxes[0]
        assert icon == QMessageBox.Icon.Warning and "refusing to go on" in text
        assert store.known_genesis(1, "ethereum") is None and store.known_genesis(31337, "ethereum") is None
    finally:
        launcher.window.close()
        launcher.shutdown()


def test_settings_page_saves_a_valid_rpc_url_and_refuses_a_bad_one(qtbot, store, shown_boxes):
    page = SettingsPage(store, store.home, "ethereum")
    qtbot.addWidget(page)
    page.rpc_edit.setText("not a url")
    page.save()
    assert shown_boxes and "not an RPC URL" in shown_boxes[0][2]
    assert store.get_setting(rpc_setting_key(get_network("ethereum"))) is None
    page.rpc_edit.setText("  https://eth.example/rpc ")
    with qtbot.waitSignal(page.rpc_saved) as saved:
        page.save()
    assert saved.args == ["ethereum", "https://eth.example/rpc"]
    assert store.get_setting(rpc_setting_key(get_network("ethereum"))) == "https://eth.example/rpc"


def test_settings_page_sets_the_auto_lock_minutes(qtbot, store):
    from app.wallets import AUTO_LOCK_SETTING, DEFAULT_AUTO_LOCK_MINUTES

    page = SettingsPage(store, store.home, "demo")
    qtbot.addWidget(page)
    assert page.auto_lock.value() == DEFAULT_AUTO_LOCK_MINUTES
    page.auto_lock.setValue(15)
    assert store.get_setting(AUTO_LOCK_SETTING) == 15


def test_settings_page_sets_the_platform_fee(qtbot, store, shown_boxes):
    page = SettingsPage(store, store.home, "demo")
    qtbot.addWidget(page)
    page.fee_bps.setValue(25)
    page.save_platform_fee()  # no recipient: refused
    assert shown_boxes and "recipient" in shown_boxes[0][2] and store.get_setting("platform_fee_bps") is None
    page.fee_recipient.setText("0x000000000000000000000000000000000000dead")
    page.save_platform_fee()  # a burn address: refused
    assert "burn" in shown_boxes[-1][2] and store.get_setting("platform_fee_bps") is None
    page.fee_recipient.setText("0xab5d3b6e954eb4c79ed03732c0f5c90d6a3c00f5")  # typed without checksum
    assert page.fee_recipient_reader.echo.text().startswith(
        "Checksummed: 0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5")
    page.save_platform_fee()
    assert store.get_setting("platform_fee_bps") == 25
    assert store.get_setting("platform_fee_recipient") == "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"


def test_settings_page_chooses_the_price_source(qtbot, store):
    page = SettingsPage(store, store.home, "demo")
    qtbot.addWidget(page)
    assert page.price_source.currentData() == "onchain"
    page.price_source.setCurrentIndex(page.price_source.findData("coingecko"))
    assert store.get_setting("portfolio.price_source") == "coingecko"
    again = SettingsPage(store, store.home, "demo")
    qtbot.addWidget(again)
    assert again.price_source.currentData() == "coingecko"


def test_offline_opens_the_window_without_starting_or_probing_a_chain(qtbot, tmp_path):
    home = tmp_path / "offline"
    with Store.open(home) as store:
        launcher = Launcher(home, get_network("demo"), store, poll_interval_ms=200, offline=True)
        launcher.begin()
        assert launcher.window is not None and launcher.dialog is None  # at once, no start-up dialog
        qtbot.addWidget(launcher.window)
        try:
            bar = launcher.window.status_bar
            assert bar.state == "offline" and "stored data only" in bar.state_label.text()
            assert launcher.window.poller is None
            qtbot.wait(300)  # a poll interval: nothing connects meanwhile
            assert bar.state == "offline"
            assert launcher.context is not None and launcher.context.session is None
            assert not Devnet(home).status().running and not (home / "devnet" / "state.json").exists()
        finally:
            launcher.window.close()
            launcher.shutdown()

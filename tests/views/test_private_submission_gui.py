"""The private submission RPC in the GUI: Settings keeps one per network (validated, explained,
cleared by emptying it), and an index buy signed in the GUI then goes through the relay (a real
local JSON-RPC server forwarding to the devnet), saying so in the signing summary."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.store import Store
from app.tx.submission import submit_rpc_key
from tests.support.rpc_proxy import RpcProxy
from tests.views.test_index_page import add_demo_account, confirm_and_unlock, make_page
from views.dialogs.signing_dialog import SigningDialog
from views.pages.settings_page import SettingsPage


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home") as opened:
        yield opened


def settings(qtbot, store, network="ethereum") -> SettingsPage:
    page = SettingsPage(store, store.home, network)
    qtbot.addWidget(page)
    return page


def test_settings_saves_validates_and_clears_it_per_network(qtbot, store, shown_boxes):
    page = settings(qtbot, store)
    assert "sandwich" in page.submit_note.text() and "nothing is sent the public way" in page.submit_note.text()
    page.submit_edit.setText("http://rpc.flashbots.net")  # plain http to another machine
    page.save_submit_rpc()
    assert shown_boxes and "https://" in shown_boxes[0][2]
    assert store.get_setting(submit_rpc_key("ethereum")) is None
    page.submit_edit.setText("  https://rpc.flashbots.net ")
    page.save_submit_rpc()
    assert store.get_setting(submit_rpc_key("ethereum")) == "https://rpc.flashbots.net"
    assert page.submit_edit.text() == "https://rpc.flashbots.net"
    assert "privately to https://rpc.flashbots.net" in page.feedback.text()

    page.network_box.setCurrentIndex(page.network_box.findData("base"))  # another network: its own
    assert page.submit_edit.text() == ""
    page.network_box.setCurrentIndex(page.network_box.findData("ethereum"))
    assert page.submit_edit.text() == "https://rpc.flashbots.net"
    assert settings(qtbot, store).submit_edit.text() == "https://rpc.flashbots.net"  # kept

    page.submit_edit.setText("")
    page.save_submit_rpc()
    assert store.get_setting(submit_rpc_key("ethereum")) is None and "public mempool" in page.feedback.text()


def test_a_gui_index_buy_goes_through_the_relay(qtbot, wallet_context, wallet_service, demo_key, devnet,
                                                answerer):
    add_demo_account(wallet_context, wallet_service, demo_key[1])
    with RpcProxy(devnet.rpc_url) as relay:
        prefs = settings(qtbot, wallet_context.store, "demo")
        prefs.submit_edit.setText(relay.url)
        prefs.save_submit_rpc()  # the open session reads it at the next send: no reconnect
        page = make_page(qtbot, wallet_context, freshness_ms=60_000)
        page.amount_edit.setText("1")
        with qtbot.waitSignal(page.preview_ready, timeout=30_000):
            qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
        summaries = []
        answerer.on(SigningDialog, lambda d: (summaries.append(d.summary), d.confirm_button.click()))
        confirm_and_unlock(answerer)
        with qtbot.waitSignal(page.bought, timeout=60_000) as blocker:
            qtbot.mouseClick(page.buy_button, Qt.MouseButton.LeftButton)
        result = blocker.args[0]
        assert result.realised["status"] == "confirmed"
        assert relay.raw_transactions == [result.entries[-1].signed_raw]
        assert set(relay.methods) == {"eth_sendRawTransaction"}
    assert any(n.startswith("Sent privately via 127.0.0.1") for n in summaries[-1].notes)

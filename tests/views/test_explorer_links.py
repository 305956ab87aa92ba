"""Hashes and addresses in the activity details are explorer links on a network with an
explorer (clicking opens the browser through QDesktopServices), plain text on the demo one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from app.networks import get_network
from app.portfolio.activity import ActivityItem
from views.widgets.activity_details import ActivityDetails

TX = "0x" + "5e" * 32
SENDER = "0x00000000000000000000000000000000000bA5e1"
RECIPIENT = "0x000000000000000000000000000000000000bEEF"


class UrlCatcher(QObject):
    """Registered with QDesktopServices for https: what the app would open in the browser."""

    def __init__(self):
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser():
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("https", catcher, "open")
    yield catcher
    QDesktopServices.unsetUrlHandler("https")


def item() -> ActivityItem:
    return ActivityItem("external", TX, "external", "confirmed", 1_700_000_000, SENDER, RECIPIENT,
                        block=12, gas_used=21_000, fee=Decimal("0.000021"))


def test_polygon_details_link_the_hash_and_addresses_and_name_pol(qtbot, browser):
    details = ActivityDetails(get_network("polygon"))
    qtbot.addWidget(details)
    details.show_item(item())
    assert f'href="https://polygonscan.com/tx/{TX}"' in details.hash_label.text()
    assert f'href="https://polygonscan.com/address/{SENDER}"' in details.parties_label.text()
    assert f'href="https://polygonscan.com/address/{RECIPIENT}"' in details.parties_label.text()
    assert "Open in explorer" in details.hash_label.toolTip()
    assert details.gas_label.text() == "21,000 gas · 0.000021 POL paid"
    details.hash_label.linkActivated.emit(f"https://polygonscan.com/tx/{TX}")  # what a click emits
    assert browser.opened == [f"https://polygonscan.com/tx/{TX}"]


def test_demo_details_show_plain_text(qtbot, browser):
    details = ActivityDetails(get_network("demo"))
    qtbot.addWidget(details)
    details.show_item(item())
    assert details.hash_label.text() == TX and "href" not in details.parties_label.text()
    assert details.parties_label.text() == f"{SENDER} → {RECIPIENT}"
    assert details.gas_label.text().endswith("ETH paid")
    details.show_item(None)
    assert details.hash_label.text() == ""

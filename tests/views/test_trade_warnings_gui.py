"""Warnings in the GUI on the real devnet: the Index page lists a preview's warnings coloured by
level, and a price impact of 5% or more keeps Buy disabled until the box naming it is ticked
(then the buy goes through, the warning in the signing summary); a vault deposit with a 6%
slippage tolerance shows its warning."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from app.index.split import SPLIT_ROUTES_SETTING
from tests.views.test_index_page import add_demo_account, confirm_and_unlock, make_page
from tests.views.test_vaults_page import USDC_VAULT, select
from tests.views.test_vaults_page import make_page as make_vaults_page
from tests.views.test_vaults_page import preview as vault_preview
from views.dialogs.signing_dialog import SigningDialog
from views.widgets.trade_warnings_view import LEVEL_COLORS

GRT_ONLY = {"name": "GRT only", "description": "the shallowest demo token", "weighting": "fixed",
            "constituents": [{"token": "GRT", "weight": 1}]}


@pytest.fixture
def demo_address(wallet_context, wallet_service, demo_key, chain) -> str:
    address = add_demo_account(wallet_context, wallet_service, demo_key[1])
    chain.rpc("anvil_setBalance", [address, hex(2_000 * 10**18)])
    return address


@pytest.fixture
def page(qtbot, wallet_context, demo_address, tmp_path):
    # one route per leg: the amounts below cross 1% / 5% on GRT's deepest pool alone (split
    # routing would spread them and lower the impact: tests/app/test_index_split.py)
    wallet_context.store.set_setting(SPLIT_ROUTES_SETTING, False)
    page = make_page(qtbot, wallet_context, freshness_ms=60_000)
    path = tmp_path / "grt.json"
    path.write_text(json.dumps(GRT_ONLY))
    assert page.add_basket_file(path)
    return page


def quote(qtbot, page, amount: str):
    page.amount_edit.setText(amount)
    with qtbot.waitSignal(page.preview_ready, timeout=30_000) as blocker:
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_a_low_impact_warns_without_blocking(qtbot, page):
    plan = quote(qtbot, page, "45")
    view = page.warnings_view
    assert [w["code"] for w in plan.preview.warnings] == ["impact_low"]
    assert view.isVisible() and len(view.labels) == 1 and not view.accept_box.isVisible()
    assert view.labels[0].text().startswith("Warning: GRT: price impact 1.")
    assert LEVEL_COLORS["warn"] in view.labels[0].styleSheet()
    assert page.buy_button.isEnabled(), page.buy_button.toolTip()


def test_five_percent_impact_needs_the_box_ticked_before_buy(qtbot, page, wallet_context, answerer):
    plan = quote(qtbot, page, "260")
    view = page.warnings_view
    assert [w["level"] for w in plan.preview.warnings] == ["confirm"]
    assert view.labels[0].text().startswith("Confirm: GRT: price impact")
    assert LEVEL_COLORS["confirm"] in view.labels[0].styleSheet()
    assert view.accept_box.isVisible() and "GRT" in view.accept_box.text() and "%" in view.accept_box.text()
    assert not page.buy_button.isEnabled()
    assert "confirmation" in page.buy_button.toolTip() and "tick the box" in page.buy_hint.text()
    qtbot.mouseClick(page.buy_button, Qt.MouseButton.LeftButton)  # disabled: nothing happens
    assert wallet_context.journal.entries() == []

    view.accept_box.setChecked(True)
    assert page.buy_button.isEnabled(), page.buy_button.toolTip()
    view.accept_box.setChecked(False)
    assert not page.buy_button.isEnabled()
    view.accept_box.setChecked(True)

    summaries = []
    answerer.on(SigningDialog, lambda d: (summaries.append(d.summary), d.confirm_button.click()))
    confirm_and_unlock(answerer)
    with qtbot.waitSignal(page.bought, timeout=60_000) as blocker:
        qtbot.mouseClick(page.buy_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].realised["status"] == "confirmed"
    assert any(text.startswith("Confirmed by you: GRT: price impact") for text in summaries[-1].warnings)
    assert not view.isVisible() and not view.accept_box.isVisible()  # spent: the plan is dropped


def test_a_new_preview_unticks_the_box(qtbot, page):
    quote(qtbot, page, "260")
    page.warnings_view.accept_box.setChecked(True)
    page.amount_edit.setText("270")
    quote(qtbot, page, "270")
    assert page.warnings_view.accept_box.isVisible() and not page.warnings_view.accept_box.isChecked()
    assert not page.buy_button.isEnabled()


def test_the_vault_deposit_dialog_shows_a_slippage_warning(qtbot, wallet_context, demo_address):
    vaults = make_vaults_page(qtbot, wallet_context)
    qtbot.waitUntil(lambda: vaults.model.rowCount() > 0 and not vaults.loading, timeout=30_000)
    select(vaults, USDC_VAULT)
    dialog = vaults.open_deposit()
    dialog.amount_edit.setText("100")
    dialog.slippage_edit.setText("6")
    plan = vault_preview(qtbot, dialog)
    # (the empty demo vault's "first_deposit" flag has its own box: app/vaults/share_price_guard.py)
    assert [w["code"] for w in plan.preview["warnings"] if w["code"] != "first_deposit"] == ["slippage_high"]
    view = dialog.warnings_view
    assert view.isVisible() and view.labels[0].text().startswith("Warning: slippage tolerance 6%")
    assert dialog.action_button.isEnabled(), dialog.action_button.toolTip()  # a warning does not block
    dialog.slippage_edit.setText("0.5")
    plan = vault_preview(qtbot, dialog)
    assert [w["code"] for w in plan.preview["warnings"]] == ["first_deposit"] and not view.isVisible()
    dialog.reject()

"""The Vaults page on the real devnet: the three demo vaults listed (read on a worker); deposit
1,000 USDC from the dialog (approval, then deposit: one signing dialog each) and receive the
expected shares; 30 days of chain time later the position has accrued yield and the APY a
value; withdraw everything with a realised yield; a non-vault address and a deposit above the
balance are refused with a clear message and nothing is sent."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from app.devnet.clock import advance_time
from app.vaults.fees import NONE_TEXT
from tests.views.test_index_page import add_demo_account, confirm_and_unlock
from views.dialogs.vault_deposit_dialog import VaultDepositDialog
from views.dialogs.vault_withdraw_dialog import VaultWithdrawDialog
from views.models.vaults_model import (
    NOT_DISCLOSED,
    NOT_ENOUGH_HISTORY,
    VaultsModel,
    apy_text,
    fees_text,
)
from views.pages.vaults_page import VaultsPage

DAY = 24 * 3600
USDC_VAULT = "Demo USDC Vault"


def make_page(qtbot, context) -> VaultsPage:
    page = VaultsPage(context)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitExposed(page)
    return page


def refresh(qtbot, page: VaultsPage) -> list:
    qtbot.waitUntil(lambda: not page.loading, timeout=30_000)
    with qtbot.waitSignal(page.loaded, timeout=30_000) as blocker:
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


@pytest.fixture
def demo_address(wallet_context, wallet_service, demo_key) -> str:
    return add_demo_account(wallet_context, wallet_service, demo_key[1])


@pytest.fixture
def page(qtbot, wallet_context, demo_address) -> VaultsPage:
    page = make_page(qtbot, wallet_context)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.loading, timeout=30_000)
    return page


def row_of(page: VaultsPage, name: str) -> int:
    return next(r for r in range(page.model.rowCount()) if page.model.row(r).name == name)


def select(page: VaultsPage, name: str) -> None:
    page.table.selectRow(row_of(page, name))


def preview(qtbot, dialog) -> object:
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000) as blocker:
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def execute(qtbot, dialog) -> dict:
    assert dialog.action_button.isEnabled(), dialog.action_button.toolTip()
    with qtbot.waitSignal(dialog.completed, timeout=60_000) as blocker:
        qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_the_page_lists_the_three_demo_vaults(page):
    model = page.model
    assert [model.row(r).name for r in range(model.rowCount())] == \
        ["Demo USDC Vault", "Demo WETH Vault", "Demo WBTC Vault"]
    assert [model.text(r, VaultsModel.ASSET) for r in range(3)] == ["USDC", "WETH", "WBTC"]
    for r in range(3):
        assert model.text(r, VaultsModel.APY) == NOT_ENOUGH_HISTORY  # one sample so far
        assert model.text(r, VaultsModel.FEES) == NONE_TEXT  # measured: previewDeposit = convertToShares
        assert model.text(r, VaultsModel.TVL).endswith(model.text(r, VaultsModel.ASSET))
        assert model.text(r, VaultsModel.SHARES) == "—"
    assert "24 h" in model.data(model.index(0, VaultsModel.APY), Qt.ItemDataRole.ToolTipRole) \
        or "samples" in model.data(model.index(0, VaultsModel.APY), Qt.ItemDataRole.ToolTipRole)
    assert not page.deposit_button.isEnabled() and "Select a vault" in page.deposit_button.toolTip()
    select(page, USDC_VAULT)
    assert page.deposit_button.isEnabled()
    assert not page.withdraw_button.isEnabled() and "no shares" in page.withdraw_button.toolTip()


def test_deposit_accrue_for_30_days_then_withdraw_everything(qtbot, page, wallet_context, chain, answerer):
    confirm_and_unlock(answerer)
    select(page, USDC_VAULT)
    dialog = page.open_deposit()
    assert isinstance(dialog, VaultDepositDialog) and dialog.isVisible()
    dialog.amount_edit.setText("1000")
    plan = preview(qtbot, dialog)
    p = plan.preview
    assert plan.kinds == ["approve", "vault_deposit"]
    assert dialog.text("expected_shares").startswith(f"{Decimal(p['expected_shares']):,}".rstrip("0").rstrip("."))
    assert dialog.text("expected_shares").endswith("dvUSDC")
    assert "0.5% slippage" in dialog.text("min_shares")
    assert dialog.text("share_price").endswith("USDC per share")
    assert dialog.text("limits") == "no deposit limit"  # the demo vault: maxDeposit = 2**256 - 1
    assert dialog.text("fees") == NONE_TEXT
    assert dialog.text("apy") == NOT_ENOUGH_HISTORY
    assert "ETH ($" in dialog.text("network_fee") and "gas" in dialog.text("network_fee")
    assert dialog.pnl_note.text().startswith("No projection: not enough history")
    assert "two transactions" in dialog.stage.text()

    realised = execute(qtbot, dialog)
    assert answerer.seen == ["UnlockDialog", "SigningDialog", "SigningDialog"]
    assert realised["status"] == "confirmed"
    assert realised["shares_received"] == realised["expected_shares"] == p["expected_shares"]
    assert Decimal(realised["assets_paid"]) == 1000
    assert dialog.text("shares_received").startswith(
        f"{dialog.text('expected_shares').split()[0]} dvUSDC (expected {dialog.text('expected_shares').split()[0]}")
    assert not dialog.action_button.isEnabled()  # spent
    assert [(e.kind, e.status) for e in wallet_context.journal.entries()] == \
        [("vault_deposit", "confirmed"), ("approve", "confirmed")]
    dialog.close_button.click()

    # the page re-reads after the deposit: the position is there, no yield yet
    qtbot.waitUntil(lambda: page.model.row(row_of(page, USDC_VAULT)).has_shares and not page.loading,
                    timeout=30_000)
    row = row_of(page, USDC_VAULT)
    assert page.model.text(row, VaultsModel.VALUE).startswith("999.99") or \
        page.model.text(row, VaultsModel.VALUE).startswith("1,000")

    # 30 days of chain time, in two steps so the APY window holds two samples a day or more apart
    advance_time(chain, 15 * DAY)
    refresh(qtbot, page)
    advance_time(chain, 15 * DAY)
    refresh(qtbot, page)
    row = row_of(page, USDC_VAULT)
    vault_row = page.model.row(row)
    assert Decimal(vault_row.position["accrued_yield"]) > 0
    assert page.model.text(row, VaultsModel.YIELD).startswith("+")
    assert page.model.text(row, VaultsModel.YIELD).endswith("USDC")
    apy = page.model.text(row, VaultsModel.APY)
    assert re.fullmatch(r"\d+\.\d\d% over \d+\.\d days", apy), apy
    assert 4 < Decimal(vault_row.apy["value_pct"]) < 6  # the demo vault pays 4.8%

    # withdraw everything
    select(page, USDC_VAULT)
    assert page.withdraw_button.isEnabled(), page.withdraw_button.toolTip()
    answerer.seen.clear()
    dialog = page.open_withdraw()
    assert isinstance(dialog, VaultWithdrawDialog)
    assert not dialog.available_box.isEnabled()  # only with Withdraw everything
    dialog.all_box.setChecked(True)
    assert not dialog.amount_edit.isEnabled() and dialog.available_box.isEnabled()
    plan = preview(qtbot, dialog)
    assert dialog.text("available").startswith("all of it (")  # the demo vault pays out everything now
    assert plan.all_shares and plan.kinds == ["vault_withdraw"]
    assert "(every share)" in dialog.text("shares")
    assert dialog.text("accrued_yield").startswith("+")
    assert dialog.text("limits").startswith("withdraw at most")
    realised = execute(qtbot, dialog)
    assert answerer.seen == ["SigningDialog"]  # the key is still unlocked
    assert realised["status"] == "confirmed"
    assert Decimal(realised["assets_received"]) > 1000
    assert Decimal(realised["realized_yield"]) > 0
    assert Decimal(realised["cost_basis"]) == 1000
    assert dialog.text("assets_received").endswith("USDC")
    assert dialog.text("realized_yield").startswith("+") and dialog.text("realized_yield").endswith("USDC")
    assert dialog.text("result_cost_basis") == "1,000 USDC (FIFO)"  # the saved cost-basis method (default)
    dialog.close_button.click()
    qtbot.waitUntil(lambda: not page.model.row(row_of(page, USDC_VAULT)).has_shares and not page.loading,
                    timeout=30_000)


def test_adding_an_address_that_is_not_a_vault_is_refused(qtbot, page, wallet_context):
    usdc = wallet_context.session.token("USDC").address
    page.address_asker = lambda: usdc
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.error.isVisible() and not page.busy, timeout=20_000)
    assert "is not an ERC-4626 vault" in page.error.text()
    assert page.model.rowCount() == 3


def test_adding_a_vault_by_address_selects_it(qtbot, page):
    address = page.model.row(2).address
    with qtbot.waitSignal(page.vault_added, timeout=20_000):
        page.add_vault(address.lower())
    assert page.model.rowCount() == 3 and page.selected_row().address == address
    assert not page.error.isVisible()


def test_a_deposit_above_the_balance_is_refused_and_nothing_sent(qtbot, page, wallet_context, demo_address,
                                                                 chain, answerer):
    confirm_and_unlock(answerer)
    nonce = chain.rpc("eth_getTransactionCount", [demo_address, "latest"])
    select(page, USDC_VAULT)
    dialog = page.open_deposit()
    dialog.amount_edit.setText("1000000000")
    qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.error.isVisible(), timeout=20_000)
    assert "is above the balance" in dialog.error.text()
    assert not dialog.preview_box.isVisible()
    assert not dialog.action_button.isEnabled() and "Preview first" in dialog.action_button.toolTip()
    dialog.execute()  # even asked directly: nothing to send
    qtbot.wait(100)
    assert answerer.seen == []
    assert wallet_context.journal.entries() == []
    assert chain.rpc("eth_getTransactionCount", [demo_address, "latest"]) == nonce
    dialog.close_button.click()


def test_offline_the_page_explains_and_disables(qtbot, offline_context, wallet_service, demo_key):
    add_demo_account(offline_context, wallet_service, demo_key[1])
    page = make_page(qtbot, offline_context)
    assert page.state_label.text().startswith("Offline")
    for button in (page.refresh_button, page.add_button, page.deposit_button, page.withdraw_button):
        assert not button.isEnabled() and "Offline" in button.toolTip()
    assert page.model.rowCount() == 0 and page.open_deposit() is None


def test_without_a_context_the_page_is_disabled(qtbot):
    page = VaultsPage()
    qtbot.addWidget(page)
    assert not page.isEnabled() and page.title_label.text() == "Vaults"


def test_apy_and_fees_in_words():
    assert apy_text({"value_pct": "4.92", "window_days": "2.00", "samples": 3, "note": None}) == \
        "4.92% over 2.0 days"
    assert apy_text({"value_pct": None, "window_days": "0.10", "samples": 2, "note": "x"}) == NOT_ENOUGH_HISTORY
    assert fees_text({}) == NOT_DISCLOSED and fees_text("not disclosed on-chain") == NOT_DISCLOSED
    assert fees_text({"performanceFee": "10%"}) == "performanceFee 10%"

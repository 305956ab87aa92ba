"""The deposit dialog against the donation front-run and with fees (real devnet, real vaults):
the plan previewed is checked right before sending (a front-run after the preview refuses,
nothing signed); a flagged share price is shown in red and needs the box ticked; a deposit with
no minimum is refused; an ERC4626Fees-style vault shows its measured fees in the dialog and on
the page."""

from __future__ import annotations

from eth_account import Account
from PySide6.QtCore import Qt

from app.quote_binding import QuoteMoved
from tests.support.attack_vaults import balance_of, deploy_vault, front_run, usdc
from tests.views.test_index_page import add_demo_account, confirm_and_unlock
from tests.views.test_vaults_page import make_page, preview
from views.dialogs.vault_deposit_dialog import VaultDepositDialog
from views.errors import error_message
from views.models.vaults_model import VaultsModel


def open_dialog(qtbot, context, vault: str) -> VaultDepositDialog:
    dialog = VaultDepositDialog(context, vault, "Test vault", "USDC")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.amount_edit.setText("1000")
    return dialog


def test_a_front_run_after_the_preview_is_refused_before_anything_is_signed(
        qtbot, wallet_context, wallet_service, demo_key, chain, deployment, answerer):
    user = add_demo_account(wallet_context, wallet_service, demo_key[1])
    confirm_and_unlock(answerer)
    vault, token = deploy_vault(chain, deployment, "SolmateTestVault"), usdc(deployment)
    dialog = open_dialog(qtbot, wallet_context, vault)
    plan = preview(qtbot, dialog)
    assert plan.preview["expected_shares"] == "1000"
    assert dialog.flags_label.isVisible() and "first deposit" in dialog.flags_label.text()
    assert not dialog.accept_box.isVisible() and dialog.action_button.isEnabled()
    front_run(chain, deployment, vault)
    before = balance_of(chain, token, user)
    qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.error.isVisible(), timeout=30_000)
    assert "since the preview, past your 0.5% tolerance: nothing sent; preview again" in dialog.error.text()
    assert answerer.seen == ["UnlockDialog"]  # no signing dialog: nothing signed
    assert wallet_context.journal.entries() == [] and balance_of(chain, token, user) == before


def test_a_flagged_share_price_needs_the_box_and_no_minimum_is_never_sent(
        qtbot, wallet_context, wallet_service, demo_key, chain, deployment, answerer):
    user = add_demo_account(wallet_context, wallet_service, demo_key[1])
    confirm_and_unlock(answerer)
    vault, token = deploy_vault(chain, deployment, "SolmateTestVault"), usdc(deployment)
    dialog = open_dialog(qtbot, wallet_context, vault)
    preview(qtbot, dialog)  # a share-price sample before the attack: the history
    front_run(chain, deployment, vault)
    preview(qtbot, dialog)
    flags = dialog.flags_label.text()
    assert "less than one share" in flags and "donation front-run" in flags and "share units" in flags
    assert dialog.flags_label.isVisible() and dialog.accept_box.isVisible() and not dialog.accept_box.isChecked()
    assert not dialog.action_button.isEnabled() and "tick the box" in dialog.action_button.toolTip()
    dialog.accept_box.setChecked(True)
    assert dialog.action_button.isEnabled()
    before = balance_of(chain, token, user)
    qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)  # 1 share expected, minimum 0
    qtbot.waitUntil(lambda: not dialog.busy and dialog.error.isVisible(), timeout=30_000)
    assert "minimum shares are 0" in dialog.error.text() and "nothing sent" in dialog.error.text()
    assert wallet_context.journal.entries() == [] and balance_of(chain, token, user) == before


def test_fees_are_shown_in_the_dialog_and_on_the_page(qtbot, wallet_context, wallet_service, demo_key, chain,
                                                      deployment):
    add_demo_account(wallet_context, wallet_service, demo_key[1])
    vault = deploy_vault(chain, deployment, "FeeTestVault", 100, 50, Account.create().address)
    dialog = open_dialog(qtbot, wallet_context, vault)
    preview(qtbot, dialog)
    assert dialog.text("fees").startswith("entry 0.99% (previewDeposit below convertToShares); exit 0.5%")
    dialog.close()
    page = make_page(qtbot, wallet_context)
    qtbot.waitUntil(lambda: not page.loading, timeout=30_000)
    with qtbot.waitSignal(page.vault_added, timeout=30_000):
        page.add_vault(vault)
    row = page.model.row_of(vault)
    assert page.model.text(row, VaultsModel.FEES).startswith("entry 0.99%")


def test_guard_errors_have_a_title_that_says_what_happened():
    title, text, _details = error_message(QuoteMoved("the share price moved 5% since quote 3"))
    assert title == "The price moved since the quote" and text.startswith("the share price moved")

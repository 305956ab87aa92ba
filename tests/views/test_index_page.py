"""The Index page on the real devnet: preview Top 10 (legs table, fees, P&L, one tx vs N), buy
with ETH (one signing dialog) and with USDC (approval, then the swap: two), see what each leg
received on the page and on chain; bad input, stale quotes and a rejection send nothing; the
window keeps ticking while a slow RPC quotes. Dialogs are answered by a timer, as a user would."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from PySide6.QtCore import Qt, QTimer

from tests.support.rpc_proxy import RpcProxy
from tests.views.conftest import PASSWORD, make_context
from views.dialogs.signing_dialog import SigningDialog
from views.dialogs.unlock_dialog import UnlockDialog
from views.formatting import format_amount
from views.models.legs_model import LegsModel, RealisedLegsModel
from views.pages.index_page import FROM_FILE, IndexPage
from views.widgets.common import MUTED_COLOR

_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def erc20_balance(chain, token: str, owner: str) -> int:
    data = _BALANCE_OF + encode(["address"], [owner])
    return int.from_bytes(chain.call({"to": token, "data": "0x" + data.hex()}), "big")


def add_demo_account(context, service, key: str, label: str = "Demo") -> str:
    """The devnet's funded account (anvil's public test mnemonic, index 1), imported by its key
    into the real Secret Service, and made the active one."""
    record = service.import_private_key(label, key, PASSWORD)
    context.set_active(record.label)
    return record.address


def confirm_and_unlock(answerer) -> None:
    answerer.on(SigningDialog, lambda d: d.confirm_button.click())

    def unlock(dialog: UnlockDialog) -> None:
        dialog.password_edit.setText(PASSWORD)
        dialog.ok_button.click()

    answerer.on(UnlockDialog, unlock)


def make_page(qtbot, context, **kwargs) -> IndexPage:
    page = IndexPage(context, **kwargs)
    qtbot.addWidget(page)
    page.resize(1000, 720)
    page.show()
    qtbot.waitExposed(page)
    return page


@pytest.fixture
def demo_address(wallet_context, wallet_service, demo_key) -> str:
    return add_demo_account(wallet_context, wallet_service, demo_key[1])


@pytest.fixture
def page(qtbot, wallet_context, demo_address) -> IndexPage:
    return make_page(qtbot, wallet_context, freshness_ms=100)


def fill(page: IndexPage, amount: str, pay: str = "ETH", basket: str = "Top 10",
         slippage: str = "0.5") -> None:
    page.select_basket(basket)
    page.amount_edit.setText(amount)
    page.pay_box.setCurrentText(pay)
    page.slippage_edit.setText(slippage)


def preview(qtbot, page: IndexPage, amount: str, pay: str = "ETH", basket: str = "Top 10",
            slippage: str = "0.5"):
    fill(page, amount, pay, basket, slippage)
    with qtbot.waitSignal(page.preview_ready, timeout=30_000) as blocker:
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def buy(qtbot, page: IndexPage):
    assert page.buy_button.isEnabled(), page.buy_button.toolTip()
    with qtbot.waitSignal(page.bought, timeout=60_000) as blocker:
        qtbot.mouseClick(page.buy_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def check_received(chain, address: str, plan, model: RealisedLegsModel, before: dict[str, int],
                   exact: bool) -> None:
    """Every leg, on the page and on chain: received >= minimum, received == what the exact
    transaction's simulation delivered, and with ``exact`` (nothing moved in between, no two
    legs through one pool) == expected."""
    bought = [leg for leg in plan.legs if leg.quote is not None]
    simulated = {leg["symbol"]: Decimal(leg["simulated_out"]) for leg in plan.preview.to_json()["legs"]
                 if not leg["skipped"]}
    assert model.rowCount() == len(bought)
    for row, leg in enumerate(bought):
        shown = model.leg(row)
        assert shown["symbol"] == leg.symbol
        received = model.data(model.index(row, RealisedLegsModel.RECEIVED), Qt.ItemDataRole.UserRole)
        expected = model.data(model.index(row, RealisedLegsModel.EXPECTED), Qt.ItemDataRole.UserRole)
        minimum = model.data(model.index(row, RealisedLegsModel.MINIMUM), Qt.ItemDataRole.UserRole)
        assert received >= minimum > 0, leg.symbol
        assert received == simulated[leg.symbol], leg.symbol
        # "expected" is the exact transaction's simulated amount: nothing moved, so it is realised
        assert expected == simulated[leg.symbol], leg.symbol
        assert received == expected, leg.symbol
        assert Decimal(shown["realized_slippage_bps"]) == 0
        if exact:  # one pool per leg (ETH): the independent quote is exact too
            assert expected * 10**leg.decimals == leg.quote.amount_out
        assert erc20_balance(chain, leg.address, address) - before[leg.address] == received * 10**leg.decimals
        assert model.text(row, RealisedLegsModel.RECEIVED) == format_amount(received)
        assert model.data(model.index(row, RealisedLegsModel.RECEIVED),
                          Qt.ItemDataRole.ToolTipRole).startswith(shown["received"])


# --- the main path -----------------------------------------------------------------------------
def test_preview_top10_with_one_eth_then_buy(qtbot, page, wallet_context, demo_address, chain, answerer):
    plan = preview(qtbot, page, "1")
    model = page.model
    assert model.rowCount() == 10
    assert abs(model.weight_total() - 1) < Decimal("0.001")
    assert [model.text(row, LegsModel.SYMBOL) for row in range(10)][:2] == ["WBTC", "WETH"]
    assert model.headerData(LegsModel.AMOUNT_IN, Qt.Orientation.Horizontal) == "Pay (ETH)"
    assert model.text(0, LegsModel.WEIGHT) == "25.00%"
    # numbers right-aligned, shortened in the cell, exact in the tooltip
    for column in (LegsModel.WEIGHT, LegsModel.AMOUNT_IN, LegsModel.EXPECTED, LegsModel.MINIMUM,
                   LegsModel.IMPACT, LegsModel.LP_FEE):
        assert model.data(model.index(2, column), Qt.ItemDataRole.TextAlignmentRole) == RIGHT
    legs = plan.preview.to_json()["legs"]
    for row, leg in enumerate(legs):
        assert model.text(row, LegsModel.EXPECTED) == format_amount(leg["expected_out"])
        assert model.data(model.index(row, LegsModel.EXPECTED),
                          Qt.ItemDataRole.ToolTipRole).startswith(f"{leg['expected_out']} {leg['symbol']}")
        assert model.data(model.index(row, LegsModel.MINIMUM), Qt.ItemDataRole.UserRole) \
            == Decimal(leg["min_out"])
    decimals = [len(model.text(row, LegsModel.EXPECTED).partition(".")[2]) for row in range(10)]
    assert max(decimals) <= 9  # never 18 digits in a cell (6 significant, after leading zeros)

    panel, p = page.panel, plan.preview.to_json()
    assert panel.text("network_fee").endswith(f"(${Decimal(p['network_fee']['usd']):,.2f})")
    assert "ETH" in panel.text("network_fee") and "gwei" in panel.text("gas")
    assert panel.text("cost") == f"${Decimal(p['pnl_preview']['cost_usd']):,.2f}"
    assert panel.text("expected_value").startswith("$")
    assert panel.text("immediate").startswith(("−$", "+$", "$"))
    assert panel.text("break_even").endswith("%")
    assert panel.separate_box.title() == "One transaction vs 10 separate swaps"
    assert f"{p['vs_separate']['one_tx_gas']:,} gas" == panel.text("one_tx_gas")
    assert p["vs_separate"]["saved_gas"] > 0 and panel.text("saving").startswith(p["vs_separate"]["saved_pct"])
    assert "$" in panel.text("saving")
    assert panel.simulation_label.text().startswith("✓") and panel.simulation_ok
    assert f"block {plan.block:,}" in panel.quote_label.text() and not panel.stale
    assert page.buy_button.isEnabled(), page.buy_button.toolTip()

    before = {leg.address: erc20_balance(chain, leg.address, demo_address) for leg in plan.legs}
    confirm_and_unlock(answerer)
    result = buy(qtbot, page)
    assert answerer.seen == ["UnlockDialog", "SigningDialog"]
    assert result.realised["status"] == "confirmed"
    view = page.result_view
    assert page.stack.currentWidget() is view
    assert view.status_label.text() == "confirmed"
    assert view.hash_label.text() == result.entries[-1].tx_hash == result.realised["tx_hash"]
    assert "used" in view.gas_label.text() and "previewed" in view.gas_label.text()
    assert view.summary_label.text().startswith("Every leg received at least its minimum")
    check_received(chain, demo_address, plan, view.model, before, exact=True)
    entries = wallet_context.journal.entries()
    assert [(e.kind, e.status) for e in entries] == [("index_buy", "confirmed")]
    # spent: buying again needs a new preview
    assert not page.buy_button.isEnabled() and page.plan is None


def test_buy_with_500_usdc_approval_then_swap(qtbot, page, wallet_context, demo_address, chain, answerer):
    usdc = wallet_context.session.token("USDC")
    plan = preview(qtbot, page, "500", pay="USDC")
    assert plan.kinds == ["approve", "index_buy"]
    assert page.model.headerData(LegsModel.AMOUNT_IN, Qt.Orientation.Horizontal) == "Pay (USDC)"
    assert "approval" in page.panel.values["gas"].toolTip()
    assert "two transactions" in page.stage.text()
    summaries, shown = [], []
    answerer.on(SigningDialog, lambda d: (summaries.append(d.summary), shown.append(
        {key: (label.text(), label.styleSheet()) for key, label in d.fields.items()}), d.confirm_button.click()))
    confirm_and_unlock(answerer)
    usdc_before = erc20_balance(chain, usdc.address, demo_address)
    before = {leg.address: erc20_balance(chain, leg.address, demo_address) for leg in plan.legs}
    result = buy(qtbot, page)
    assert answerer.seen == ["UnlockDialog", "SigningDialog", "SigningDialog"]
    assert summaries[0].method.startswith("approve") and summaries[1].to != summaries[0].to
    # what the dialogs showed: the approval names its spender, the swap one row per leg in USD,
    # the balance changes in red (out) and green (in), the same max fee as the preview
    approve, swap = shown
    assert approve["step_1"][0].startswith("Allow Uniswap SwapRouter02 (0x") and "500 USDC ($500.00)" in approve["step_1"][0]
    assert swap["to"][0].startswith("Uniswap SwapRouter02 (")
    steps = [text for key, (text, _style) in swap.items() if key.startswith("step_")]
    assert len(steps) == len([leg for leg in plan.legs if leg.quote]) and all(" -> at least " in t for t in steps)
    assert all("($" in t for t in steps)
    assert swap["change_1"][0] == "− 500 USDC ($500.00)" and "#c62828" in swap["change_1"][1]
    assert all("#2e7d32" in style for key, (_t, style) in swap.items() if key.startswith("change_") and key != "change_1")
    assert sum(int(s.fee.total_wei) for s in summaries) == int(plan.preview.network_fee["max_wei"])
    assert swap["max_fee"][0] == summaries[1].fee.display and "($" in swap["max_fee"][0]
    assert result.realised["status"] == "confirmed"
    assert usdc_before - erc20_balance(chain, usdc.address, demo_address) == 500 * 10**6
    # legs bought via WETH share the USDC/WETH pool in one transaction: each quote alone is a
    # touch optimistic; the simulation of the exact transaction is what arrives
    check_received(chain, demo_address, plan, page.result_view.model, before, exact=False)
    assert [(e.kind, e.status) for e in wallet_context.journal.entries()] == \
        [("index_buy", "confirmed"), ("approve", "confirmed")]  # newest first
    assert "approval used" in page.result_view.gas_label.text()


# --- refusals ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("amount", "slippage", "message"), [
    ("0", "0.5", "amount must be above zero"),
    ("abc", "0.5", "amount 'abc' is not a number"),
    ("1000000", "0.5", "is above the balance"),
    ("1", "0", "slippage must be above 0%"),
    ("1", "60", "slippage must be at most 50%"),
])
def test_bad_input_shows_a_clear_message_and_sends_nothing(qtbot, page, wallet_context, demo_address,
                                                           chain, answerer, amount, slippage, message):
    nonce = chain.rpc("eth_getTransactionCount", [demo_address, "latest"])
    confirm_and_unlock(answerer)
    fill(page, amount, slippage=slippage)
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.quoting and page.error.isVisible(), timeout=20_000)
    assert message in page.error.text()
    assert page.model.rowCount() == 0 and page.plan is None
    assert not page.buy_button.isEnabled()
    page.buy()  # even asked directly: nothing to buy
    assert page.preview_button.isEnabled() and page.amount_edit.isEnabled()  # correct and retry
    assert answerer.seen == []
    assert wallet_context.journal.entries() == []
    assert chain.rpc("eth_getTransactionCount", [demo_address, "latest"]) == nonce


def test_a_stale_preview_refuses_to_buy_until_a_new_one(qtbot, page, wallet_context, chain, answerer):
    plan = preview(qtbot, page, "0.5")
    assert page.buy_button.isEnabled()
    chain.rpc("anvil_mine", ["0x5"])
    qtbot.waitUntil(lambda: page.stale, timeout=10_000)  # the page's own block check
    assert not page.buy_button.isEnabled()
    assert "stale" in page.buy_button.toolTip().lower()
    assert page.panel.quote_label.text().startswith("⚠ Stale — refresh")
    assert page.panel.refresh_button.isVisible()
    confirm_and_unlock(answerer)
    page.buy()
    qtbot.wait(200)
    assert answerer.seen == [] and wallet_context.journal.entries() == []

    with qtbot.waitSignal(page.preview_ready, timeout=30_000) as fresh:
        qtbot.mouseClick(page.panel.refresh_button, Qt.MouseButton.LeftButton)
    assert fresh.args[0].block >= plan.block + 5 and not page.stale
    result = buy(qtbot, page)
    assert result.realised["status"] == "confirmed"


def test_stale_quote_at_buy_time_requotes_and_asks_again(qtbot, wallet_context, demo_address, chain,
                                                         answerer):
    page = make_page(qtbot, wallet_context, freshness_ms=600_000)  # the check never runs first
    plan = preview(qtbot, page, "0.5")
    chain.rpc("anvil_mine", ["0x5"])
    confirm_and_unlock(answerer)
    with qtbot.waitSignal(page.preview_ready, timeout=30_000) as requoted:
        qtbot.mouseClick(page.buy_button, Qt.MouseButton.LeftButton)  # StaleQuote -> new preview
    assert requoted.args[0].block > plan.block + 3
    assert "went stale" in page.stage.text()
    assert answerer.seen == ["UnlockDialog"]  # no signing dialog: nothing was signed
    assert wallet_context.journal.entries() == []
    result = buy(qtbot, page)  # the key stays unlocked: only the signing dialog now
    assert answerer.seen == ["UnlockDialog", "SigningDialog"]
    assert result.realised["status"] == "confirmed"


def test_reject_in_the_signing_dialog_sends_nothing(qtbot, page, wallet_context, demo_address, chain,
                                                    answerer):
    preview(qtbot, page, "0.2")
    answerer.on(SigningDialog, lambda d: d.reject_button.click())
    confirm_and_unlock(answerer)
    nonce = chain.rpc("eth_getTransactionCount", [demo_address, "latest"])
    qtbot.mouseClick(page.buy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.stage.text() == "Rejected: nothing was signed or sent.", timeout=20_000)
    assert wallet_context.journal.entries() == []
    assert chain.rpc("eth_getTransactionCount", [demo_address, "latest"]) == nonce
    assert page.buy_button.isEnabled()  # the preview still holds: the user may buy after all


def test_changed_inputs_need_a_new_preview(qtbot, page):
    preview(qtbot, page, "0.3")
    assert page.buy_button.isEnabled()
    page.amount_edit.setText("0.4")
    assert not page.buy_button.isEnabled() and "inputs changed" in page.buy_hint.text()
    page.amount_edit.setText("0.3")
    assert page.buy_button.isEnabled()


def test_watch_only_previews_but_cannot_buy(qtbot, wallet_context, wallet_service, demo_key, chain):
    record = wallet_service.watch("Watched", demo_key[0])
    wallet_context.set_active(record.label)
    page = make_page(qtbot, wallet_context)
    preview(qtbot, page, "0.1")
    assert page.model.rowCount() == 10
    assert not page.buy_button.isEnabled() and "watch-only" in page.buy_button.toolTip()


def test_a_basket_from_a_file(qtbot, page, tmp_path):
    good = tmp_path / "btc_eth.json"
    good.write_text(json.dumps({"name": "My 70/30", "weighting": "fixed", "constituents": [
        {"token": "WBTC", "weight": 0.7}, {"token": "WETH", "weight": 0.3}]}))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "Broken", "weighting": "fixed", "constituents": [
        {"token": "WBTC", "weight": 0.7}, {"token": "NOPE", "weight": 0.3}]}))
    choices = [str(bad), None, str(good)]
    page.file_chooser = lambda: choices.pop(0)
    from_file = page.basket_box.findText(FROM_FILE)

    page.basket_box.setCurrentIndex(from_file)  # refused: the reason, and back to Top 10
    assert "constituent 2 (NOPE): unknown token" in page.error.text()
    assert page.basket_box.currentText() == "Top 10"
    page.basket_box.setCurrentIndex(page.basket_box.findText(FROM_FILE))  # cancelled
    assert page.basket_box.currentText() == "Top 10"
    page.basket_box.setCurrentIndex(page.basket_box.findText(FROM_FILE))
    assert page.basket_box.currentText() == "My 70/30 (btc_eth.json)" and not page.error.isVisible()

    page.amount_edit.setText("0.1")
    with qtbot.waitSignal(page.preview_ready, timeout=30_000):
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    assert [page.model.text(row, LegsModel.SYMBOL) for row in range(page.model.rowCount())] == ["WBTC", "WETH"]
    assert page.model.text(0, LegsModel.WEIGHT) == "70.00%"


# --- the window stays alive, offline is explained ----------------------------------------------
def test_the_window_keeps_ticking_while_a_slow_rpc_quotes(qtbot, wallet_store, wallet_service, devnet,
                                                          devnet_home, chain, demo_key):
    with RpcProxy(devnet.rpc_url, latency=0.25) as proxy:
        context = make_context(wallet_store, devnet_home, proxy.url, wallet_service, online=True)
        try:
            add_demo_account(context, wallet_service, demo_key[1])
            page = make_page(qtbot, context, freshness_ms=600_000)
            ticks: list[float] = []
            timer = QTimer()
            timer.setInterval(20)
            timer.timeout.connect(lambda: ticks.append(time.monotonic()))
            fill(page, "1")
            proxy.reset_counts()
            timer.start()
            started = time.monotonic()
            with qtbot.waitSignal(page.preview_ready, timeout=30_000):
                qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
                assert page.quoting and page.busy_bar.isVisible()
                assert not page.amount_edit.isEnabled() and not page.preview_button.isEnabled()
                assert not page.buy_button.isEnabled()
            ended = time.monotonic()
            timer.stop()
            assert ended - started > 0.6, "the proxy's latency should make quoting slow"
            points = [started] + ticks + [ended]
            gaps = [b - a for a, b in zip(points, points[1:], strict=False)]
            assert max(gaps) < 0.5, f"the GUI thread stalled for {max(gaps):.2f} s"
            assert len(ticks) > (ended - started) / 0.1
            assert not page.busy_bar.isVisible() and page.amount_edit.isEnabled()
        finally:
            context.shutdown()


def test_offline_the_page_explains_and_preview_is_disabled(qtbot, offline_context, wallet_service,
                                                           demo_key):
    add_demo_account(offline_context, wallet_service, demo_key[1])
    page = make_page(qtbot, offline_context)
    assert page.state_label.text().startswith("Offline")
    assert not page.preview_button.isEnabled()
    assert "Offline" in page.preview_button.toolTip()
    assert not page.buy_button.isEnabled()
    assert page.basket_box.currentText() == "Top 10" and page.basket_box.isEnabled()


def test_without_a_context_the_page_is_disabled(qtbot):
    page = IndexPage()
    qtbot.addWidget(page)
    assert not page.isEnabled() and page.title_label.text() == "Index"


# --- the models and the formatting, pure ------------------------------------------------------
def test_a_skipped_leg_shows_its_reason_muted(qtbot):
    model = LegsModel("ETH")
    model.set_preview({"pay": "USDC", "legs": [
        {"symbol": "WBTC", "weight": "1.0000", "skipped": None, "amount_in": "100",
         "expected_out": "0.001234567891", "min_out": "0.00122839505", "route": "direct 0.05%",
         "fee_tier": 500, "price_impact_bps": "1.5", "lp_fee_usd": "0.05", "expected_value_usd": "99.1"},
        {"symbol": "THIN", "weight": "0.0000", "skipped": "price impact 7.2% above the 5% limit",
         "amount_in": "0", "expected_out": "0", "min_out": "0", "route": None, "fee_tier": None,
         "price_impact_bps": None, "lp_fee_usd": "0"}]})
    assert model.headerData(LegsModel.AMOUNT_IN, Qt.Orientation.Horizontal) == "Pay (USDC)"
    assert model.text(0, LegsModel.EXPECTED) == "0.00123456"  # 6 significant decimals, rounded down
    assert model.text(0, LegsModel.IMPACT) == "1.50" and model.text(0, LegsModel.LP_FEE) == "$0.05"
    assert model.text(1, LegsModel.SKIPPED) == "price impact 7.2% above the 5% limit"
    assert model.text(1, LegsModel.EXPECTED) == "—"
    color = model.data(model.index(1, LegsModel.SKIPPED), Qt.ItemDataRole.ForegroundRole).color()
    assert color.name() == MUTED_COLOR
    assert model.data(model.index(0, LegsModel.SKIPPED), Qt.ItemDataRole.ForegroundRole) is None


def test_a_split_leg_reads_as_split_with_its_parts_in_the_tooltip(qtbot, page, demo_address, chain):
    chain.rpc("anvil_setBalance", [demo_address, hex(1_100 * 10**18)])
    plan = preview(qtbot, page, "1000")  # large enough that splitting LINK across pools pays
    legs = plan.preview.to_json()["legs"]
    row = next(i for i, leg in enumerate(legs) if leg["symbol"] == "LINK")
    parts = legs[row]["parts"]
    assert len(parts) >= 2
    assert page.model.text(row, LegsModel.ROUTE) == "split " + "/".join(p["share_pct"] for p in parts)
    tip = page.model.data(page.model.index(row, LegsModel.ROUTE), Qt.ItemDataRole.ToolTipRole)
    assert tip.count("\n") == len(parts)
    for part in parts:
        assert f"{part['share_pct']}% {part['route']}: pay {part['amount_in']} ETH" in tip
        assert f"(minimum {part['min_out']})" in tip
    assert page.model.text(row, LegsModel.EXPECTED) == format_amount(legs[row]["expected_out"])
    page.freshness_timer.stop()  # no block check left in flight for the next test's event loop
    qtbot.waitUntil(lambda: page._block_worker is None, timeout=5_000)


@pytest.mark.parametrize(("value", "shown"), [
    ("25936366.696063097679302936", "25,936,366.696063"),
    ("29.840980687238237358", "29.84098"),
    ("0.00916344", "0.00916344"),
    ("0.000123456789", "0.000123456"),
    ("0.25", "0.25"),
    ("1000000", "1,000,000"),
    ("0", "0"),
    (None, "—"),
])
def test_amounts_keep_six_significant_decimals(value, shown):
    assert format_amount(value) == shown


def test_buy_from_a_ledger_runs_on_the_device_worker(qtbot, wallet_context, wallet_service, chain,
                                                     answerer, monkeypatch):
    from tests.support.ledger_device import SPECULOS_MNEMONIC, LedgerTcpServer, LedgerTestDevice
    from wallet.keys import hd

    device = LedgerTestDevice(blind_signing=True)  # contract data: the Ledger app's setting
    address = hd.derive(SPECULOS_MNEMONIC, 0)[0]
    chain.rpc("anvil_setBalance", [address, hex(2 * 10**18)])
    with LedgerTcpServer(device) as server:
        record = wallet_service.add_ledger("My Ledger", f"tcp:{server.host}:{server.port}")
        wallet_context.set_active(record.label)
        page = make_page(qtbot, wallet_context)
        plan = preview(qtbot, page, "0.5", basket="BTC/ETH 60/40")
        answerer.on(SigningDialog, lambda d: d.confirm_button.click())
        answerer.on(UnlockDialog, lambda d: pytest.fail("a Ledger has no password"))
        device.apdus.clear()
        submitted, submit = [], wallet_context.device_worker.submit
        monkeypatch.setattr(wallet_context.device_worker, "submit",
                            lambda func, *args: (submitted.append(func.__name__), submit(func, *args))[1])
        before = {leg.address: erc20_balance(chain, leg.address, address) for leg in plan.legs}
        result = buy(qtbot, page)
    assert answerer.seen == ["SigningDialog"]
    assert submitted == ["signer", "run_index_buy"]  # the signer and the whole execution
    assert any(apdu[:2] == bytes([0xE0, 0x04]) for apdu in device.apdus)  # the device signed
    assert result.realised["status"] == "confirmed"
    check_received(chain, address, plan, page.result_view.model, before, exact=True)


def test_a_decimal_comma_is_read_where_the_locale_writes_one(qtbot, page, wallet_context):
    from PySide6.QtCore import QLocale

    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    try:
        plan = preview(qtbot, page, "0,5", slippage="0,5")
    finally:
        QLocale.setDefault(before)
    assert page.amount_reader.echo.text() == "Read as 0.5"
    assert page.slippage_reader.echo.text() == "Read as 0.5"
    assert plan.preview.amount_in == "0.5" and plan.preview.slippage_bps == 50

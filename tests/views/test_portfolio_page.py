"""The Portfolio page on the real devnet and a real SQLite store: after an index buy, Refresh
(on a worker) shows every holding with the balance the chain reports and a total that is the
sum of the values; the table sorts numbers as numbers; both charts draw offscreen; each
cost-basis method shows what ``compute_pnl`` computes; offline the same total comes from SQLite
under a banner, Refresh disabled; without anything stored (or without a context) the page says
why instead of failing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector
from PySide6.QtCore import Qt

from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.pnl import compute_pnl
from app.portfolio.view import HoldingRow, Portfolio
from app.tx.journal import ChainKey
from app.vaults.actions import execute_vault_plan, plan_deposit
from tests.views.conftest import make_context
from tests.views.test_index_page import add_demo_account, erc20_balance
from views.formatting import format_usd
from views.models.holdings_model import SORT_ROLE, HoldingsModel, HoldingsProxy
from views.pages.portfolio_page import METHOD_LABELS, PortfolioPage
from views.widgets.portfolio_charts import OTHER, group_allocation
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts

TIMEOUT = 60_000
ELSEWHERE = "0x000000000000000000000000000000000000dEaD"
_TRANSFER = function_signature_to_4byte_selector("transfer(address,uint256)")


def make_page(qtbot, context) -> PortfolioPage:
    page = PortfolioPage(context)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    qtbot.waitExposed(page)
    return page


def settled(qtbot, page: PortfolioPage) -> None:
    """Wait until the load and the P&L after it are done."""
    qtbot.waitUntil(lambda: not page.busy and page.pnl is not None, timeout=TIMEOUT)


def click_refresh(qtbot, page: PortfolioPage) -> Portfolio:
    assert page.refresh_button.isEnabled(), page.refresh_button.toolTip()
    with qtbot.waitSignal(page.pnl_ready, timeout=TIMEOUT):
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    settled(qtbot, page)
    return page.portfolio


def rows_in_view(page: PortfolioPage, column: int) -> list[str]:
    proxy = page.proxy
    return [proxy.data(proxy.index(r, column)) for r in range(proxy.rowCount())]


@pytest.fixture
def bought(wallet_context, wallet_service, demo_key, chain, deployment) -> str:
    """The demo account, active, after real trades: two Top 10 buys of 5 ETH each (the second
    at the prices the first moved, so the cost-basis methods differ), 1,000 USDC into the USDC
    vault, and 100 LINK sent away (a disposal)."""
    address = add_demo_account(wallet_context, wallet_service, demo_key[1])
    session, signer = wallet_context.session, LocalSigner(bytes.fromhex(demo_key[1][2:]))
    for _ in range(2):
        plan = plan_index_buy(session, "Top 10", "5", "ETH", None, address)
        assert execute_index_plan(session, plan, signer, AutoApprovePrompts()).realised["status"] == "confirmed"
    vault = next(v["address"] for v in deployment["vaults"] if v["asset"] == "USDC")
    assert execute_vault_plan(session, plan_deposit(session, vault, "1000", "0.5", address), signer,
                              AutoApprovePrompts())["status"] == "confirmed"
    link = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "LINK")
    data = _TRANSFER + encode(["address", "uint256"], [ELSEWHERE, 100 * 10**18])
    chain.wait_for_receipt(chain.send_transaction({"from": address, "to": link, "data": "0x" + data.hex()}))
    return address


@pytest.fixture
def page(qtbot, wallet_context, bought) -> PortfolioPage:
    """The page online; it refreshed by itself on opening (a session is there)."""
    page = make_page(qtbot, wallet_context)
    settled(qtbot, page)
    return page


def test_refresh_shows_the_chain_balances_and_their_total(qtbot, page, wallet_context, bought, chain):
    assert page.offline_banner.isHidden() and page.last_update is not None
    portfolio = click_refresh(qtbot, page)
    assert not portfolio.offline
    model = page.model
    shown = {model.row(r).symbol: model.row(r) for r in range(model.rowCount())}
    assert [row.symbol for row in portfolio.rows] == [model.row(r).symbol for r in range(model.rowCount())]
    assert len(shown) >= 12  # ETH, the ten tokens the buy acquired, the vault shares
    for row in portfolio.rows:
        if row.address == NATIVE_ADDRESS:
            on_chain = int(chain.rpc("eth_getBalance", [bought, "latest"]), 16)
        else:
            on_chain = erc20_balance(chain, row.address, bought)
        assert row.balance.scaleb(row.decimals) == on_chain, row.symbol
        assert shown[row.symbol].balance == row.balance
    assert {row.kind for row in portfolio.rows} == {"native", "token", "vault"}
    vault_row = next(r for r in range(model.rowCount()) if model.row(r).kind == "vault")
    assert model.text(vault_row, HoldingsModel.KIND) == "vault" and model.row(vault_row).balance == 1000
    values = [row.value_usd for row in portfolio.rows if row.value_usd is not None]
    assert portfolio.total_usd == sum(values, Decimal(0)) > 0
    assert page.total_label.text() == f"${portfolio.total_usd:,.2f}"
    assert page.as_of_label.text().startswith("as of ") and f"block {portfolio.block:,}" in page.as_of_label.text()
    # the unrealised column is the sum of the P&L positions of each token
    eth_row = next(r for r in range(model.rowCount()) if model.row(r).address == NATIVE_ADDRESS)
    eth_pnl = sum((p.unrealized_usd for p in page.pnl.positions if p.token == NATIVE_ADDRESS), Decimal(0))
    assert model.unrealized(model.row(eth_row)) == eth_pnl
    assert not page.busy and page.refresh_button.isEnabled() and not page.cancel_button.isVisible()


def test_refresh_reports_progress_and_can_be_cancelled(qtbot, page):
    reports, before = [], page.last_update
    page.progressed.connect(reports.append)
    assert page.refresh() is not None
    assert not page.refresh_button.isEnabled() and page.refresh_button.toolTip() == "Refreshing…"
    assert page.cancel_button.isVisible() and page.cancel_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)  # before the history sync starts
    assert not page.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: page.last_update is not before, timeout=TIMEOUT)
    assert page.last_update.history.cancelled
    assert page.progress_label.text().startswith("Refresh cancelled")
    assert reports[0] == "Reading balances and prices…"
    settled(qtbot, page)
    assert page.refresh_button.isEnabled() and not page.cancel_button.isVisible()


def test_the_table_sorts_numbers_as_numbers_and_assets_by_name(qtbot, page):
    page.table.sortByColumn(HoldingsModel.VALUE, Qt.SortOrder.DescendingOrder)
    proxy = page.proxy
    values = [proxy.index(r, HoldingsModel.VALUE).data(SORT_ROLE) for r in range(proxy.rowCount())]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=True) and values[:len(known)] == known
    page.table.sortByColumn(HoldingsModel.ASSET, Qt.SortOrder.AscendingOrder)
    symbols = rows_in_view(page, HoldingsModel.ASSET)
    assert symbols == sorted(symbols, key=str.casefold)

    # values whose text sorts the other way round: "$9.00" > "$10.00" > "$100.00" as text
    def row(symbol: str, value: str | None) -> HoldingRow:
        price = None if value is None else Decimal(value)
        return HoldingRow(symbol, f"0x{symbol}", "token", 18, Decimal(1), price, price, None, None, 0, 1)

    rows = [row("b", "9"), row("A", "10"), row("c", "100"), row("d", None)]
    model = HoldingsModel()
    model.set_portfolio(Portfolio("demo", ChainKey(1, "0x0"), 0, 1, rows, [], Decimal(119), ["d"], []))
    sorted_model = HoldingsProxy()
    sorted_model.setSourceModel(model)
    sorted_model.sort(HoldingsModel.VALUE, Qt.SortOrder.DescendingOrder)
    order = [sorted_model.index(r, HoldingsModel.ASSET).data() for r in range(4)]
    assert order == ["c", "A", "b", "d"]
    sorted_model.sort(HoldingsModel.SHARE, Qt.SortOrder.AscendingOrder)
    assert [sorted_model.index(r, HoldingsModel.ASSET).data() for r in range(4)] == ["d", "b", "A", "c"]
    sorted_model.sort(HoldingsModel.ASSET, Qt.SortOrder.AscendingOrder)
    assert [sorted_model.index(r, HoldingsModel.ASSET).data() for r in range(4)] == ["A", "b", "c", "d"]
    assert sorted_model.index(0, HoldingsModel.VALUE).data() == "$10.00"


def test_charts_render_offscreen_one_point_per_snapshot(qtbot, page):
    pie, line = page.allocation_chart, page.history_chart
    grouped = group_allocation(page.portfolio.allocation())
    assert not pie.empty and pie.series.count() == len(grouped) >= 2
    assert sum(s.percentage() for s in pie.series.slices()) == pytest.approx(1)
    small = [share for _, share in page.portfolio.allocation() if share < Decimal("0.02")]
    assert len(small) >= 2 and len(grouped) == len(page.portfolio.allocation()) - len(small) + 1
    assert pie.series.slices()[-1].label().startswith(OTHER + " ")
    assert line.series.count() == len(page.portfolio.history) == 1  # the refresh on opening
    click_refresh(qtbot, page)
    assert line.series.count() == len(page.portfolio.history) == 2
    assert [int(p.x()) // 1000 for p in line.series.points()] == [at for at, _ in page.portfolio.history]
    for widget in (pie, line, page):
        pixmap = widget.grab()
        assert not pixmap.isNull() and pixmap.width() > 0 and pixmap.height() > 0


def test_each_method_shows_what_compute_pnl_computes(qtbot, page, wallet_context, bought):
    assert page.method() == "fifo" and page.method_box.currentText() == "FIFO"
    assert [page.method_box.itemText(i) for i in range(page.method_box.count())] == \
        [METHOD_LABELS[k] for k in ("fifo", "lifo", "hifo", "average")]
    key, store = page.portfolio.chain, wallet_context.store
    shown = {}
    for method in ("lifo", "hifo", "average", "fifo"):
        with qtbot.waitSignal(page.pnl_ready, timeout=TIMEOUT) as blocker:
            page.set_method(method)
        expected = compute_pnl(store, key, method, accounts=[bought], save=False)
        assert blocker.args[0].method == method
        assert page.realized_label.text() == format_usd(expected.realized_usd, signed=True)
        assert page.unrealized_label.text() == format_usd(expected.unrealized_usd, signed=True)
        assert page.fees_label.text() == format_usd(expected.fees_usd)
        assert page.pnl.positions == expected.positions
        shown[method] = page.realized_label.text()
    assert shown["fifo"] != shown["lifo"]  # the LINK sent away came from different lots
    assert page.pnl.fees_usd > 0  # the trades paid gas


def test_offline_shows_the_same_total_under_a_banner(qtbot, page, wallet_store, wallet_service, devnet_home,
                                                     dead_rpc):
    online_total, online_rows = page.portfolio.total_usd, page.portfolio.rows
    offline = make_context(wallet_store, devnet_home, dead_rpc, wallet_service, online=False)
    try:
        offline_page = make_page(qtbot, offline)
        settled(qtbot, offline_page)
        portfolio = offline_page.portfolio
        assert portfolio.offline and portfolio.total_usd == online_total
        assert [(r.symbol, r.balance) for r in portfolio.rows] == [(r.symbol, r.balance) for r in online_rows]
        assert offline_page.total_label.text() == page.total_label.text()
        banner = offline_page.offline_banner
        assert banner.isVisible() and banner.text().startswith("Offline: values as last seen at ")
        assert f"(block {portfolio.block:,})" in banner.text()
        assert not offline_page.refresh_button.isEnabled()
        assert offline_page.refresh_button.toolTip().startswith("Offline")
        assert offline_page.realized_label.text() == page.realized_label.text()
    finally:
        offline.shutdown()


def test_offline_with_nothing_stored_says_so(qtbot, offline_context, wallet_service, demo_key):
    add_demo_account(offline_context, wallet_service, demo_key[1])
    page = make_page(qtbot, offline_context)
    qtbot.waitUntil(lambda: not page.busy and page.progress_label.text() != "", timeout=TIMEOUT)
    assert page.portfolio is None and page.model.rowCount() == 0
    assert page.progress_label.text().startswith("nothing stored for") and not page.error.isVisible()
    assert page.allocation_chart.empty and page.history_chart.empty
    assert not page.refresh_button.isEnabled()


def test_without_a_context_the_page_is_disabled(qtbot):
    page = PortfolioPage()
    qtbot.addWidget(page)
    assert not page.isEnabled() and page.title_label.text() == "Portfolio"
    assert page.state_label.text() == "No wallet store is open."
    assert page.allocation_chart.empty and page.refresh() is None


def test_a_trade_elsewhere_refreshes_the_shown_page_once(qtbot, page, wallet_context, bought, chain, deployment):
    link = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "LINK")
    before = next(r.balance for r in page.portfolio.rows if r.address == link)
    data = _TRANSFER + encode(["address", "uint256"], [ELSEWHERE, 7 * 10**18])
    chain.wait_for_receipt(chain.send_transaction({"from": bought, "to": link, "data": "0x" + data.hex()}))
    loads = []
    page.pnl_ready.connect(lambda *_: loads.append(1))
    for _ in range(3):  # signed, sent, confirmed: one trade, several journal changes
        wallet_context.journal_changed.emit()
    qtbot.waitUntil(lambda: next(r.balance for r in page.portfolio.rows if r.address == link) == before - 7,
                    timeout=TIMEOUT)
    settled(qtbot, page)
    qtbot.wait(300)
    assert len(loads) == 1


def test_the_method_is_a_saved_setting_and_each_pnl_shown_is_stored(qtbot, page, wallet_context, bought):
    """Choosing LIFO saves it (a new page opens on it; `pnl` without --method uses it), and every
    P&L the page shows is a stored report with its settings."""
    import json

    from app.portfolio.method_setting import saved_method

    store = wallet_context.store

    def reports() -> list[tuple[str, dict]]:
        return [(m, json.loads(s)) for m, s in store.db.execute(
            "SELECT method, settings_json FROM pnl_reports ORDER BY id").fetchall()]

    assert reports() and reports()[-1][0] == "fifo"  # the P&L shown on opening
    count = len(reports())
    with qtbot.waitSignal(page.pnl_ready, timeout=TIMEOUT):
        page.set_method("lifo")
    assert saved_method(store) == "lifo"
    stored = reports()
    assert len(stored) == count + 1 and stored[-1][0] == "lifo" and stored[-1][1]["method"] == "lifo"
    assert stored[-1][1]["prices"]  # the prices it was valued at
    reopened = make_page(qtbot, wallet_context)
    settled(qtbot, reopened)
    assert reopened.method() == "lifo" and reopened.pnl.method == "lifo"

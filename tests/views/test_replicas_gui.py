"""The GUI on the public-network code paths: the Portfolio and Index pages on local replicas of
Ethereum and Base (real chain ids, contracts and tokens at their real addresses)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.devnet.deploy import ANVIL_MNEMONIC
from app.networks import get_network
from app.session import ChainSession
from app.store import Store
from app.wallets import WalletService
from tests.support.replicas import base, ethereum, replica_home, replicas  # noqa: F401  (fixtures)
from tests.views.test_index_page import buy, confirm_and_unlock, make_page, preview
from tests.views.test_portfolio_page import click_refresh, settled
from tests.views.test_portfolio_page import make_page as make_portfolio_page
from views.pages.portfolio_page import PortfolioPage
from views.wallet_context import WalletContext
from wallet.keys import hd

PASSWORD = "correct horse battery"


@pytest.fixture
def replica_context(request, qtbot, fast_scrypt):
    replica = request.getfixturevalue(request.param)
    with Store.open(replica.home) as store:
        service = WalletService(store, vault=request.getfixturevalue("secret_service").vault())
        context = WalletContext(store, replica.home, replica.network, rpc=replica.rpc_url, service=service)
        context.set_session(ChainSession.open(replica.home, replica.network, store, replica.rpc_url))
        key = "0x" + hd.derive(ANVIL_MNEMONIC, replica.deployment["demo_account_mnemonic_index"])[1].hex()
        record = service.import_private_key("Demo", key, PASSWORD)
        context.set_active(record.label)
        context.replica = replica
        yield context
        context.shutdown()


@pytest.mark.parametrize("replica_context", ["ethereum"], indirect=True)
def test_the_portfolio_page_on_the_ethereum_replica(qtbot, replica_context):
    page: PortfolioPage = make_portfolio_page(qtbot, replica_context)
    settled(qtbot, page)  # showing the page refreshes it
    portfolio = page.portfolio if page.portfolio is not None and page.portfolio.rows else click_refresh(qtbot, page)
    rows = {row.symbol: row for row in portfolio.rows}
    assert rows["USDC"].address == get_network("ethereum").usdc
    assert rows["USDC"].balance == Decimal(100_000)


@pytest.mark.parametrize("replica_context", ["base"], indirect=True)
def test_an_index_buy_on_base_shows_and_is_charged_the_l1_data_fee(qtbot, replica_context, answerer):
    page = make_page(qtbot, replica_context)
    shown = preview(qtbot, page, "0.5", basket="BTC/ETH 60/40")
    assert page.panel.values["l1_fee"].text().endswith(")")  # "0.0000… ETH ($…)"
    predicted = Decimal(shown.preview.network_fee["l1_data_fee_eth"])
    assert predicted > 0
    client = replica_context.replica.client
    sender = replica_context.replica.deployment["demo_account"]
    before = client.balance(sender)
    confirm_and_unlock(answerer)
    result = buy(qtbot, page)
    receipt = client.receipt(result.entries[-1].tx_hash)
    gas_cost = int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])
    charged_l1 = before - client.balance(sender) - int(Decimal("0.5") * 10**18) - gas_cost
    assert predicted == (Decimal(charged_l1) / Decimal(10**18)).quantize(Decimal("0.000000001"))

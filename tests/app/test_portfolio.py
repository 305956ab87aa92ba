"""The portfolio on the devnet: after index buys, a rebalance, an exit to USDC and a vault round
trip (all through the app's own code, real contracts), the holdings stored in SQLite equal the
on-chain balances exactly, the ledger explains them, and the P&L holds together under every
cost-basis method."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector

from app.accounting import METHODS
from app.accounts import AccountRegistry
from app.devnet.clock import advance_time
from app.index import routers
from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from app.index.rebalance import plan_exit, plan_rebalance
from app.index.trade_execute import execute_trade_plan
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.pnl import compute_pnl
from app.portfolio.records import stored_balances
from app.portfolio.service import open_offline, update
from app.vaults.actions import execute_vault_plan, plan_deposit, plan_withdraw
from tests.app.test_index_buy import balance, session  # noqa: F401 (fixture)
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts

_TRANSFER = function_signature_to_4byte_selector("transfer(address,uint256)")


def fund(chain, deployment, address: str, eth: int, usdc: int) -> None:
    chain.rpc("anvil_setBalance", [address, hex(eth * 10**18)])
    token = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")
    chain.rpc("anvil_impersonateAccount", [deployment["demo_account"]])
    chain.wait_for_receipt(chain.send_transaction({
        "from": deployment["demo_account"], "to": token,
        "data": "0x" + (_TRANSFER + encode(["address", "uint256"], [address, usdc * 10**6])).hex()}))


def on_chain(chain, token: str, owner: str) -> int:
    return chain.balance(owner) if token == NATIVE_ADDRESS else balance(chain, token, owner)


def ledger_quantities(store, key) -> dict[tuple[str, str], int]:
    held: dict[tuple[str, str], int] = {}
    for account, token, kind, quantity in store.db.execute(
            "SELECT account_address, token_address, kind, quantity FROM ledger_events"
            " WHERE chain_id = ? AND genesis_hash = ?", [key.chain_id, key.genesis_hash]):
        sign = 1 if kind == "acquisition" else -1
        held[(account, token)] = held.get((account, token), 0) + sign * int(quantity)
    return held


@pytest.fixture
def trader(session, chain, deployment):  # noqa: F811
    """A fresh key with 20 ETH (set directly: no log, so an opening balance) and 5,000 USDC
    (a transfer: in the history), known to the store as a watch-only account."""
    key = Account.create()
    fund(chain, deployment, key.address, 20, 5_000)
    AccountRegistry(session.store).add("trader", key.address, "watch")
    return LocalSigner(bytes(key.key))


def test_after_buys_rebalance_exit_and_a_vault_round_trip_the_store_matches_the_chain(
        session, chain, trader, deployment):  # noqa: F811
    prompts, me = AutoApprovePrompts(), trader.address
    execute_index_plan(session, plan_index_buy(session, "Top 10", "3", "ETH", None, me), trader, prompts)
    execute_index_plan(session, plan_index_buy(session, "DeFi", "1500", "USDC", None, me), trader, prompts)
    # someone moves LINK's price, so Top 10 has something to rebalance
    link = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "LINK")
    whale = Account.create()
    chain.rpc("anvil_setBalance", [whale.address, hex(10**24)])
    chain.rpc("anvil_impersonateAccount", [whale.address])
    data, value = routers.encode_universal_router_eth_buy(
        [routers.SwapLeg(link, 3000, 2_000 * 10**18, 1, whale.address)], 2**40, deployment["contracts"]["weth"])
    chain.wait_for_receipt(chain.send_transaction({"from": whale.address, "value": value, "gas": 3_000_000,
                                                   "to": deployment["contracts"]["universal_router"],
                                                   "data": "0x" + data.hex()}))
    assert execute_trade_plan(session, plan_rebalance(session, "Top 10", me, "1"), trader, prompts)["status"] == "confirmed"
    assert execute_trade_plan(session, plan_exit(session, "DeFi", me, "1"), trader, prompts)["status"] == "confirmed"
    vault = next(v["address"] for v in deployment["vaults"] if v["asset"] == "USDC")
    assert execute_vault_plan(session, plan_deposit(session, vault, "1000", None, me), trader, prompts)["status"] == "confirmed"
    advance_time(chain, 30 * 86400)
    assert execute_vault_plan(session, plan_withdraw(session, vault, None, me), trader, prompts)["status"] == "confirmed"

    result = update(session, [me])
    key = session.journal.chain
    # each transaction was priced at the block before it (the node still has those states)
    assert result.history.blocks_priced >= 7 and result.history.blocks_unpriced == 0
    store = session.store

    # every stored balance is the chain's, exactly, and every asset held on chain is stored
    stored = {(b.account, b.token): b.balance for b in stored_balances(store, key, [me])}
    assert stored and all(on_chain(chain, token, me) == amount for (_a, token), amount in stored.items())
    every_asset = [NATIVE_ADDRESS] + [t["address"] for t in deployment["tokens"]] + [
        v["address"] for v in deployment["vaults"]]
    assert {t: on_chain(chain, t, me) for t in every_asset} == {t: stored.get((me, t), 0) for t in every_asset}
    assert sum(1 for amount in stored.values() if amount) >= 5  # ETH, USDC and what Top 10 bought

    # the ledger explains every position exactly; the only thing it could not see is the ETH
    # set with anvil_setBalance (no log): one opening balance of exactly 20 ETH, no adjustment
    assert ledger_quantities(store, key) == {k: v for k, v in stored.items() if v or k in ledger_quantities(store, key)}
    specials = store.db.execute("SELECT label, token_address, quantity FROM ledger_events WHERE tx_hash IS NULL"
                                " AND account_address = ?", [me]).fetchall()
    assert specials == [("opening", NATIVE_ADDRESS, str(20 * 10**18))]
    assert result.ledger.adjustments == 1
    labels = {r[0] for r in store.db.execute("SELECT DISTINCT label FROM ledger_events WHERE account_address = ?", [me])}
    assert {"trade", "gas", "fee", "receive", "opening"} <= labels  # fee: the exact approvals

    # P&L: the same holdings under every method, and the same total (realised + unrealised:
    # the final value plus proceeds minus costs does not depend on which lots were sold)
    reports = {method: compute_pnl(store, key, method, [me]) for method in METHODS}
    totals = {m: r.realized_usd + r.unrealized_usd for m, r in reports.items()}
    assert max(totals.values()) - min(totals.values()) <= Decimal("0.05"), totals  # cents of rounding
    quantities = {m: {(p.token, p.quantity) for p in r.positions if p.quantity} for m, r in reports.items()}
    assert all(q == quantities["fifo"] for q in quantities.values())
    assert {r.fees_usd for r in reports.values()} == {reports["fifo"].fees_usd} and reports["fifo"].fees_usd > 0
    assert reports["fifo"].realized_usd != 0  # the exit and the vault withdrawal realised something
    fifo_usdc = [p for p in reports["fifo"].positions if p.symbol == "USDC"]
    assert fifo_usdc and fifo_usdc[0].quantity == Decimal(stored[(me, session.token("USDC").address)]) / 10**6

    # the portfolio view from SQLite alone shows the same balances
    offline = open_offline(store, session.network, [me])
    assert offline.offline and {r.address: r.balance for r in offline.rows} == {
        r.address: r.balance for r in result.portfolio.rows}
    assert offline.total_usd == result.portfolio.total_usd > 0


def test_a_second_update_derives_only_what_is_new(session, chain, trader):  # noqa: F811
    me = trader.address
    first = update(session, [me])
    assert first.ledger.transactions == 1  # the USDC funding transfer
    again = update(session, [me])
    assert again.ledger.transactions == 0 and again.history.transactions_added == 0
    execute_index_plan(session, plan_index_buy(session, "Top 10", "1", "ETH", None, me), trader,
                       AutoApprovePrompts())
    third = update(session, [me])
    assert third.ledger.transactions == 1 and third.history.transactions_added == 1
    assert len(third.portfolio.history) == 3  # one snapshot per refresh: the value-over-time line


def test_coingecko_prices_replace_the_pool_mids_it_has_and_keep_the_rest(session, trader, deployment):  # noqa: F811
    import json

    from app.portfolio.price_source import set_price_source
    from app.portfolio.refresh import refresh_portfolio
    from tests.app.test_baskets import ROWS, FakeCoinGecko

    me = trader.address
    onchain = refresh_portfolio(session, [me])
    usdc = session.token("USDC").address
    assert {r.symbol: r.price_source for r in onchain.rows}["ETH"].startswith("Uniswap V3")
    set_price_source(session.store, "coingecko")
    with FakeCoinGecko(body=json.dumps(ROWS).encode()) as fake:
        online = refresh_portfolio(session, [me], coingecko_url=fake.url)
    rows = {r.symbol: r for r in online.rows}
    assert rows["ETH"].price_usd == Decimal("3000.25") and rows["ETH"].price_source == "CoinGecko"
    assert rows["ETH"].value_usd == (rows["ETH"].balance * Decimal("3000.25")).quantize(Decimal("0.01"))
    assert rows["USDC"].price_source.startswith("USDC peg")  # not in the canned answer: on-chain kept
    assert online.total_usd != onchain.total_usd
    from tests.conftest import free_port
    fallback = refresh_portfolio(session, [me], coingecko_url=f"http://127.0.0.1:{free_port()}")
    assert {r.symbol: r.price_source for r in fallback.rows}["ETH"].startswith("Uniswap V3")
    with pytest.raises(Exception, match="unknown price source"):
        set_price_source(session.store, "binance")
    assert usdc in {r.address for r in online.rows}


def test_a_trade_is_valued_at_the_block_before_it(session, chain, trader):  # noqa: F811
    """A Top 10 buy refreshed right after it, at its own block (so a price of its own block is
    stored): the ETH it paid and its gas are valued at the price stored for the block before.
    (Which of the two was used shows in each event's price source, its observation time; the
    pure test in test_portfolio_pure.py has prices that differ between the two.)"""
    me = trader.address
    update(session, [me])
    execute_index_plan(session, plan_index_buy(session, "Top 10", "10", "ETH", None, me), trader,
                       AutoApprovePrompts())
    update(session, [me])  # refresh at the buy's block (nothing mined since), history at block - 1
    store, key = session.store, session.journal.chain
    tx_hash, block, time = store.db.execute(
        "SELECT tx_hash, block, timestamp FROM chain_txs WHERE chain_id = ? AND genesis_hash = ?"
        " ORDER BY block DESC LIMIT 1", [key.chain_id, key.genesis_hash]).fetchone()

    def eth_price(at_block: int) -> tuple[Decimal, int]:
        row = store.db.execute("SELECT price_usd, observed_at FROM prices WHERE chain_id = ? AND genesis_hash = ?"
                               " AND token_address = ? AND block = ? ORDER BY id DESC LIMIT 1",
                               [key.chain_id, key.genesis_hash, NATIVE_ADDRESS, at_block]).fetchone()
        return Decimal(row[0]), int(row[1])

    (before, before_time), (_own, own_time) = eth_price(block - 1), eth_price(block)
    assert before_time < time == own_time  # both stored; the own block's is at the trade's time
    rows = store.db.execute("SELECT label, quantity, value_usd, price_source FROM ledger_events WHERE tx_hash = ?"
                            " AND token_address = ? AND kind = 'disposal'", [tx_hash, NATIVE_ADDRESS]).fetchall()
    assert {row[0] for row in rows} == {"trade", "gas"}
    for _label, quantity, value, source in rows:
        assert source.endswith(f" at {before_time}"), source
        assert abs(Decimal(value) - Decimal(int(quantity)).scaleb(-18) * before) <= Decimal("0.000001")

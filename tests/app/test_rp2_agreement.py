"""The app's realised P&L checked against RP2 (an independent crypto-tax calculator, a test
dependency) on a devnet history made through the app's own code: a wrap, ETH and WETH moved
to the user's second account, a WETH vault deposit and withdrawal with yield, an unwrap by the
second account, ETH received without a log, a DeFi buy and its exit, two Top 10 buys at
different prices and a rebalance (partial sales: the methods differ). For FIFO, LIFO and HIFO every position's realised P&L agrees within a cent
(tests/support/rp2_compare.py says how the ledger maps to RP2). Average cost is not in RP2:
it is checked against an independent pooled-average replay (``average_realised``)."""

from __future__ import annotations

import importlib.util
import os
from decimal import Decimal

import pytest
from eth_account import Account

from app.accounts import AccountRegistry
from app.devnet.clock import advance_time
from app.index import routers
from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from app.index.rebalance import plan_exit, plan_rebalance
from app.index.trade_execute import execute_trade_plan
from app.portfolio.csv_export import load_ledger_rows
from app.portfolio.pnl import compute_pnl
from app.portfolio.service import update
from app.transfers import plan_send
from app.tx import lifecycle
from app.vaults.actions import execute_vault_plan, plan_deposit, plan_withdraw
from tests.app.test_index_buy import session  # noqa: F401 (fixture)
from tests.app.test_ledger_carries_devnet import call
from tests.app.test_portfolio import trader  # noqa: F401 (fixture)
from tests.support.golden import REQUIRE_ENV
from wallet.prompts import AutoApprovePrompts

E18 = 10**18
CENT = Decimal("0.01")


def require_rp2() -> None:
    """Skip without rp2 (a test extra), unless BASKETRY_REQUIRE_GOLDEN=1 (CI): then fail."""
    if importlib.util.find_spec("rp2") is not None:
        return
    reason = "rp2 (the independent tax calculator, a test extra: pip install -e '.[test]') is not installed"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires it", pytrace=False)
    pytest.skip(reason)


def move_link_price(chain, deployment, eth: int) -> None:
    link = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "LINK")
    whale = Account.create()
    chain.rpc("anvil_setBalance", [whale.address, hex(10**24)])
    chain.rpc("anvil_impersonateAccount", [whale.address])
    data, value = routers.encode_universal_router_eth_buy(
        [routers.SwapLeg(link, 3000, eth * E18, 1, whale.address)], 2**40, deployment["contracts"]["weth"])
    chain.wait_for_receipt(chain.send_transaction({"from": whale.address, "value": value, "gas": 3_000_000,
                                                   "to": deployment["contracts"]["universal_router"],
                                                   "data": "0x" + data.hex()}))


def test_realised_pnl_per_position_agrees_with_rp2_for_every_method(session, chain, deployment, trader):  # noqa: F811
    require_rp2()
    from tests.support.rp2_compare import RP2_METHODS, average_realised, rp2_realised

    prompts, me, second = AutoApprovePrompts(), trader.address, Account.create().address
    AccountRegistry(session.store).add("second", second, "watch", make_active=False)
    weth = deployment["contracts"]["weth"]
    vault = next(v["address"] for v in deployment["vaults"] if v["asset"] == "WETH")
    call(chain, me, weth, 2 * E18, "deposit()")                                        # wrap
    plan = plan_send(session, me, second, "1")                                         # own-account move
    assert lifecycle.send(session.client, session.journal, trader, plan.tx, session.chain_id, prompts, "send",
                          plan.summary(session)).status == "confirmed"
    call(chain, me, weth, 0, "transfer(address,uint256)", [second, E18 // 4])
    assert execute_vault_plan(session, plan_deposit(session, vault, "0.5", None, me), trader,
                              prompts)["status"] == "confirmed"
    advance_time(chain, 30 * 86400)
    assert execute_vault_plan(session, plan_withdraw(session, vault, None, me), trader,
                              prompts)["status"] == "confirmed"
    call(chain, second, weth, 0, "withdraw(uint256)", [E18 // 8])                     # unwrap
    outsider = Account.create().address
    chain.rpc("anvil_setBalance", [outsider, hex(10 * E18)])
    call(chain, outsider, me, 2 * E18)                                                 # ETH without a log
    execute_index_plan(session, plan_index_buy(session, "DeFi", "1500", "USDC", None, me), trader, prompts)
    advance_time(chain, 86400)
    assert execute_trade_plan(session, plan_exit(session, "DeFi", me, "1"), trader, prompts)["status"] == "confirmed"
    execute_index_plan(session, plan_index_buy(session, "Top 10", "3", "ETH", None, me), trader, prompts)
    move_link_price(chain, deployment, 2_000)
    advance_time(chain, 86400)
    execute_index_plan(session, plan_index_buy(session, "Top 10", "2", "ETH", None, me), trader, prompts)
    move_link_price(chain, deployment, 2_000)
    assert execute_trade_plan(session, plan_rebalance(session, "Top 10", me, "1"), trader,
                              prompts)["status"] == "confirmed"
    update(session, [me, second])

    store, key = session.store, session.journal.chain
    events = load_ledger_rows(store, key)
    labels = {e.label for e in events}
    assert {"move", "wrap", "deposit", "withdrawal", "receipt", "trade", "gas", "opening"} <= labels
    for method in RP2_METHODS:
        app = {(p.account, p.token): p.realized_usd for p in compute_pnl(store, key, method).positions}
        theirs = rp2_realised(events, method)
        assert set(theirs) <= set(app) | {k for k, v in theirs.items() if not v}
        gaps = {k: abs(app.get(k, Decimal(0)) - v) for k, v in theirs.items()}
        if max(gaps.values()) > CENT:
            _debug_dump(events, *max(gaps, key=gaps.get))
        assert max(gaps.values()) <= CENT, (method, {k: (app.get(k), theirs[k]) for k in gaps if gaps[k] > CENT})
        print(method, "max gap", max(gaps.values()), "positions", len(gaps),
              "realised", sum(app.values()), sum(theirs.values()))
    app = {(p.account, p.token): p.realized_usd for p in compute_pnl(store, key, "average").positions}
    theirs = average_realised(events)
    gaps = {k: abs(app.get(k, Decimal(0)) - v) for k, v in theirs.items()}
    assert max(gaps.values()) <= CENT, ("average", {k: (app.get(k), theirs[k]) for k in gaps if gaps[k] > CENT})
    print("average max gap", max(gaps.values()), "realised", sum(app.values()), sum(theirs.values()))
    reports = {m: compute_pnl(store, key, m).realized_usd for m in (*RP2_METHODS, "average")}
    assert len(set(reports.values())) == 4, reports   # the rebalance's partial sales tell the methods apart


def _debug_dump(events, account, token):
    for e in events:
        if (e.account, e.token) == (account, token):
            print(e.time, e.tx_hash and e.tx_hash[:10], e.seq, e.kind, e.label, Decimal(e.quantity).scaleb(-e.decimals),
                  e.value_usd, e.fee_usd)

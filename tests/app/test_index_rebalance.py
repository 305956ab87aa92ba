"""Rebalance and exit of a held basket, on the devnet: one swap transaction after exact approvals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector

from app.errors import InvalidInput
from app.index import routers
from app.index.execute import execute_index_plan
from app.index.planner import plan_index_buy
from app.index.rebalance import plan_exit, plan_rebalance
from app.index.trade_execute import execute_trade_plan
from tests.app.test_index_buy import balance, session  # noqa: F401 (fixture)
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts


@pytest.fixture
def holder(chain, session):  # noqa: F811
    key = Account.create()
    chain.rpc("anvil_setBalance", [key.address, hex(20 * 10**18)])
    signer = LocalSigner(bytes(key.key))
    plan = plan_index_buy(session, "Top 10", "5", "ETH", None, signer.address)
    execute_index_plan(session, plan, signer, AutoApprovePrompts())
    return signer


def allowance(chain, token, owner, spender) -> int:
    data = function_signature_to_4byte_selector("allowance(address,address)") + encode(["address", "address"], [owner, spender])
    return int.from_bytes(chain.call({"to": token, "data": data}), "big")


def test_right_after_a_buy_there_is_nothing_to_rebalance(session, holder):  # noqa: F811
    with pytest.raises(InvalidInput, match="nothing to rebalance"):
        plan_rebalance(session, "Top 10", holder.address, None)


def test_a_price_move_is_rebalanced_in_one_transaction(session, chain, holder, deployment):  # noqa: F811
    link = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "LINK")
    whale = Account.create()
    chain.rpc("anvil_setBalance", [whale.address, hex(10**24)])
    chain.rpc("anvil_impersonateAccount", [whale.address])
    data, value = routers.encode_universal_router_eth_buy(
        [routers.SwapLeg(link, 3000, 2_000 * 10**18, 1, whale.address)], 2**40, deployment["contracts"]["weth"])
    chain.wait_for_receipt(chain.send_transaction({"from": whale.address, "value": value, "gas": 3_000_000,
                                                   "to": deployment["contracts"]["universal_router"],
                                                   "data": "0x" + data.hex()}))
    plan = plan_rebalance(session, "Top 10", holder.address, "1")
    drift = {d["symbol"]: d for d in plan.drift}
    assert drift["LINK"]["action"] == "sell" and Decimal(drift["LINK"]["drift_pct"]) > Decimal("0.5")
    assert plan.kinds[-1] == "rebalance" and plan.preview["network_fee"]["approvals"] == plan.kinds.count("approve")
    assert plan.preview["simulation"]["ok"]
    realised = execute_trade_plan(session, plan, holder, AutoApprovePrompts())
    assert realised["status"] == "confirmed"
    for leg in realised["legs"]:
        assert Decimal(leg["received"]) >= Decimal(leg["min_out"])
    after = plan_rebalance_or_none(session, holder.address)
    assert after is None or {d["symbol"]: d for d in after.drift}["LINK"]["action"] != "sell"
    for leg in plan.legs:  # exact approvals: nothing left approved
        assert allowance(chain, leg.token_in.address, holder.address, deployment["contracts"]["swap_router"]) == 0


def plan_rebalance_or_none(session, owner):  # noqa: F811
    try:
        return plan_rebalance(session, "Top 10", owner, "1")
    except InvalidInput:
        return None


def test_exit_sells_everything_into_usdc(session, chain, holder, deployment):  # noqa: F811
    usdc = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")
    before = balance(chain, usdc, holder.address)
    plan = plan_exit(session, "Top 10", holder.address, "1")
    assert len(plan.legs) == 10 and plan.kinds.count("approve") == 10 and plan.kinds[-1] == "exit"
    realised = execute_trade_plan(session, plan, holder, AutoApprovePrompts())
    assert realised["status"] == "confirmed"
    (usdc_leg,) = realised["legs"]
    got = balance(chain, usdc, holder.address) - before
    assert Decimal(usdc_leg["received"]) * 10**6 == got and Decimal(usdc_leg["received"]) >= Decimal(usdc_leg["min_out"])
    for leg in plan.legs:
        assert balance(chain, leg.token_in.address, holder.address) == 0
    with pytest.raises(InvalidInput, match="nothing to sell"):
        plan_exit(session, "Top 10", holder.address, None)

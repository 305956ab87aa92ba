"""One-click index buys on the real devnet: preview, execution, predicted vs realised, refusals."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector

from app.errors import ContractReverted, InvalidInput
from app.index.execute import StaleQuote, execute_index_plan
from app.index.planner import plan_index_buy
from app.session import ChainSession
from app.store import Store
from tests.support.rpc_proxy import RpcProxy
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts

_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")


@pytest.fixture
def buyer(chain, deployment):
    """A fresh key with 10 ETH and 5,000 USDC (from the demo account)."""
    key = Account.create()
    chain.rpc("anvil_setBalance", [key.address, hex(10 * 10**18)])
    usdc = next(t for t in deployment["tokens"] if t["symbol"] == "USDC")
    data = function_signature_to_4byte_selector("transfer(address,uint256)") + encode(
        ["address", "uint256"], [key.address, 5_000 * 10**6])
    chain.rpc("anvil_impersonateAccount", [deployment["demo_account"]])
    chain.wait_for_receipt(chain.send_transaction({"from": deployment["demo_account"], "to": usdc["address"],
                                                   "data": "0x" + data.hex()}))
    return LocalSigner(bytes(key.key))


@pytest.fixture
def session(tmp_path, devnet, devnet_home, chain):
    import shutil
    home = tmp_path / "home"
    (home / "devnet").mkdir(parents=True)
    shutil.copy(devnet_home / "devnet" / "deployment.json", home / "devnet" / "deployment.json")
    with Store.open(home) as store:
        yield ChainSession.open(home, "demo", store, devnet.rpc_url)


def balance(chain, token: str, owner: str) -> int:
    return int.from_bytes(chain.call({"to": token, "data": _BALANCE_OF + encode(["address"], [owner])}), "big")


def test_quote_then_buy_with_eth_every_leg_at_or_above_its_minimum(session, chain, buyer):
    plan = plan_index_buy(session, "Top 10", "1", "ETH", None, buyer.address)
    preview = plan.preview.to_json()
    assert len(preview["legs"]) == 10 and not any(leg["skipped"] for leg in preview["legs"])
    assert abs(sum(Decimal(leg["weight"]) for leg in preview["legs"]) - 1) < Decimal("0.001")
    assert max(Decimal(leg["weight"]) for leg in preview["legs"]) <= Decimal("0.25")
    assert preview["simulation"]["ok"] and plan.kinds == ["index_buy"]
    assert preview["vs_separate"]["one_tx_gas"] < preview["vs_separate"]["separate_txs_gas"]
    assert Decimal(preview["pnl_preview"]["immediate_usd"]) < 0  # fees and impact: honest
    before = {leg.address: balance(chain, leg.address, buyer.address) for leg in plan.legs}
    result = execute_index_plan(session, plan, buyer, AutoApprovePrompts())
    realised = result.realised
    assert realised["status"] == "confirmed"
    for leg, row in zip(plan.legs, realised["legs"], strict=True):
        got = balance(chain, leg.address, buyer.address) - before[leg.address]
        assert Decimal(row["received"]) * 10**leg.decimals == got
        assert Decimal(row["received"]) >= Decimal(row["min_out"])
        # nothing moved between the simulation and the block: realised == simulated == quoted
        assert row["received"] == row["expected_out"] == preview["legs"][plan.legs.index(leg)]["simulated_out"]
    stored = session.store.db.execute(
        "SELECT preview_json, realized_json, transaction_id FROM previews WHERE id = ?", [result.preview_id]).fetchone()
    assert json.loads(stored[0])["block"] == plan.block and json.loads(stored[1])["legs"] == realised["legs"]
    assert stored[2] == result.entries[-1].id
    lots = session.store.db.execute("SELECT COUNT(*), SUM(CAST(cost_usd AS REAL)) FROM lots").fetchone()
    assert lots[0] == 10 and lots[1] == pytest.approx(float(Decimal(preview["pnl_preview"]["cost_usd"])), rel=0.02)


def test_buy_with_usdc_uses_an_exact_approval(session, chain, buyer, deployment):
    plan = plan_index_buy(session, "Top 10", "500", "USDC", "1", buyer.address)
    assert plan.kinds == ["approve", "index_buy"]
    assert plan.preview.network_fee["approval_gas"] > 0
    result = execute_index_plan(session, plan, buyer, AutoApprovePrompts())
    assert [e.status for e in result.entries] == ["confirmed", "confirmed"]
    for row in result.realised["legs"]:
        assert Decimal(row["received"]) >= Decimal(row["min_out"])
    usdc = next(t for t in deployment["tokens"] if t["symbol"] == "USDC")["address"]
    allowance = chain.call({"to": usdc, "data": function_signature_to_4byte_selector("allowance(address,address)")
                            + encode(["address", "address"], [buyer.address, deployment["contracts"]["swap_router"]])})
    assert int.from_bytes(allowance, "big") == 0  # exact: nothing left approved


def test_a_price_move_beyond_the_tolerance_reverts_and_loses_nothing_but_gas(session, chain, buyer, deployment):
    plan = plan_index_buy(session, "BTC/ETH 60/40", "1", "ETH", "0.5", buyer.address)
    # someone else buys WBTC hard after the preview: the WBTC leg can no longer meet its minimum
    whale = Account.create()
    chain.rpc("anvil_setBalance", [whale.address, hex(10**24)])
    from app.index import routers
    wbtc = next(t for t in deployment["tokens"] if t["symbol"] == "WBTC")["address"]
    leg = routers.SwapLeg(wbtc, 500, 3_000 * 10**18, 1, whale.address)
    data, value = routers.encode_universal_router_eth_buy([leg], 2**40, deployment["contracts"]["weth"])
    chain.rpc("anvil_impersonateAccount", [whale.address])
    chain.wait_for_receipt(chain.send_transaction({"from": whale.address, "to": deployment["contracts"]["universal_router"],
                                                   "value": value, "data": "0x" + data.hex(), "gas": 2_000_000}))
    eth_before = chain.balance(buyer.address)
    wbtc_before = balance(chain, wbtc, buyer.address)
    with pytest.raises(ContractReverted):  # the simulation before signing refuses it
        execute_index_plan(session, plan, buyer, AutoApprovePrompts())
    assert chain.balance(buyer.address) == eth_before and balance(chain, wbtc, buyer.address) == wbtc_before
    assert session.journal.entries() == []


def test_stale_quotes_are_refused_before_signing(session, chain, buyer):
    plan = plan_index_buy(session, "BTC/ETH 60/40", "0.1", "ETH", None, buyer.address)
    chain.rpc("anvil_mine", ["0x5"])
    with pytest.raises(StaleQuote):
        execute_index_plan(session, plan, buyer, AutoApprovePrompts())
    assert session.journal.entries() == []


@pytest.mark.parametrize("basket, amount, pay, slippage, message", [
    ("Top 10", "0", "ETH", None, "above zero"),
    ("Top 10", "-1", "ETH", None, "no sign"),
    ("Top 10", "abc", "ETH", None, "not a number"),
    ("Top 10", "1.1234567", "USDC", None, "more than 6 decimal places"),
    ("Top 10", "1000", "ETH", None, "above the balance"),
    ("Top 10", "10000", "USDC", None, "above the balance"),
    ("Top 10", "1", "ETH", "0", "slippage must be above 0%"),
    ("Top 10", "1", "ETH", "60", "at most 50%"),
    ("Top 10", "1", "DOGE", None, "pay with ETH or USDC"),
    ("No such basket", "1", "ETH", None, "No such basket"),
])
def test_bad_input_is_refused_and_nothing_is_sent(session, chain, buyer, basket, amount, pay, slippage, message):
    nonce = chain.rpc("eth_getTransactionCount", [buyer.address, "latest"])
    with pytest.raises(InvalidInput, match=message):
        plan_index_buy(session, basket, amount, pay, slippage, buyer.address)
    assert chain.rpc("eth_getTransactionCount", [buyer.address, "latest"]) == nonce


@pytest.mark.parametrize("definition, message", [
    ({"name": "x", "weighting": "equal", "constituents": []}, "empty|at least one"),
    ({"name": "x", "weighting": "equal", "constituents": [{"token": "NOPE"}]}, "NOPE"),
    ({"name": "x", "weighting": "equal", "constituents": [{"token": "UNI"}, {"token": "UNI"}]}, "duplicate"),
    ({"name": "x", "weighting": "fixed", "constituents": [{"token": "UNI", "weight": 0.5},
                                                          {"token": "AAVE", "weight": 0.4}]}, "sum"),
    ({"name": "x", "weighting": "fixed", "constituents": [{"token": "UNI", "weight": -0.5},
                                                          {"token": "AAVE", "weight": 1.5}]}, "negative|positive"),
    ({"name": "x", "weighting": "equal",
      "constituents": [{"token": "0x1f9840A85D5Af5BF1d1762F925bDADdC4201F984"}]}, "checksum"),
])
def test_every_bad_basket_file_is_refused(session, buyer, tmp_path, definition, message):
    path = tmp_path / "basket.json"
    path.write_text(json.dumps(definition))
    with pytest.raises(InvalidInput, match=message):
        plan_index_buy(session, str(path), "0.1", "ETH", None, buyer.address)
    assert session.journal.entries() == []


def test_preview_round_trips_do_not_grow_with_the_basket(session, devnet, buyer):
    with RpcProxy(devnet.rpc_url) as proxy:
        proxied = ChainSession.open(session.home, "demo", session.store, proxy.url)
        counts = []
        for basket in ("BTC/ETH 60/40", "Top 20"):
            proxy.reset_counts()
            plan_index_buy(proxied, basket, "1", "ETH", None, buyer.address)
            counts.append(proxy.requests)
    assert counts[0] == counts[1] <= 4


@pytest.mark.parametrize("pay, amount", [("ETH", "1"), ("USDC", "500")])
def test_a_platform_fee_is_taken_on_chain_in_the_same_transaction(session, chain, buyer, deployment, pay, amount):
    from app.index.platform_fee import set_platform_fee

    recipient = Account.create().address
    set_platform_fee(session.store, 30, recipient)
    plan = plan_index_buy(session, "BTC/ETH 60/40", amount, pay, None, buyer.address)
    decimals = 18 if pay == "ETH" else 6
    fee = int(Decimal(amount) * 10**decimals) * 30 // 10_000
    assert plan.preview.platform_fee["bps"] == 30 and Decimal(plan.preview.platform_fee["amount"]) * 10**decimals == fee
    assert Decimal(plan.preview.platform_fee["usd"]) > 0
    assert sum(leg.quote.amount_in for leg in plan.legs if leg.quote) == int(Decimal(amount) * 10**decimals) - fee
    result = execute_index_plan(session, plan, buyer, AutoApprovePrompts())
    assert result.realised["status"] == "confirmed"
    usdc = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")
    got = chain.balance(recipient) if pay == "ETH" else balance(chain, usdc, recipient)
    assert got == fee  # exactly the fee the preview showed, in the same transaction
    assert len([e for e in result.entries if e.kind == "index_buy"]) == 1


def test_a_platform_fee_without_recipient_or_too_high_is_refused(session):
    from app.index.platform_fee import set_platform_fee

    with pytest.raises(InvalidInput, match="recipient"):
        set_platform_fee(session.store, 10, None)
    with pytest.raises(InvalidInput, match="0 to 500"):
        set_platform_fee(session.store, 900, "0x000000000000000000000000000000000000dEaD")


def test_a_large_buy_is_split_across_pools_in_one_transaction_and_beats_one_route(session, chain, buyer):
    """1,000 ETH of Top 10: LINK and most legs are split (direct and via USDC); the split is one
    transaction and delivers, per token, at least what one route per leg would have at the
    same block (both planned before sending; anvil is deterministic)."""
    chain.rpc("anvil_setBalance", [buyer.address, hex(1_100 * 10**18)])
    single = plan_index_buy(session, "Top 10", "1000", "ETH", None, buyer.address, split_routes=False)
    plan = plan_index_buy(session, "Top 10", "1000", "ETH", None, buyer.address)
    assert plan.block == single.block and not single.route_split["considered"]
    assert plan.route_split["taken"] and Decimal(plan.route_split["net_gain_usd"]) > 0
    assert plan.route_split["single_value_usd"] == single.preview.pnl_preview["expected_value_usd"]
    preview = plan.preview.to_json()
    link = next(leg for leg in preview["legs"] if leg["symbol"] == "LINK")
    assert link["route"].startswith("split: ") and len(link["parts"]) >= 2
    assert any(part["route"].startswith("via USDC") for part in link["parts"])
    assert isinstance(link["fee_tier"], list) and len(link["fee_tier"]) == len(link["parts"])
    assert len(plan.swap_legs) > len([leg for leg in plan.legs if leg.quote])  # more swaps than tokens
    assert plan.kinds == ["index_buy"] and preview["transactions"] == 1 and preview["simulation"]["ok"]
    assert Decimal(preview["pnl_preview"]["expected_value_usd"]) > Decimal(single.preview.pnl_preview["expected_value_usd"])

    before = {leg.address: balance(chain, leg.address, buyer.address) for leg in plan.legs}
    result = execute_index_plan(session, plan, buyer, AutoApprovePrompts())
    assert [e.kind for e in result.entries] == ["index_buy"] and result.realised["status"] == "confirmed"
    single_expected = {row["symbol"]: Decimal(row["expected_out"]) for row in single.preview.to_json()["legs"]}
    for leg, row in zip(plan.legs, result.realised["legs"], strict=True):
        got = balance(chain, leg.address, buyer.address) - before[leg.address]
        assert Decimal(row["received"]) * 10**leg.decimals == got
        assert row["received"] == row["expected_out"]        # realised == the split's simulation
        assert Decimal(row["received"]) >= Decimal(row["min_out"])
        assert Decimal(row["received"]) >= single_expected[leg.symbol]
    assert Decimal(next(r for r in result.realised["legs"] if r["symbol"] == "LINK")["received"]) > \
        single_expected["LINK"] * Decimal("1.002")             # LINK: 20+ bps more than one route


def test_splitting_can_be_turned_off_by_the_setting(session, chain, buyer):
    from app.index.split import SPLIT_ROUTES_SETTING

    chain.rpc("anvil_setBalance", [buyer.address, hex(1_100 * 10**18)])  # a size that splits when on
    session.store.set_setting(SPLIT_ROUTES_SETTING, False)
    plan = plan_index_buy(session, "Top 10", "1000", "ETH", None, buyer.address)
    assert not plan.route_split["considered"]
    assert all(len(leg.quote.parts) == 1 for leg in plan.legs if leg.quote)
    assert all(not leg["route"].startswith("split") for leg in plan.preview.to_json()["legs"])

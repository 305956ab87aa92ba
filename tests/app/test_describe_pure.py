"""The describe layer's pure parts: decoders round-tripped over the encoders we send with
(app/index/routers.py), naming, amounts in units and USD, the fee figure, logs -> balance
changes, and the summary's JSON form."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector as selector

from app.errors import InvalidInput
from app.index import routers
from app.tx.describe import describe_transaction
from app.tx.describe.amounts import (
    NATIVE_ADDRESS,
    fee_figure,
    fee_number,
    human_number,
    make_amount,
    usd_text,
)
from app.tx.describe.balance_changes import TRANSFER_TOPIC, net_changes
from app.tx.describe.calls import ADDRESS_THIS, decode_call, parse_v3_path
from app.tx.describe.names import AddressBook, VaultLabel
from app.tx.describe.simulation import SimulationOutcome
from wallet.prompts import SigningSummary

WETH = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
USDC = "0x610178dA211FEF7D417bC0e6FeD39F05609AD788"
LINK = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853"
UNI = "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6"
ROUTER = "0x0165878A594ca255338adfa4d48449f69242Eb8F"
SR02 = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9"
VAULT = "0xE8addD62feD354203d079926a8e563BC1A7FE81e"
ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
FEE_TO = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
STRANGER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
PRICES = {NATIVE_ADDRESS: Decimal("3000"), WETH: Decimal("3000"), USDC: Decimal("1"), LINK: Decimal("14.7")}


def book() -> AddressBook:
    return AddressBook(
        native_symbol="ETH", wrapped_native=WETH,
        contracts={ROUTER: "Uniswap Universal Router", SR02: "Uniswap SwapRouter02",
                   WETH: "WETH (wrapped ETH)", FEE_TO: "Basketry platform fee recipient"},
        tokens={WETH: ("WETH", 18), USDC: ("USDC", 6), LINK: ("LINK", 18), UNI: ("UNI", 18)},
        vaults={VAULT: VaultLabel("Demo USDC Vault", "dvUSDC", 18, USDC, "USDC", 6)})


def tx(to: str, data: bytes, value: int = 0, **extra) -> dict:
    return {"chainId": 31337, "from": ME, "to": to, "value": value, "data": "0x" + data.hex(),
            "gas": 600_000, "maxFeePerGas": 2 * 10**9, **extra}


def describe(t: dict, **kwargs) -> SigningSummary:
    return describe_transaction(t, "Demo network", "ETH", book=book(), prices=PRICES, **kwargs)


# --- Universal Router ----------------------------------------------------------------------------
def test_an_index_buy_with_n_legs_and_a_fee_decodes_field_by_field():
    legs = [routers.SwapLeg(USDC, 500, 10**17, 290 * 10**6, ME),
            routers.SwapLeg(LINK, 3000, 2 * 10**17, 40 * 10**18, ME),
            routers.SwapLeg(UNI, 3000, 3 * 10**17, 7 * 10**18, ME, via=USDC, via_fee=500),
            routers.SwapLeg(WETH, 0, 5 * 10**16, 5 * 10**16, ME)]          # WETH itself: a wrap
    data, value = routers.encode_universal_router_eth_buy(legs, 1_900_000_000, WETH, fee=(FEE_TO, 10**15))
    decoded = decode_call(data)
    assert decoded.method == "execute(bytes,bytes[],uint256)" and decoded.deadline == 1_900_000_000
    assert not decoded.problems
    fee, wrap, own_wrap, *swaps = decoded.steps
    assert fee.kind == "pay" and fee.args == {"token": None, "recipient": FEE_TO, "amount": 10**15}
    assert wrap.kind == "wrap" and wrap.args == {"recipient": ADDRESS_THIS, "amount": 6 * 10**17}
    assert own_wrap.args == {"recipient": ME, "amount": 5 * 10**16}
    assert [s.kind for s in swaps] == ["swap"] * 3
    for leg, step in zip(legs[:3], swaps, strict=True):
        assert step.args["recipient"] == leg.recipient and step.args["amount_in"] == leg.amount_in
        assert step.args["min_out"] == leg.amount_out_min and step.args["payer_is_user"] is False
        assert step.args["tokens"][0] == WETH and step.args["tokens"][-1] == leg.token_out
        assert step.args["fees"] == ((leg.fee,) if leg.via is None else (leg.via_fee, leg.fee))
    assert swaps[2].args["tokens"] == (WETH, USDC, UNI)
    assert value == sum(leg.amount_in for leg in legs) + 10**15

    summary = describe(tx(ROUTER, data, value))
    assert summary.to == ROUTER and summary.to_name == "Uniswap Universal Router"
    texts = [a.text for a in summary.actions]
    assert texts[0] == "Platform fee: 0.001 ETH ($3.00) to Basketry platform fee recipient (0x90F7…b906)"
    assert texts[1] == ("Wrap 0.6 ETH ($1,800.00) into WETH, held by Uniswap Universal Router (0x0165…Eb8F) "
                        "for the swaps")
    assert texts[3] == "Swap 0.1 ETH ($300.00) -> at least 290 USDC ($290.00) via Uniswap V3 0.05%"
    assert texts[4] == "Swap 0.2 ETH ($600.00) -> at least 40 LINK ($588.00) via Uniswap V3 0.3%"
    assert texts[5] == "Swap 0.3 ETH ($900.00) -> at least 7 UNI via USDC (Uniswap V3 0.05% then 0.3%)"
    assert summary.actions[5].route == "via USDC (Uniswap V3 0.05% then 0.3%)"
    assert summary.actions[4].amounts["min_out"].raw == str(40 * 10**18)
    assert summary.actions[4].parties["recipient"].name == "you"
    assert summary.warnings == () and summary.arguments["deadline"].endswith("(unix 1900000000)")


def test_split_legs_into_one_token_show_each_leg_and_a_total():
    legs = [routers.SwapLeg(LINK, 3000, 10**17, 20 * 10**18, ME),
            routers.SwapLeg(LINK, 500, 10**17, 19 * 10**18, ME),
            routers.SwapLeg(LINK, 3000, 10**17, 18 * 10**18, ME, via=USDC, via_fee=500)]
    data, value = routers.encode_universal_router_eth_buy(legs, 1_900_000_000, WETH)
    summary = describe(tx(ROUTER, data, value))
    assert [a.kind for a in summary.actions] == ["wrap", "swap", "swap", "swap"]
    [total] = summary.totals
    assert total.symbol == "LINK" and total.raw == str(57 * 10**18) and total.display == "57 LINK ($837.90)"


def test_unknown_router_commands_and_allow_revert_are_warned_not_guessed():
    inputs = [encode(["address", "uint256"], [ADDRESS_THIS, 1]), b"\x00" * 64]
    data = selector("execute(bytes,bytes[],uint256)") + encode(
        ["bytes", "bytes[]", "uint256"], [bytes([0x8B, 0x10]), inputs, 2**40])
    summary = describe(tx(ROUTER, data, 1))
    assert summary.actions[1].kind == "unknown" and "V4_SWAP" in summary.actions[1].text
    assert summary.warnings[0].startswith("Basketry cannot decode this call")
    assert any("allow-revert" in w for w in summary.warnings)
    assert any("V4_SWAP is not decoded" in w for w in summary.warnings)


def test_a_swap_paid_to_someone_else_or_with_no_minimum_is_warned():
    leg = routers.SwapLeg(LINK, 3000, 10**17, 1, STRANGER)
    data, value = routers.encode_universal_router_eth_buy([leg], 2**40, WETH)
    summary = describe(tx(ROUTER, data, value))
    assert summary.actions[1].text.endswith(f"paid to {STRANGER}")
    assert any(STRANGER in w and "does not know" in w for w in summary.warnings)
    # the zero minimum the encoders refuse, built by hand
    swap = encode(["address", "uint256", "uint256", "bytes", "bool"],
                  [ME, 10**17, 0, routers.v3_path([WETH, LINK], [3000]), False])
    data = selector("execute(bytes,bytes[],uint256)") + encode(["bytes", "bytes[]", "uint256"],
                                                                [bytes([0x00]), [swap], 2**40])
    assert any("no minimum" in w for w in describe(tx(ROUTER, data, 10**17)).warnings)


# --- SwapRouter02 --------------------------------------------------------------------------------
def test_a_usdc_buy_through_swaprouter02_decodes_pull_sweep_and_each_leg():
    legs = [routers.SwapLeg(LINK, 3000, 300 * 10**6, 19 * 10**18, ME, via=WETH, via_fee=500),
            routers.SwapLeg(WETH, 500, 195 * 10**6, 6 * 10**16, ME)]
    data = routers.encode_swaprouter02_token_buy(legs, 1_900_000_000, USDC, fee=(FEE_TO, 5 * 10**6))
    decoded = decode_call(data)
    assert decoded.method == "multicall(uint256,bytes[])" and decoded.deadline == 1_900_000_000
    pull, sweep, first, second = decoded.steps
    assert pull.args == {"token": USDC, "amount": 5 * 10**6}
    assert sweep.args == {"token": USDC, "recipient": FEE_TO, "min_amount": 5 * 10**6}
    assert first.args["tokens"] == (USDC, WETH, LINK) and first.args["fees"] == (500, 3000)
    assert second.args["tokens"] == (USDC, WETH) and second.args["min_out"] == 6 * 10**16
    summary = describe(tx(SR02, data))
    texts = [a.text for a in summary.actions]
    assert texts[0] == "The router takes 5 USDC ($5.00) from you"
    assert texts[1] == "Platform fee: 5 USDC ($5.00) to Basketry platform fee recipient (0x90F7…b906)"
    assert texts[2] == "Swap 300 USDC ($300.00) -> at least 19 LINK ($279.30) via WETH (Uniswap V3 0.05% then 0.3%)"
    assert texts[3] == "Swap 195 USDC ($195.00) -> at least 0.06 WETH ($180.00) via Uniswap V3 0.05%"
    assert summary.warnings == ()


def test_an_exit_multicall_with_unwrap_refund_and_sweep_is_decoded():
    calls = [routers.swap_call(routers.SwapLeg(WETH, 3000, 10 * 10**18, 10**17, ADDRESS_THIS), LINK),
             selector("unwrapWETH9(uint256,address)") + encode(["uint256", "address"], [10**17, ME]),
             selector("refundETH()"),
             selector("sweepToken(address,uint256,address)") + encode(["address", "uint256", "address"], [LINK, 0, ME])]
    data = routers.encode_swaprouter02_multicall(1_900_000_000, calls)
    summary = describe(tx(SR02, data))
    assert [a.kind for a in summary.actions] == ["swap", "unwrap", "refund", "sweep"]
    assert summary.actions[0].text.startswith("Swap 10 LINK ($147.00) -> at least 0.1 WETH ($300.00)")
    assert summary.actions[1].text == "Unwrap the router's WETH into ETH (at least 0.1 ETH ($300.00)) for you (0x7099…79C8)"
    assert summary.actions[3].text == "Send whatever LINK the router holds to you (0x7099…79C8)"


def test_an_unknown_multicall_leg_warns():
    data = routers.encode_swaprouter02_multicall(2**40, [b"\x12\x34\x56\x78" + b"\x00" * 32])
    summary = describe(tx(SR02, data))
    assert summary.actions[0].kind == "unknown"
    assert any("unknown function 0x12345678" in w for w in summary.warnings)


# --- ERC-20, WETH, ERC-4626 ----------------------------------------------------------------------
def test_an_exact_approval_names_the_spender_and_an_unlimited_one_warns():
    summary = describe(tx(USDC, routers.encode_erc20_approve(SR02, 500 * 10**6)))
    assert summary.actions[0].text == "Allow Uniswap SwapRouter02 (0xDc64…F6C9) to spend 500 USDC ($500.00)"
    assert summary.arguments["spender"] == f"{SR02} (Uniswap SwapRouter02)"
    assert summary.warnings == ()
    unlimited = selector("approve(address,uint256)") + encode(["address", "uint256"], [STRANGER, 2**256 - 1])
    warnings = describe(tx(USDC, unlimited)).warnings
    assert any("UNLIMITED" in w for w in warnings) and any("spender" in w and STRANGER in w for w in warnings)


def test_weth_wrap_and_unwrap():
    wrap = describe(tx(WETH, selector("deposit()"), value=10**18))
    assert wrap.actions[0].text == "Wrap 1 ETH ($3,000.00) into WETH, for you (0x7099…79C8)"
    unwrap = describe(tx(WETH, selector("withdraw(uint256)") + encode(["uint256"], [5 * 10**17])))
    assert unwrap.actions[0].text == "Unwrap 0.5 WETH ($1,500.00) into ETH"


def test_vault_calls_show_assets_in_the_asset_units_and_shares_in_share_units():
    deposit = selector("deposit(uint256,address)") + encode(["uint256", "address"], [1_000 * 10**6, ME])
    summary = describe(tx(VAULT, deposit))
    assert summary.to_name == "vault Demo USDC Vault"
    assert summary.actions[0].text == ("Deposit 1,000 USDC ($1,000.00) into vault Demo USDC Vault (0xE8ad…E81e); "
                                       "shares to you (0x7099…79C8)")
    assert summary.actions[0].amounts["assets"].raw == str(10**9)
    redeem = selector("redeem(uint256,address,address)") + encode(["uint256", "address", "address"],
                                                                  [12 * 10**17, ME, ME])
    text = describe(tx(VAULT, redeem)).actions[0].text
    assert text == "Redeem 1.2 dvUSDC of vault Demo USDC Vault (0xE8ad…E81e) for its USDC, paid to you (0x7099…79C8)"
    withdraw = selector("withdraw(uint256,address,address)") + encode(["uint256", "address", "address"],
                                                                      [250 * 10**6, ME, ME])
    assert describe(tx(VAULT, withdraw)).actions[0].text.startswith("Withdraw 250 USDC ($250.00) from vault")
    unknown = describe(tx(STRANGER, deposit))
    assert any("not a vault Basketry knows" in w for w in unknown.warnings)
    assert "1,000,000,000 base units" in unknown.actions[0].text


def test_a_plain_send_and_an_unknown_function():
    send = describe({**tx(STRANGER, b"", value=10**17), "data": "0x"})
    assert send.method is None and send.actions[0].text == f"Send 0.1 ETH ($300.00) to {STRANGER}"
    assert send.value_usd == "300.00"
    odd = describe(tx(USDC, bytes.fromhex("deadbeef00")))
    assert odd.method == "unknown function 0xdeadbeef" and odd.warnings[0].startswith("Basketry cannot decode")


# --- amounts, fee ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "text"), [
    ("1000", "1,000"), ("1234567.891", "1,234,567"), ("12.3456789", "12.3456"), ("0.1", "0.1"),
    ("0.000120843916918146", "0.000120843"), ("0", "0"), ("-2.5", "-2.5")])
def test_human_numbers(value, text):
    assert human_number(Decimal(value)) == text


def test_usd_and_fee_rounding_for_people():
    assert usd_text(Decimal("1000")) == "$1,000.00" and usd_text(Decimal("0.004")) == "<$0.01"
    assert fee_number(120843916918146) == "0.000121"          # a maximum is rounded up
    figure = fee_figure(120843916918146, 2_000_000_000_000, "ETH", Decimal("3000"))
    assert figure.total_wei == str(120843916918146 + 2 * 10**12) and figure.gas_wei == "120843916918146"
    assert figure.exact == "0.000122843916918146 ETH" and figure.display == "0.000123 ETH ($0.37)"
    assert figure.l1_display == "0.000002 ETH ($0.01)" and figure.usd == "0.37"
    assert make_amount(1_000 * 10**6, "USDC", 6, USDC, PRICES).display == "1,000 USDC ($1,000.00)"
    assert make_amount(5, "LINK", 18, LINK, {}).usd is None


# --- balance changes ---------------------------------------------------------------------------------
def _log(address: str, frm: str, to: str, value: int, topics_extra: int = 0) -> dict:
    topics = [TRANSFER_TOPIC, "0x" + "0" * 24 + frm[2:].lower(), "0x" + "0" * 24 + to[2:].lower()]
    return {"address": address.lower(), "topics": topics + ["0x" + "0" * 64] * topics_extra,
            "data": "0x" + value.to_bytes(32, "big").hex()}


def test_logs_give_the_net_change_per_token_for_the_account_only():
    logs = [_log(NATIVE_ADDRESS, ME, ROUTER, 10**18),                  # ETH leaves
            _log(WETH, ROUTER, STRANGER, 10**18),                      # not mine
            _log(LINK, STRANGER, ME, 40 * 10**18),                      # LINK arrives
            _log(USDC, ME, STRANGER, 5), _log(USDC, STRANGER, ME, 5),   # nets to nothing
            _log(UNI, STRANGER, ME, 1, topics_extra=1)]                 # ERC-721 shape: ignored
    assert net_changes(logs, ME) == {NATIVE_ADDRESS: -10**18, LINK: 40 * 10**18}


def test_a_simulation_gives_balance_changes_in_units_and_usd_outs_first():
    sim = SimulationOutcome([_log(LINK, STRANGER, ME, 40 * 10**18), _log(NATIVE_ADDRESS, ME, ROUTER, 10**17)], True)
    summary = describe(tx(ROUTER, b""), simulation=sim)
    assert [(c.direction, c.amount.display) for c in summary.balance_changes] == [
        ("out", "0.1 ETH ($300.00)"), ("in", "40 LINK ($588.00)")]
    assert summary.simulation.startswith("Simulated on this node")
    failing = describe(tx(ROUTER, b""), simulation=SimulationOutcome([], True, reverted="Too little received"))
    assert failing.warnings[0].startswith("The simulation of this exact transaction FAILS (Too little received)")
    missing = describe(tx(ROUTER, b""), simulation=SimulationOutcome(None, False, note="This node cannot simulate."))
    assert missing.simulation == "This node cannot simulate." and missing.balance_changes == ()


# --- JSON ------------------------------------------------------------------------------------------
def test_the_summary_round_trips_through_json():
    legs = [routers.SwapLeg(LINK, 3000, 10**17, 20 * 10**18, ME), routers.SwapLeg(LINK, 500, 10**17, 19 * 10**18, ME)]
    data, value = routers.encode_universal_router_eth_buy(legs, 2**40, WETH, fee=(FEE_TO, 10**15))
    sim = SimulationOutcome([_log(LINK, STRANGER, ME, 40 * 10**18)], True)
    summary = describe(tx(ROUTER, data, value), simulation=sim, l1_fee_wei=7, notes=("n",), warnings=("w",))
    text = json.dumps(summary.to_json())
    assert SigningSummary.from_json(json.loads(text)) == summary
    assert json.loads(text)["chain_id"] == "31337" and json.loads(text)["fee"]["l1_wei"] == "7"


@pytest.mark.parametrize(("change", "message"), [
    ({"network": 5}, "summary.network must be a string"),
    ({"actions": {}}, "summary.actions must be a list"),
    ({"actions": [{"kind": "swap"}]}, "summary.actions[0].text must be a string"),
    ({"balance_changes": [{"direction": "sideways", "amount": {}}]}, "direction must be"),
    ({"fee": {"symbol": "ETH"}}, "summary.fee.gas_wei must be a string"),
    ({"chain_id": "0x1"}, "summary.chain_id must be a decimal string")])
def test_a_malformed_summary_is_refused_naming_the_field(change, message):
    raw = describe(tx(USDC, routers.encode_erc20_approve(SR02, 5))).to_json()
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        SigningSummary.from_json({**raw, **change})


def test_a_path_that_is_not_one_is_refused():
    with pytest.raises(ValueError):
        parse_v3_path(b"\x00" * 42)

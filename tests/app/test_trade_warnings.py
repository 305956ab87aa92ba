"""The warnings a trade's preview carries (pure): Uniswap's thresholds, boundary by boundary."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from app.errors import InvalidInput
from app.index.preview import LegInput, PreviewInput, build_index_preview
from app.index.quotes import Route, RouteQuote
from app.index.routing import DEFAULT_MAX_IMPACT_PCT, choose_route
from app.trade_warnings import (
    IMPACT_REFUSE_PCT,
    as_notes,
    blocking_reason,
    fee_warnings,
    impact_level,
    impact_limit,
    impact_warnings,
    slippage_warnings,
    trade_warnings,
)

WETH, TOK, TOK2 = "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20


@pytest.mark.parametrize("pct, expected", [
    ("0", None), ("0.99", None), ("1", ("warn", "impact_low")), ("2.99", ("warn", "impact_low")),
    ("3", ("warn", "impact_high")), ("4.99", ("warn", "impact_high")), ("5", ("confirm", "impact_confirm")),
    ("15", ("confirm", "impact_confirm")), ("15.01", ("refuse", "impact_refuse")), ("40", ("refuse", "impact_refuse")),
])
def test_impact_thresholds_at_their_boundaries(pct, expected):
    assert impact_level(Decimal(pct)) == expected


def test_a_raised_limit_turns_refusal_into_confirmation_up_to_it():
    assert impact_level(Decimal("20"), Decimal("25")) == ("confirm", "impact_confirm")
    assert impact_level(Decimal("25.01"), Decimal("25")) == ("refuse", "impact_refuse")
    # a limit set lower than 15% only skips more legs (routing); the levels stay Uniswap's
    assert impact_level(Decimal("10"), Decimal("3")) == ("confirm", "impact_confirm")
    text = impact_warnings([("LINK", Decimal("20"), Decimal(100))], Decimal("25"))[0]["text"]
    assert "above the 15% limit raised to 25%" in text and text.startswith("LINK: price impact 20.00%")


def test_total_impact_is_weighted_by_value():
    # 6% on $100 and 0.5% on $900: total (6*100 + 0.5*900) / 1000 = 1.05% -> low warning
    found = impact_warnings([("A", Decimal(6), Decimal(100)), ("B", Decimal("0.5"), Decimal(900))])
    assert [(w["level"], w["code"]) for w in found] == [("confirm", "impact_confirm"), ("warn", "total_impact_low")]
    assert "1.05%" in found[1]["text"] and "A: price impact 6.00%" in found[0]["text"]
    # equal values: a plain mean; one leg alone gives no separate total
    assert impact_warnings([("A", Decimal(4), Decimal(1)), ("B", Decimal(2), Decimal(1))])[-1]["code"] == "total_impact_high"
    assert len(impact_warnings([("A", Decimal(4), Decimal(1))])) == 1


@pytest.mark.parametrize("bps, code", [(1, "slippage_low"), (9, "slippage_low"), (10, None), (50, None),
                                       (550, None), (551, "slippage_high"), (5000, "slippage_high")])
def test_slippage_outside_0_1_to_5_5_percent_warns(bps, code):
    found = slippage_warnings(bps)
    assert [w["code"] for w in found] == ([code] if code else [])
    assert all(w["level"] == "warn" for w in found)


def test_network_fee_above_a_tenth_of_the_trade_warns():
    assert fee_warnings(Decimal("10"), Decimal("100")) == []           # exactly 10%: no
    found = fee_warnings(Decimal("10.01"), Decimal("100"))
    assert found[0]["code"] == "fee_high" and "10.0% of the trade's $100.00" in found[0]["text"]
    assert fee_warnings(Decimal(5), Decimal(0)) == []                  # nothing traded: nothing to compare


def test_blocking_reason_names_the_legs_and_the_flag():
    warnings = trade_warnings([("LINK", Decimal(7), Decimal(10)), ("UNI", Decimal("1.5"), Decimal(10))],
                              50, Decimal(0), Decimal(20))
    assert [w["level"] for w in warnings] == ["confirm", "warn", "warn"]  # most severe first
    reason = blocking_reason(warnings, accepted=False)
    assert "LINK: price impact 7.00%" in reason and "--accept-impact" in reason and "UNI" not in reason
    assert blocking_reason(warnings, accepted=True) is None
    assert blocking_reason(slippage_warnings(1), accepted=False) is None  # a warning alone never blocks
    refused = impact_warnings([("X", Decimal(20), Decimal(1))])
    assert "refused" in blocking_reason(refused, accepted=True)
    assert as_notes(warnings)[0].startswith("Confirmed by you: LINK")


@pytest.mark.parametrize("saved, override, pct", [(None, None, 15), ("3", None, 3), ("3", "25", 25), (None, "7.5%", "7.5")])
def test_the_impact_limit_default_setting_and_override(saved, override, pct):
    assert impact_limit(saved, override) == Fraction(str(pct)) / 100


@pytest.mark.parametrize("text", ["0", "50.01", "abc", "-3"])
def test_a_bad_impact_limit_is_refused(text):
    with pytest.raises(InvalidInput, match="price impact limit"):
        impact_limit(None, text)


def route(mid=Fraction(2000)):
    return Route((WETH, TOK), (3000,), mid)


def test_routing_skips_above_15_percent_by_default():
    assert DEFAULT_MAX_IMPACT_PCT == IMPACT_REFUSE_PCT == 15  # routing's default is the refusal level
    # fair output 1994 (mid 2 less 0.3%): 1800 is a 9.7% impact (kept), 1650 a 17.3% one (skipped)
    kept = choose_route("TOK", [RouteQuote(route(Fraction(2)), 1000, 1800, 1)], impact_limit(), "ETH")
    assert kept.quote is not None
    skipped = choose_route("TOK", [RouteQuote(route(Fraction(2)), 1000, 1650, 1)], impact_limit(), "ETH")
    assert skipped.quote is None and "above the 15% limit" in skipped.skipped
    assert choose_route("TOK", [RouteQuote(route(Fraction(2)), 1000, 1650, 1)],
                        impact_limit(None, "20"), "ETH").quote is not None


def test_the_index_preview_carries_the_warnings():
    # 1 ETH ($2,000) in two legs: TOK at 6.02% impact (937 out of a fair 997 = 0.5 ETH x 2,000
    # less 0.3%) and TOK2 at 0; total 3.01% -> confirm (TOK), warn high (total); 6% slippage warns; the fee
    # 0.11 ETH = $220 is 11% of $2,000 -> warns.
    q1 = RouteQuote(route(), 5 * 10**17, 937 * 10**18, 1)
    q2 = RouteQuote(Route((WETH, TOK2), (3000,), Fraction(2000)), 5 * 10**17, 997 * 10**18, 1)
    preview = build_index_preview(PreviewInput(
        basket="Two", pay_symbol="ETH", pay_decimals=18, pay_price_usd=Decimal(2000), eth_price_usd=Decimal(2000),
        amount_in=10**18, platform_fee_bps=0, platform_fee=0, slippage_bps=600,
        legs=[LegInput("TOK", TOK, 18, Decimal("0.5"), q1, None, Decimal(1)),
              LegInput("TOK2", TOK2, 18, Decimal("0.5"), q2, None, Decimal(1))],
        one_tx_gas=11_000_000, separate_txs_gas=12_000_000, gas_price_wei=10 * 10**9,
        max_gas_price_wei=20 * 10**9, simulated_out=None, block=7))
    codes = [(w["level"], w["code"]) for w in preview.warnings]
    assert codes == [("confirm", "impact_confirm"), ("warn", "total_impact_high"), ("warn", "slippage_high"),
                     ("warn", "fee_high")]
    assert preview.legs[0]["price_impact_bps"] == "601.81"
    assert "TOK: price impact 6.02%" in preview.warnings[0]["text"]
    assert preview.to_json()["warnings"] == preview.warnings

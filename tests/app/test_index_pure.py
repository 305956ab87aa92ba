"""The pure parts of an index buy: slippage, amounts, route choice, the preview's arithmetic."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from app.errors import InvalidInput
from app.index.preview import LegInput, PreviewInput, build_index_preview, min_out
from app.index.quotes import Route, RouteQuote
from app.index.routing import choose_route, parse_slippage, split_amount

WETH, TOK = "0x" + "11" * 20, "0x" + "22" * 20


@pytest.mark.parametrize("text, bps", [(None, 50), ("0.5", 50), ("1", 100), ("50", 5000), ("0.01", 1),
                                       ("2.5%", 250)])
def test_slippage_in_percent(text, bps):
    assert parse_slippage(text) == bps


@pytest.mark.parametrize("text", ["0", "-1", "50.01", "abc", "0.001", "nan", "inf"])
def test_slippage_out_of_range_is_refused(text):
    with pytest.raises(InvalidInput):
        parse_slippage(text)


def test_split_adds_up_exactly():
    weights = {"A": Decimal(1) / 3, "B": Decimal(1) / 3, "C": Decimal(1) / 3}
    amounts = split_amount(10**18 + 1, weights)
    assert sum(amounts.values()) == 10**18 + 1
    assert max(amounts.values()) - min(amounts.values()) <= 2


def route(fee=3000, mid=Fraction(2)):
    return Route((WETH, TOK), (fee,), mid)


def test_best_route_and_skips():
    low = RouteQuote(route(500), 1000, 1990, 100_000)
    high = RouteQuote(route(3000), 1000, 1993, 100_000)
    assert choose_route("TOK", [low, None, high], Fraction(3, 100), "ETH").quote is high
    none = choose_route("TOK", [None, None], Fraction(3, 100), "ETH")
    assert none.quote is None and "no Uniswap V3 pool" in none.skipped
    # at mid 2 less 0.3% the fair output is 1994; 1900 is a 4.7% impact: above 3%
    thin = choose_route("TOK", [RouteQuote(route(3000), 1000, 1900, 1)], Fraction(3, 100), "ETH")
    assert thin.quote is None and "above the 3% limit" in thin.skipped


def test_price_impact_excludes_the_pool_fee():
    q = RouteQuote(route(3000, Fraction(2)), 1000, 1994, 1)  # exactly mid less 0.3%
    assert q.price_impact == 0
    assert RouteQuote(route(3000, Fraction(2)), 1000, 1894, 1).price_impact > Fraction(5, 100)


def test_min_out_rounds_down():
    assert min_out(1000, 50) == 995 and min_out(999, 50) == 994


def test_preview_arithmetic_on_a_hand_computed_case():
    # Pay 1 ETH ($2,000) for one leg: 0.3% pool, quote 1,990 TOK at $1 (mid 2,000 TOK per ETH):
    #   LP fee = $6; impact = 1 - 1990/1994 = 20.06 bps; value = $1,990.
    #   Network fee: 100,000 gas at 10 gwei = 0.001 ETH = $2. Cost = $2,002.
    #   Immediate P&L = 1,990 - 2,002 = -$12; break-even move = 12/1,990 = 0.603%.
    q = RouteQuote(Route((WETH, TOK), (3000,), Fraction(2000)), 10**18, 1990 * 10**18, 90_000)
    preview = build_index_preview(PreviewInput(
        basket="One", pay_symbol="ETH", pay_decimals=18, pay_price_usd=Decimal(2000),
        eth_price_usd=Decimal(2000), amount_in=10**18, platform_fee_bps=0, platform_fee=0,
        slippage_bps=50, legs=[LegInput("TOK", TOK, 18, Decimal(1), q, None, Decimal(1))],
        one_tx_gas=100_000, separate_txs_gas=130_000, gas_price_wei=10 * 10**9,
        max_gas_price_wei=20 * 10**9, simulated_out=[1990 * 10**18], block=7))
    leg = preview.legs[0]
    assert leg["expected_out"] == "1990" and leg["min_out"] == "1980.05"
    assert leg["lp_fee_usd"] == "6.00" and leg["price_impact_bps"] == "20.06"
    assert preview.network_fee == {"gas": 100_000, "gas_limit": 100_000, "approval_gas": 0, "eth": "0.001000000",
                                   "native_symbol": "ETH", "max_eth": "0.002000000", "usd": "2.00",
                                   "gas_price_gwei": "10.0000", "l1_data_fee_eth": None, "l1_data_fee_usd": None,
                                   # the signing summary's figure: 100,000 gas x 20 gwei, rounded up for people
                                   "max_wei": "2000000000000000", "max_display": "0.002 ETH ($4.00)",
                                   "max_usd": "4.00"}
    assert preview.pnl_preview["cost_usd"] == "2002.00"
    assert preview.pnl_preview["immediate_usd"] == "-12.00"
    assert preview.pnl_preview["break_even_move_pct"] == "0.603"
    assert preview.vs_separate["saved_gas"] == 30_000 and preview.vs_separate["saved_pct"] == "23.1"
    assert preview.vs_separate["saved_usd"] == "0.60"
    assert preview.simulation == {"ok": True, "amounts_out": ["1990"]}


def test_an_l1_data_fee_is_shown_apart_and_counted_in_every_total():
    # The same buy on an OP-stack chain: + 0.0005 ETH ($1) of L1 data fee for the one
    # transaction, 0.0008 ETH for the separate swaps (each pays its own).
    q = RouteQuote(Route((WETH, TOK), (3000,), Fraction(2000)), 10**18, 1990 * 10**18, 90_000)
    preview = build_index_preview(PreviewInput(
        basket="One", pay_symbol="ETH", pay_decimals=18, pay_price_usd=Decimal(2000),
        eth_price_usd=Decimal(2000), amount_in=10**18, platform_fee_bps=0, platform_fee=0,
        slippage_bps=50, legs=[LegInput("TOK", TOK, 18, Decimal(1), q, None, Decimal(1))],
        one_tx_gas=100_000, separate_txs_gas=130_000, gas_price_wei=10 * 10**9,
        max_gas_price_wei=20 * 10**9, simulated_out=[1990 * 10**18], block=7,
        l1_data_fee_wei=5 * 10**14, separate_l1_fee_wei=8 * 10**14, fee_explanation="L1 fee rule"))
    fee = preview.network_fee
    assert fee["l1_data_fee_eth"] == "0.000500000" and fee["l1_data_fee_usd"] == "1.00"
    assert fee["eth"] == "0.001500000" and fee["max_eth"] == "0.002500000" and fee["usd"] == "3.00"
    assert preview.pnl_preview["cost_usd"] == "2003.00"
    # saved: 30,000 gas at 10 gwei (0.0003 ETH) + 0.0003 ETH of L1 fee = 0.0006 ETH = $1.20
    assert preview.vs_separate["saved_usd"] == "1.20"
    assert preview.notes[0] == "L1 fee rule"


def test_a_simulation_below_the_minimum_is_not_ok():
    q = RouteQuote(Route((WETH, TOK), (3000,), Fraction(2000)), 10**18, 1990 * 10**18, 90_000)
    preview = build_index_preview(PreviewInput(
        "One", "ETH", 18, Decimal(2000), Decimal(2000), 10**18, 0, 0, 50,
        [LegInput("TOK", TOK, 18, Decimal(1), q, None, Decimal(1))], 1, 1, 1, 1, [1900 * 10**18], 7))
    assert preview.simulation["ok"] is False and "less than the minimum" in preview.notes[0]

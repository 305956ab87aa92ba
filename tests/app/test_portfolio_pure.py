"""The portfolio's pure parts on hand-computed cases: pool-mid prices, and how one transaction
becomes accounting events (trade value, gas as fee, sends, receives, failures)."""

from __future__ import annotations

from decimal import Decimal
from math import isqrt

from app.portfolio.assets import NATIVE_ADDRESS, Asset
from app.portfolio.ledger import ChainTx, PriceBook, TokenMove, events_for_tx
from app.portfolio.pricing import PoolRead, best_pool_price, price_assets

USDC = "0x2000000000000000000000000000000000000002"
WETH = "0x3000000000000000000000000000000000000003"
LOW = "0x1000000000000000000000000000000000000001"    # sorts before USDC: token0 of its pool
HIGH = "0x9000000000000000000000000000000000000009"   # sorts after: token1
ME = "0xA000000000000000000000000000000000000000"
OTHER = "0xB000000000000000000000000000000000000000"


def sqrt_x96(quote_per_token_base: tuple[int, int], token_is_0: bool) -> int:
    """sqrtPriceX96 of a pool where one token base unit is worth num/den quote base units."""
    num, den = quote_per_token_base
    if not token_is_0:
        num, den = den, num
    return isqrt(num * 2**192 // den)


def test_a_token0_and_a_token1_priced_against_usdc():
    # 1 LOW (18 decimals) = 2,000 USDC (6): 2000e6 USDC base units per 1e18 LOW base units
    low = PoolRead(LOW, USDC, 3000, sqrt_x96((2000 * 10**6, 10**18), True), 10**18)
    high = PoolRead(HIGH, USDC, 500, sqrt_x96((25 * 10**5, 10**8), False), 10**12)  # 1 HIGH (8 dec) = 2.5 USDC
    quote = {USDC: (Decimal(1), 6)}
    assert abs(best_pool_price([low], 18, quote, {USDC: "USDC"}).usd - 2000) < Decimal("1e-12")
    found = best_pool_price([high], 8, quote, {USDC: "USDC"})
    assert abs(found.usd - Decimal("2.5")) < Decimal("1e-12") and found.source == "Uniswap V3 USDC 0.05% pool mid"


def test_the_deepest_pool_sets_the_price_and_empty_pools_are_ignored():
    shallow = PoolRead(LOW, USDC, 10000, sqrt_x96((2100 * 10**6, 10**18), True), 10**15)
    deep = PoolRead(LOW, USDC, 3000, sqrt_x96((2000 * 10**6, 10**18), True), 10**18)
    empty = PoolRead(LOW, USDC, 500, sqrt_x96((9999 * 10**6, 10**18), True), 0)
    price = best_pool_price([shallow, empty, deep], 18, {USDC: (Decimal(1), 6)}, {})
    assert round(price.usd, 6) == 2000 and "0.3%" in price.source
    assert best_pool_price([empty], 18, {USDC: (Decimal(1), 6)}, {}) is None


def test_weth_through_usdc_a_token_through_weth_the_native_coin_and_a_vault_share():
    eth = PoolRead(WETH, USDC, 500, sqrt_x96((3000 * 10**6, 10**18), False), 10**20)
    via_weth = PoolRead(HIGH, WETH, 3000, sqrt_x96((10**18, 100 * 10**18), False), 10**20)  # 1 HIGH = 0.01 WETH
    vault = "0xC000000000000000000000000000000000000000"
    assets = [Asset("ETH", NATIVE_ADDRESS, 18, "native"), Asset("USDC", USDC, 6, "token"),
              Asset("WETH", WETH, 18, "token"), Asset("HIGH", HIGH, 18, "token"),
              Asset("vUSDC", vault, 6, "vault", USDC)]
    prices = price_assets(assets, [eth, via_weth], {vault: 1_050_000}, USDC, WETH)
    assert round(prices[WETH].usd, 6) == 3000 and round(prices[NATIVE_ADDRESS].usd, 6) == 3000
    assert round(prices[HIGH].usd, 6) == 30
    assert prices[USDC].usd == 1 and "assumed" in prices[USDC].source
    assert prices[vault].usd == Decimal("1.05") and "previewRedeem" in prices[vault].source


BOOK = PriceBook({USDC: [(0, Decimal(1), "peg")], NATIVE_ADDRESS: [(0, Decimal(2000), "pool"),
                                                                   (500, Decimal(3000), "pool")],
                  LOW: [(0, Decimal(10), "pool")], HIGH: [(0, Decimal(40), "pool")]})
DECIMALS = {USDC: 6, NATIVE_ADDRESS: 18, LOW: 18, HIGH: 18}
QUOTES = {USDC, WETH, NATIVE_ADDRESS}


def tx(**fields) -> ChainTx:
    base = dict(tx_hash="0xaa", block=10, timestamp=100, from_address=ME, to_address=OTHER, value=0,
                gas_used=100_000, gas_price=10**10, success=True)  # gas: 0.001 ETH = $2 at t=100
    return ChainTx(**{**base, **fields})


def test_a_usdc_buy_of_two_tokens_costs_the_usdc_paid_split_by_value_plus_gas():
    moves = [TokenMove(USDC, ME, OTHER, 1_000 * 10**6), TokenMove(LOW, OTHER, ME, 20 * 10**18),
             TokenMove(HIGH, OTHER, ME, 20 * 10**18)]   # market values: $200 and $800
    events = events_for_tx(tx(), moves, {ME}, DECIMALS, BOOK, QUOTES)
    by = {(e.kind, e.token): e for e in events}
    assert by[("disposal", USDC)].value_usd == 1000 and by[("disposal", USDC)].fee_usd == 0
    assert by[("acquisition", LOW)].value_usd == 200 and by[("acquisition", HIGH)].value_usd == 800
    # $2 of gas: a fee on what was bought, by value; and the ETH it took is disposed of at $2
    assert by[("acquisition", LOW)].fee_usd == Decimal("0.4") and by[("acquisition", HIGH)].fee_usd == Decimal("1.6")
    gas = by[("disposal", NATIVE_ADDRESS)]
    assert gas.quantity == 10**15 and gas.value_usd == 2 and gas.fee_usd == 0 and gas.label == "gas"


def test_selling_into_usdc_is_valued_by_the_usdc_received():
    moves = [TokenMove(LOW, ME, OTHER, 10 * 10**18), TokenMove(USDC, OTHER, ME, 95 * 10**6)]
    events = events_for_tx(tx(), moves, {ME}, DECIMALS, BOOK, QUOTES)
    sold = next(e for e in events if e.token == LOW)
    assert sold.value_usd == 95 and sold.fee_usd == 2  # the mid says $100; the trade got $95
    assert next(e for e in events if e.token == USDC).value_usd == 95


def test_an_approval_and_a_failed_transaction_are_costs_on_their_own():
    for success, label in ((True, "fee"), (False, "failed")):
        events = events_for_tx(tx(success=success, value=5 * 10**18), [], {ME}, DECIMALS, BOOK, QUOTES)
        if success:  # the value sent to OTHER is a send at market value, carrying the fee
            send = next(e for e in events if e.label == "send")
            assert send.quantity == 5 * 10**18 and send.value_usd == 10_000 and send.fee_usd == 2
        else:        # a failed transaction moves no value, it only burns gas
            assert [(e.label, e.quantity, e.value_usd, e.fee_usd) for e in events] == [
                (label, 10**15, Decimal(2), Decimal(2))]


def test_receiving_from_someone_else_costs_its_market_value_and_no_gas():
    events = events_for_tx(tx(from_address=OTHER, to_address=LOW), [TokenMove(LOW, OTHER, ME, 3 * 10**18)],
                           {ME}, DECIMALS, BOOK, QUOTES)
    assert [(e.kind, e.token, e.value_usd, e.label) for e in events] == [("acquisition", LOW, 30, "receive")]


def test_unknown_tokens_are_left_out_and_prices_come_from_the_right_time():
    spam = "0xD000000000000000000000000000000000000000"
    events = events_for_tx(tx(timestamp=600), [TokenMove(spam, OTHER, ME, 10**30)], {ME}, DECIMALS, BOOK, QUOTES)
    assert [(e.token, e.value_usd) for e in events] == [(NATIVE_ADDRESS, 3)]  # gas at $3000 by then
    assert BOOK.at(NATIVE_ADDRESS, 499)[0] == 2000 and BOOK.at(NATIVE_ADDRESS, 500)[0] == 3000
    assert BOOK.at(LOW, -5)[0] == 10  # before any price: the first one, said in the source


def test_a_trade_is_priced_at_the_block_before_not_at_its_own_block():
    """A price read at the trade's own block (a refresh right after it, the pool already moved)
    is never the trade's price: the newest strictly before it (the block before) is."""
    book = PriceBook({NATIVE_ADDRESS: [(88, Decimal(2000), "pool"), (100, Decimal(2600), "pool")],
                      LOW: [(88, Decimal(10), "pool"), (100, Decimal(14), "pool")],
                      HIGH: [(88, Decimal(40), "pool"), (100, Decimal(30), "pool")]})
    moves = [TokenMove(LOW, ME, OTHER, 10 * 10**18), TokenMove(HIGH, OTHER, ME, 2 * 10**18)]
    events = events_for_tx(tx(timestamp=100), moves, {ME}, DECIMALS, book, QUOTES)
    by = {(e.kind, e.token): e for e in events}
    assert by[("disposal", LOW)].value_usd == 100  # 10 LOW at $10 (t=88), not $14 (t=100)
    assert by[("acquisition", HIGH)].value_usd == 100 and by[("acquisition", HIGH)].fee_usd == 2  # gas at $2,000
    assert by[("disposal", NATIVE_ADDRESS)].value_usd == 2
    assert all(e.price_source.endswith(" at 88") for e in events)

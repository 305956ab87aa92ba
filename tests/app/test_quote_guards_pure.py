"""The quote-time guards as pure functions: share-price flags, the index per-token comparison,
the fee measure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.index.quote_guard import index_shortfalls, shortfall_message
from app.vaults.fees import NONE_TEXT, NOT_DISCLOSED, VaultFees, fee_pct, measured_fees
from app.vaults.share_price_guard import (
    DepositState,
    SharePriceFlagged,
    deposit_flags,
    moved_pct,
    price_jump,
    refuse_unaccepted,
)

DAY = 86400


def state(**changes) -> DepositState:
    base = dict(symbol="v", decimals=6, asset_symbol="USDC", asset_decimals=6, total_supply=5_000 * 10**6,
                total_assets=5_000 * 10**6, share_price=10**6, amount=1_000 * 10**6,
                expected_shares=1_000 * 10**6, timestamp=100 * DAY)
    return DepositState(**{**base, **changes})


def codes(flags) -> dict[str, str]:
    return {f["code"]: f["level"] for f in flags}


def test_a_healthy_vault_is_not_flagged_and_an_empty_one_is_noted():
    history = [(t * DAY, 10**6 + t) for t in range(90, 100)]
    assert deposit_flags(state(), history) == []
    assert codes(deposit_flags(state(total_supply=0, total_assets=0), [])) == {"first_deposit": "warn"}


def test_the_front_run_states_are_flagged():
    attacked = state(total_supply=1, total_assets=600 * 10**6 + 1, share_price=(600 * 10**6 + 1) * 10**6,
                     expected_shares=1)
    history = [(99 * DAY, 10**6)]
    assert codes(deposit_flags(attacked, history)) == {"tiny_supply": "confirm", "share_price_jump": "confirm",
                                                        "few_shares": "confirm"}
    assert codes(deposit_flags(state(expected_shares=0), [])) == {"zero_shares": "refuse"}
    assert codes(deposit_flags(state(total_assets=10 * 10**6, total_supply=10 * 10**6), [])) == {"most_of_vault": "warn"}


@pytest.mark.parametrize("price, days_ago, flagged", [
    (1_049_000, 1, False),   # +4.9% a day after: inside the 5% floor
    (1_060_000, 1, True),    # +6%: outside 5.25%
    (1_060_000, 10, False),  # +6% over ten days: inside 7.5%
    (940_000, 1, True),      # -6%: a drop, flagged too (as a warning)
])
def test_the_jump_band_grows_with_time_since_the_history(price, days_ago, flagged):
    now = 100 * DAY
    history = [(now - days_ago * DAY - i * 3600, 10**6) for i in range(3)][::-1]
    assert (price_jump(history, now, price) is not None) is flagged
    if flagged and price < 10**6:
        assert codes(deposit_flags(state(share_price=price), history)) == {"share_price_drop": "warn"}


def test_samples_of_this_block_and_without_history_do_not_count():
    assert price_jump([], 10, 5 * 10**6) is None
    assert price_jump([(10, 10**6)], 10, 5 * 10**6) is None  # the read's own sample


def test_refusals_need_acceptance_and_refuse_cannot_be_accepted():
    confirm = [{"level": "confirm", "code": "tiny_supply", "text": "tiny"}]
    with pytest.raises(SharePriceFlagged, match="tiny.*--accept-share-price"):
        refuse_unaccepted(confirm, False)
    refuse_unaccepted(confirm, True)
    refuse_unaccepted([{"level": "confirm", "code": "fee_above_10pct", "text": "other helper's"}], False)
    with pytest.raises(SharePriceFlagged, match="refused: none"):
        refuse_unaccepted([{"level": "refuse", "code": "zero_shares", "text": "none"}], True)
    assert moved_pct(1000, 995) == Decimal("0.50") and moved_pct(1000, 0) is None


def leg(symbol, address, min_out, expected, skipped=None):
    return {"symbol": symbol, "address": address, "min_out": min_out, "expected_out": expected, "skipped": skipped}


def test_index_legs_compare_per_token_with_split_parts_summed():
    quoted = {"legs": [leg("LINK", "0xA", "10", "10.05"), leg("UNI", "0xB", "5", "5.02"), leg("X", "0xC", "0", "0", "no pool")]}
    split = {"legs": [leg("LINK", "0xa", "6", "6.03"), leg("LINK", "0xA", "4", "4.02"), leg("UNI", "0xB", "5.1", "5.12")]}
    assert index_shortfalls(quoted, split) == []
    worse = {"legs": [leg("LINK", "0xA", "9.99", "10.04"), leg("UNI", "0xB", "5", "5.02")]}
    [short] = index_shortfalls(quoted, worse)
    assert short.symbol == "LINK" and not short.past_tolerance
    gone = {"legs": [leg("LINK", "0xA", "9.9", "9.95"), leg("UNI", "0xB", "0", "0", "no route")]}
    shorts = index_shortfalls(quoted, gone)
    assert [s.symbol for s in shorts] == ["LINK", "UNI"] and all(s.past_tolerance for s in shorts)
    assert "past your 0.5% tolerance" in shortfall_message(7, shorts, 50) and "quote 7" in shortfall_message(7, shorts, 50)


def test_fees_are_the_gap_between_previews_and_conversions():
    assert fee_pct(1000 * 10**6, 990_099_009) == Decimal("0.9901")
    assert fee_pct(10, 10) == 0 and fee_pct(None, 5) is None and fee_pct(0, 0) is None
    assert measured_fees(100, 100, 100, 100).text() == NONE_TEXT
    assert VaultFees(None, None).text() == NOT_DISCLOSED
    both = measured_fees(1000, 990, 1000, 995, {"performanceFee": "10%"}).as_json()
    assert both["entry_pct"] == "1" and both["exit_pct"] == "0.5"
    assert both["text"] == ("entry 1% (previewDeposit below convertToShares); exit 0.5% (previewRedeem below "
                            "convertToAssets); performanceFee 10% (from yield)")

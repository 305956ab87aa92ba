"""Cost basis and P&L (app/accounting): every expected number is worked out by hand in a
comment next to it."""

from __future__ import annotations

import random
import time
from decimal import Decimal as D

import pytest

from app.accounting import (
    METHODS,
    Acquisition,
    Disposal,
    OversoldError,
    compute,
    unrealised,
    unrealised_by_position,
)


def buy(t, qty, cost, fee="0", ref="", token="UNI", account="0xA"):
    return Acquisition(t, D(qty), D(cost), D(fee), ref, token=token, account=account)


def sell(t, qty, proceeds, fee="0", ref="", token="UNI", account="0xA"):
    return Disposal(t, D(qty), D(proceeds), D(fee), ref, token=token, account=account)


# Buys of 1 UNI at 10, 20, 30, then 1.5 UNI sold for 60 (40 each).
THREE_BUYS_PARTIAL_SELL = [
    buy(1, "1", "10", ref="b10"),
    buy(2, "1", "20", ref="b20"),
    buy(3, "1", "30", ref="b30"),
    sell(4, "1.5", "60", ref="s1"),
]


@pytest.mark.parametrize(("method", "cost", "pnl", "remaining_cost", "refs"), [
    # FIFO: b10 whole (10) + half of b20 (10) = 20; P&L 60 - 20 = 40;
    #       left: half of b20 (10) + b30 (30) = 40.
    ("fifo", "20", "40", "40", ("b10", "b20")),
    # LIFO: b30 whole (30) + half of b20 (10) = 40; P&L 60 - 40 = 20; left: 10 + 10 = 20.
    ("lifo", "40", "20", "20", ("b30", "b20")),
    # HIFO: highest unit cost first = b30 then b20, here the same as LIFO: 40, 20, 20.
    ("hifo", "40", "20", "20", ("b30", "b20")),
    # Average: pool 3 UNI for 60, 20 each; 1.5 x 20 = 30; P&L 60 - 30 = 30; left 1.5 x 20 = 30.
    ("average", "30", "30", "30", ("average",)),
])
def test_three_buys_then_a_partial_sell(method, cost, pnl, remaining_cost, refs):
    report = compute(THREE_BUYS_PARTIAL_SELL, method)

    (disposal,) = report.disposals
    assert disposal.cost_basis_usd == D(cost)
    assert disposal.pnl_usd == D(pnl)
    assert disposal.lot_refs == refs
    assert report.realised_usd == D(pnl)
    (holding,) = report.holdings
    assert holding.quantity == D("1.5")  # 3 bought - 1.5 sold
    assert holding.cost_usd == D(remaining_cost)
    assert sum(lot.cost_usd for lot in report.open_lots) == D(remaining_cost)
    assert sum(lot.quantity for lot in report.open_lots) == D("1.5")
    assert report.method == method and report.settings["method"] == method


def test_hifo_takes_the_highest_unit_cost_not_the_newest():
    # Buys at 20, 30, 10; sell 1 for 25. HIFO takes b30 (P&L 25 - 30 = -5), LIFO b10 (+15),
    # FIFO b20 (+5).
    events = [buy(1, "1", "20", ref="b20"), buy(2, "1", "30", ref="b30"),
              buy(3, "1", "10", ref="b10"), sell(4, "1", "25")]
    assert compute(events, "hifo").disposals[0].lot_refs == ("b30",)
    assert compute(events, "hifo").realised_usd == D("-5")
    assert compute(events, "lifo").realised_usd == D("15")
    assert compute(events, "fifo").realised_usd == D("5")
    # HIFO's open lots: b20 and b10, 30 of cost left.
    report = compute(events, "hifo")
    assert {lot.ref for lot in report.open_lots} == {"b20", "b10"}
    assert report.holdings[0].cost_usd == D("30")


def test_fees_raise_the_cost_basis_and_reduce_the_proceeds():
    # Buy 2 UNI for 100 + 2 gas: basis 102 (51 each). Sell 1 for 80 with 1 of gas:
    # 80 - 1 - 51 = 28. Fees 2 + 1 = 3. Left: 1 UNI costing 51.
    events = [buy(1, "2", "100", fee="2", ref="b"), sell(2, "1", "80", fee="1", ref="s")]
    for method in METHODS:
        report = compute(events, method)
        (disposal,) = report.disposals
        assert disposal.cost_basis_usd == D("51")
        assert disposal.pnl_usd == D("28")
        assert report.fees_usd == D("3")
        assert report.holdings[0].cost_usd == D("51")


def test_a_sell_across_two_lots_records_both_lots():
    # FIFO: 2 @ 10 (b1, cost 20) and 3 @ 12 (b2, cost 36); sell 4 for 60:
    # b1 whole (2, 20) + 2 of b2 (2/3 x 36 = 24) = 44; P&L 60 - 44 = 16. b2 keeps 1 UNI, 12.
    events = [buy(1, "2", "20", ref="b1"), buy(2, "3", "36", ref="b2"), sell(3, "4", "60")]
    report = compute(events)  # FIFO is the default

    (disposal,) = report.disposals
    assert [(c.ref, c.quantity, c.cost_usd) for c in disposal.consumed] == [
        ("b1", D("2"), D("20")), ("b2", D("2"), D("24"))]
    assert disposal.pnl_usd == D("16")
    (lot,) = report.open_lots
    assert (lot.ref, lot.quantity, lot.cost_usd) == ("b2", D("1"), D("12"))


@pytest.mark.parametrize("method", list(METHODS))
def test_selling_everything_leaves_no_open_lot(method):
    # Bought 3 for 60 in all, sold 3 for 90 in two steps: P&L 90 - 60 = 30 by every method.
    events = THREE_BUYS_PARTIAL_SELL + [sell(5, "1.5", "30")]
    report = compute(events, method)

    assert report.open_lots == () and report.holdings == ()
    assert report.realised_usd == D("30")
    assert unrealised(report, {}) == D("0")


def test_average_cost_changes_on_acquisitions_only():
    # Buy 2 for 40 (avg 20). Sell 1 for 50: cost 20, P&L 30; pool 1 @ 20 (avg still 20).
    # Buy 1 for 40: pool 2 for 60, avg 30. Sell 1 for 50: cost 30, P&L 20; pool 1 @ 30.
    events = [buy(1, "2", "40"), sell(2, "1", "50"), buy(3, "1", "40"), sell(4, "1", "50")]
    report = compute(events, "average")

    assert [d.cost_basis_usd for d in report.disposals] == [D("20"), D("30")]
    assert [d.pnl_usd for d in report.disposals] == [D("30"), D("20")]
    assert report.realised_usd == D("50")
    (lot,) = report.open_lots
    assert (lot.ref, lot.quantity, lot.cost_usd, lot.time) == ("average", D("1"), D("30"), 3)
    # With a third of a pool sold, the average unit cost stays 10 (30 for 3): 1 x 10 = 10.
    thirds = compute([buy(1, "3", "30"), sell(2, "1", "5")], "average")
    assert thirds.disposals[0].cost_basis_usd == D("10")
    assert thirds.holdings[0].cost_usd == D("20")


def test_overselling_raises_and_names_token_and_time():
    # Held 2 UNI at t=3 (the other account's 5 do not count).
    events = [buy(1, "2", "20"), buy(2, "5", "50", account="0xB"), sell(3, "3", "40")]
    with pytest.raises(ValueError, match=r"sold 3 UNI at t=3 in 0xA but held 2"):
        compute(events)
    with pytest.raises(OversoldError, match=r"sold 1 AAVE at t=1 but held 0"):
        compute([sell(1, "1", "10", token="AAVE", account="")])


def test_events_are_taken_in_time_order():
    # Given out of order, the buy at t=1 still comes before the sell at t=2.
    report = compute([sell(2, "1", "15"), buy(1, "1", "10")])
    assert report.realised_usd == D("5")


@pytest.mark.parametrize("bad", [1.5, True])
def test_floats_and_bools_are_refused(bad):
    with pytest.raises(TypeError):
        Acquisition(1, bad, D("10"), token="UNI")
    with pytest.raises(TypeError):
        Disposal(1, D("1"), bad, token="UNI")
    with pytest.raises(TypeError):
        Acquisition(1, D("1"), D("10"), bad, token="UNI")
    report = compute([buy(1, "1", "10")])
    with pytest.raises(TypeError):
        unrealised(report, {"UNI": bad})


def test_ints_and_decimal_strings_are_exact_and_signs_are_checked():
    assert Acquisition(1, 2, "0.1", token="UNI").cost_usd == D("0.1")
    with pytest.raises(ValueError):
        Acquisition(1, D("0"), D("1"), token="UNI")
    with pytest.raises(ValueError):
        Disposal(1, D("1"), D("-1"), token="UNI")
    with pytest.raises(ValueError, match="unknown cost basis method"):
        compute([], "wac")


def test_unrealised_per_position_and_in_total():
    # 0xA: 1.5 UNI left costing 40 (FIFO, above); at 50: 75 - 40 = 35.
    # 0xB: 2 AAVE for 200; at 90: 180 - 200 = -20. Total 15.
    events = THREE_BUYS_PARTIAL_SELL + [buy(1, "2", "200", token="AAVE", account="0xB")]
    report = compute(events, "fifo")
    prices = {"UNI": D("50"), "AAVE": D("90")}

    assert unrealised_by_position(report, prices) == {("0xA", "UNI"): D("35"),
                                                       ("0xB", "AAVE"): D("-20")}
    assert unrealised(report, prices) == D("15")
    with pytest.raises(ValueError, match="no price for AAVE"):
        unrealised(report, {"UNI": D("50")})


def test_a_report_records_what_reproduces_it():
    report = compute(THREE_BUYS_PARTIAL_SELL, "hifo")
    assert report.settings["events"] == 4
    assert report.settings["method"] == "hifo"
    again = compute(list(THREE_BUYS_PARTIAL_SELL), report.settings["method"])
    assert again == report
    changed = compute(THREE_BUYS_PARTIAL_SELL[:3] + [sell(4, "1.5", "61")], "hifo")
    assert changed.settings["events_sha256"] != report.settings["events_sha256"]


def _random_events(n: int, seed: int = 6) -> list:
    """n buys and sells over 4 accounts x 5 tokens; a sell never exceeds what is held."""
    rng = random.Random(seed)
    held: dict[tuple[str, str], D] = {}
    events = []
    for t in range(n):
        position = (f"0x{rng.randrange(4)}", f"T{rng.randrange(5)}")
        quantity = D(rng.randrange(1, 10_000_000)).scaleb(-6)
        price = D(rng.randrange(100, 100_000)).scaleb(-2)
        fee = D(rng.randrange(0, 500)).scaleb(-2)
        have = held.get(position, D(0))
        if have and rng.random() < 0.45:
            quantity = min(quantity, have)
            held[position] = have - quantity
            events.append(Disposal(t, quantity, quantity * price, fee,
                                   account=position[0], token=position[1]))
        else:
            held[position] = have + quantity
            events.append(Acquisition(t, quantity, quantity * price, fee,
                                      account=position[0], token=position[1]))
    return events


@pytest.mark.parametrize("method", list(METHODS))
def test_100000_random_events(method):
    events = _random_events(100_000)
    started = time.perf_counter()
    report = compute(events, method)
    elapsed = time.perf_counter() - started
    print(f"\ncompute({len(events)} events, {method}): {elapsed:.3f} s")

    # Nothing is lost: cost in = cost consumed + cost still open (to rounding of parts).
    cost_in = sum(e.cost_usd + e.fee_usd for e in events if isinstance(e, Acquisition))
    consumed = sum(d.cost_basis_usd for d in report.disposals)
    still_open = sum(h.cost_usd for h in report.holdings)
    assert abs(cost_in - consumed - still_open) < D("1e-12")
    assert all(lot.quantity > 0 for lot in report.open_lots)
    assert report.settings["events"] == 100_000

"""Carries (app/accounting/cost_basis.py CARRY_OUT/CARRY_IN/DEPOSIT_IN/WITHDRAW_IN, and how
app/portfolio/ledger.py derives them): own-account moves, ETH<->WETH wraps and vault deposits
realise nothing and keep each lot's date and cost; a vault withdrawal realises its yield only,
as income at its market value. Every expected number is worked out in a comment."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.accounting import METHODS, Accountant
from app.accounting.cost_basis import (
    CARRY_IN,
    CARRY_OUT,
    DEPOSIT_IN,
    WITHDRAW_IN,
    Entry,
    OversoldError,
)
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.ledger import ZERO_ADDRESS, Carries, ChainTx, PriceBook, TokenMove, events_for_tx

A, B = "0xA", "0xB"
ETH, WETH, SHARES, OTHER = NATIVE_ADDRESS, "0xWETH", "0xVAULT", "0xSOMEONE"


def buy(t, qty, cost, ref, token=ETH, account=A):
    return Entry(True, account, token, t, D(qty), D(cost), D(0), ref)


def sell(t, qty, proceeds, ref, token=ETH, account=A):
    return Entry(False, account, token, t, D(qty), D(proceeds), D(0), ref)


def carry(code, t, qty, value, ref, token=ETH, account=A):
    return Entry(code, account, token, t, D(qty), D(value), D(0), ref)


def booked(method, entries):
    accountant = Accountant(method)
    accountant.extend_checked(entries)
    return accountant


def lots(accountant, account, token):
    return [(lot.ref, lot.time, lot.quantity, lot.cost_usd) for lot in accountant.report().open_lots
            if (lot.account, lot.token) == (account, token)]


# 1 ETH bought at t=10 for 1000 ("old"), 1 ETH at t=20 for 3000 ("new"); at t=30 one ETH goes
# from A to B (tx m); B had bought 1 ETH at t=25 for 2000 ("b").
MOVE = [buy(10, "1", "1000", "old#0"), buy(20, "1", "3000", "new#0"), buy(25, "1", "2000", "b#0", account=B),
        carry(CARRY_OUT, 30, "1", "2500", "m#0"), carry(CARRY_IN, 30, "1", "2500", "m#1", account=B)]


@pytest.mark.parametrize(("method", "received", "left"), [
    ("fifo", [("b#0", 25, D(1), D(2000)), ("old#0", 10, D(1), D(1000))], [("new#0", 20, D(1), D(3000))]),
    ("lifo", [("b#0", 25, D(1), D(2000)), ("new#0", 20, D(1), D(3000))], [("old#0", 10, D(1), D(1000))]),
    ("hifo", [("b#0", 25, D(1), D(2000)), ("new#0", 20, D(1), D(3000))], [("old#0", 10, D(1), D(1000))]),
    # average: A's pool is (1000 + 3000) / 2 a unit; B's 2000 (b) + 2000 (moved in)
    ("average", [("average", 25, D(2), D(4000))], [("average", 20, D(1), D(2000))]),
])
def test_a_move_between_own_accounts_carries_the_lots_date_and_cost_and_realises_nothing(method, received, left):
    accountant = booked(method, MOVE)
    assert accountant.realised == 0 and accountant.disposals == []
    assert sorted(lots(accountant, B, ETH)) == received   # FIFO moves the oldest, LIFO the newest, HIFO the dearest
    assert lots(accountant, A, ETH) == left


def test_after_a_move_fifo_sells_the_moved_lot_first_by_its_original_date():
    # B sells 1 ETH at t=40 for 2500: FIFO takes A's "old" lot (t=10, cost 1000), older than
    # B's own (t=25): +1500; without the date carried it would have been B's at 2000: +500
    accountant = booked("fifo", [*MOVE, sell(40, "1", "2500", "s#0", account=B)])
    assert accountant.realised == D(1500)
    assert accountant.disposals[0].lot_refs == ("old#0",)


def test_moving_more_than_held_is_refused():
    with pytest.raises(OversoldError, match="moved 3"):
        booked("fifo", [buy(1, "1", "1000", "x#0"), carry(CARRY_OUT, 2, "3", "0", "m#0")])


def test_a_carry_in_without_a_carry_out_booked_is_an_acquisition_at_its_value():
    accountant = booked("fifo", [carry(CARRY_IN, 1, "2", "5000", "m#1", account=B)])
    assert lots(accountant, B, ETH) == [("m#1", 1, D(2), D(5000))] and accountant.realised == 0


@pytest.mark.parametrize("method", METHODS)
def test_a_wrap_and_an_unwrap_realise_nothing_and_keep_date_and_cost(method):
    # 2 ETH bought at t=1 for 4000; t=2 1.5 ETH wrapped into 1.5 WETH; t=3 0.5 WETH unwrapped
    accountant = booked(method, [
        buy(1, "2", "4000", "b#0"),
        carry(CARRY_OUT, 2, "1.5", "4500", "w#0"), carry(CARRY_IN, 2, "1.5", "4500", "w#1", token=WETH),
        carry(CARRY_OUT, 3, "0.5", "1600", "u#0", token=WETH), carry(CARRY_IN, 3, "0.5", "1600", "u#1")])
    assert accountant.realised == 0
    held = {(h.token): (h.quantity, h.cost_usd) for h in accountant.holdings()}
    assert held == {ETH: (D(1), D(2000)), WETH: (D(1), D(2000))}   # 2000 a unit throughout
    ref = "average" if method == "average" else "b#0"
    assert {lot[0] for lot in lots(accountant, A, WETH)} == {ref}
    assert all(lot[1] == 1 for lot in lots(accountant, A, WETH))   # dated t=1, the purchase


@pytest.mark.parametrize("method", METHODS)
def test_a_vault_deposit_then_withdrawal_with_yield_realises_only_the_yield_as_income(method):
    # 1 WETH bought at t=1 for 2000 and 1 at t=2 for 2400. t=3: 1 WETH deposited for 0.9 shares
    # (worth 2100): nothing realised, the shares cost what the WETH did. t=4: the 0.9 shares
    # redeemed for 1.1 WETH worth 2750 (2500 a WETH): the 0.1 WETH above the principal of 1 is
    # the yield, income of 2750 * 0.1 / 1.1 = 250; the WETH back costs what the shares did.
    entries = [buy(1, "1", "2000", "b1#0", token=WETH), buy(2, "1", "2400", "b2#0", token=WETH),
               carry(CARRY_OUT, 3, "1", "2100", "d#0", token=WETH), carry(DEPOSIT_IN, 3, "0.9", "2100", "d#1",
                                                                           token=SHARES)]
    deposited = booked(method, entries)
    cost = {"fifo": D(2000), "lifo": D(2400), "hifo": D(2400), "average": D(2200)}[method]
    assert deposited.realised == 0
    assert {h.token: (h.quantity, h.cost_usd) for h in deposited.holdings()}[SHARES] == (D("0.9"), cost)
    assert deposited.principal[(A, SHARES)] == (WETH, D(1))
    withdrawn = booked(method, [*entries, carry(CARRY_OUT, 4, "0.9", "2750", "w#0", token=SHARES),
                                carry(WITHDRAW_IN, 4, "1.1", "2750", "w#1", token=WETH)])
    assert withdrawn.realised == withdrawn.income == D(250) and withdrawn.disposals == []
    assert withdrawn.realised_by_position == {(A, WETH): D(250)}
    held = {h.token: (h.quantity, h.cost_usd) for h in withdrawn.holdings()}
    assert held == {WETH: (D("2.1"), D(4400) + D(250))}   # both purchases, plus the income's basis
    if method != "average":   # the principal keeps its purchase's date, the yield is dated t=4
        assert sorted(lot[1] for lot in lots(withdrawn, A, WETH)) == [1, 2, 4]
    # sold at once for 2500 each: 5250 - 4650 = 600, whatever the method, and 250 already counted
    sold = booked(method, [*withdrawn_entries(entries), sell(5, "2.1", "5250", "s#0", token=WETH)])
    assert sold.realised == D(250) + D(600)


def withdrawn_entries(entries):
    return [*entries, carry(CARRY_OUT, 4, "0.9", "2750", "w#0", token=SHARES),
            carry(WITHDRAW_IN, 4, "1.1", "2750", "w#1", token=WETH)]


def test_a_partial_withdrawal_takes_its_share_of_the_principal():
    # 1 WETH (cost 2000) for 1 share; half the shares redeemed for 0.55 WETH worth 1100: the
    # principal of those shares is 0.5 WETH, so 0.05 WETH is yield: 1100 * 0.05 / 0.55 = 100
    accountant = booked("fifo", [
        buy(1, "1", "2000", "b#0", token=WETH),
        carry(CARRY_OUT, 2, "1", "2000", "d#0", token=WETH), carry(DEPOSIT_IN, 2, "1", "2000", "d#1", token=SHARES),
        carry(CARRY_OUT, 3, "0.5", "1100", "w#0", token=SHARES),
        carry(WITHDRAW_IN, 3, "0.55", "1100", "w#1", token=WETH)])
    assert accountant.income == D(100)
    assert accountant.principal[(A, SHARES)] == (WETH, D("0.5"))
    held = {h.token: (h.quantity, h.cost_usd) for h in accountant.holdings()}
    assert held == {SHARES: (D("0.5"), D(1000)), WETH: (D("0.55"), D(1100))}


def test_a_withdrawal_below_the_principal_realises_nothing():
    accountant = booked("fifo", [
        buy(1, "1", "2000", "b#0", token=WETH),
        carry(CARRY_OUT, 2, "1", "2000", "d#0", token=WETH), carry(DEPOSIT_IN, 2, "1", "2000", "d#1", token=SHARES),
        carry(CARRY_OUT, 3, "1", "1900", "w#0", token=SHARES), carry(WITHDRAW_IN, 3, "0.99", "1900", "w#1",
                                                                    token=WETH)])
    assert accountant.realised == 0
    assert [(h.quantity, h.cost_usd) for h in accountant.holdings()] == [(D("0.99"), D(2000))]


# --- the ledger: which transactions are carries -----------------------------------------------
DECIMALS = {ETH: 18, WETH: 18, SHARES: 18}
BOOK = PriceBook({ETH: [(0, D(2000), "pool")], WETH: [(0, D(2000), "pool")], SHARES: [(0, D(2100), "share")]})
CARRIES = Carries({SHARES: WETH}, WETH)
E18 = 10**18


def tx(value=0, to=OTHER, sender=A):
    return ChainTx("0xt", 10, 100, sender, to, value, 21_000, 10**9, True)   # gas: 2.1e-5 ETH = $0.042


def kinds(events):
    return [(e.account, e.token, e.kind, e.quantity, e.label) for e in events]


def test_eth_and_weth_sent_to_an_own_account_are_moves_and_the_gas_a_fee():
    events = events_for_tx(tx(E18, to=B), [TokenMove(WETH, A, B, E18 // 4)], {A, B}, DECIMALS, BOOK, set(), CARRIES)
    assert kinds(events) == [(A, WETH, "disposal", E18 // 4, "move"), (B, WETH, "acquisition", E18 // 4, "move"),
                             (A, ETH, "disposal", E18, "move"), (B, ETH, "acquisition", E18, "move"),
                             (A, ETH, "disposal", 21_000 * 10**9, "fee")]
    assert events[-1].value_usd == events[-1].fee_usd == D("0.042")
    # to someone else it stays a send
    assert {e.label for e in events_for_tx(tx(E18), [], {A, B}, DECIMALS, BOOK, set(), CARRIES)} == {"send", "gas"}


def test_a_wrap_an_unwrap_a_deposit_and_a_withdrawal_are_carries():
    wrap = events_for_tx(tx(2 * E18, to=WETH), [TokenMove(WETH, ZERO_ADDRESS, A, 2 * E18)], {A}, DECIMALS, BOOK,
                         set(), CARRIES)
    assert kinds(wrap)[:2] == [(A, ETH, "disposal", 2 * E18, "wrap"), (A, WETH, "acquisition", 2 * E18, "wrap")]
    # WETH9's Withdrawal log (stored as a transfer to the zero address) brings the ETH back
    unwrap = events_for_tx(tx(to=WETH), [TokenMove(WETH, A, ZERO_ADDRESS, E18)], {A}, DECIMALS, BOOK, set(), CARRIES)
    assert kinds(unwrap)[:2] == [(A, WETH, "disposal", E18, "wrap"), (A, ETH, "acquisition", E18, "wrap")]
    deposit = events_for_tx(tx(to=SHARES), [TokenMove(WETH, A, SHARES, E18), TokenMove(SHARES, ZERO_ADDRESS, A, 9 * E18 // 10)],
                            {A}, DECIMALS, BOOK, set(), CARRIES)
    assert kinds(deposit)[:2] == [(A, WETH, "disposal", E18, "deposit"),
                                  (A, SHARES, "acquisition", 9 * E18 // 10, "deposit")]
    assert deposit[1].value_usd == D(1890) and deposit[2].label == "fee"   # 0.9 * 2100
    withdrawal = events_for_tx(tx(to=SHARES), [TokenMove(SHARES, A, ZERO_ADDRESS, E18),
                                               TokenMove(WETH, SHARES, A, 11 * E18 // 10)],
                               {A}, DECIMALS, BOOK, set(), CARRIES)
    assert kinds(withdrawal)[:2] == [(A, SHARES, "disposal", E18, "withdrawal"),
                                     (A, WETH, "acquisition", 11 * E18 // 10, "withdrawal")]
    assert withdrawal[1].value_usd == D(2200)   # 1.1 * 2000: what the yield's income is measured on
    # without the rules (or another token received) it is a trade, as before
    assert {e.label for e in events_for_tx(tx(to=SHARES), [TokenMove(WETH, A, SHARES, E18),
                                                           TokenMove(SHARES, ZERO_ADDRESS, A, E18)],
                                           {A}, DECIMALS, BOOK, set(), None)} == {"trade", "gas"}


# --- the CSV export: carries as Koinly swaps, the yield a reward, own-account moves no row ------
def csv_event(tx_hash, seq, account, token, symbol, kind, quantity, value, label, time=1_700_000_000):
    from app.portfolio.csv_export import LedgerRow
    return LedgerRow(tx_hash, seq, time, account, token, symbol, 18, kind, quantity, D(value), D(0), label,
                     "pool mid at 1")


def test_the_csv_has_swaps_for_carries_a_reward_for_the_yield_and_no_row_for_a_move():
    from app.portfolio.csv_export import koinly_rows
    events = [
        csv_event("0x1", 0, A, ETH, "ETH", "disposal", 2 * E18, "4000", "wrap"),
        csv_event("0x1", 1, A, WETH, "WETH", "acquisition", 2 * E18, "4000", "wrap"),
        csv_event("0x1", 2, A, ETH, "ETH", "disposal", 10**15, "2", "fee"),
        csv_event("0x2", 0, A, WETH, "WETH", "disposal", E18 // 2, "1000", "move", time=1_700_000_100),
        csv_event("0x2", 1, B, WETH, "WETH", "acquisition", E18 // 2, "1000", "move", time=1_700_000_100),
        csv_event("0x2", 2, A, ETH, "ETH", "disposal", 10**15, "2", "fee", time=1_700_000_100),
        csv_event("0x3", 0, A, WETH, "WETH", "disposal", E18, "2000", "deposit", time=1_700_000_200),
        csv_event("0x3", 1, A, SHARES, "dvWETH", "acquisition", 9 * E18 // 10, "2000", "deposit", time=1_700_000_200),
        # half the shares back for 0.55 WETH worth 1100: principal 0.5 WETH (1000), yield 0.05 (100)
        csv_event("0x4", 0, A, SHARES, "dvWETH", "disposal", 9 * E18 // 20, "1100", "withdrawal", time=1_700_000_300),
        csv_event("0x4", 1, A, WETH, "WETH", "acquisition", 55 * E18 // 100, "1100", "withdrawal",
                  time=1_700_000_300),
    ]
    rows = [(r.sent, r.received, r.net_worth_usd, r.label, r.tx_hash) for r in koinly_rows(events)]
    assert rows == [
        ((D(2), "ETH"), (D(2), "WETH"), D(4000), "swap", "0x1"),
        ((D("0.001"), "ETH"), None, D(2), "cost", "0x1"),
        ((D("0.001"), "ETH"), None, D(2), "cost", "0x2"),    # the move itself: no row (one file, every account)
        ((D(1), "WETH"), (D("0.9"), "dvWETH"), D(2000), "swap", "0x3"),
        ((D("0.45"), "dvWETH"), (D("0.5"), "WETH"), D(1000), "swap", "0x4"),
        (None, (D("0.05"), "WETH"), D(100), "reward", "0x4"),
    ]


# --- ETH received without a log: found by balance diffs (app/portfolio/native_receipts.py) ----
def test_receipts_without_a_log_are_found_at_their_blocks_by_bisection():
    from app.portfolio.native_receipts import receipt_blocks
    # blocks 100..1100: the ledger explains -1 at 300 (gas) and +5 at 700 (a swap); unexplained:
    # +3 at 451 (an exchange withdrawal) and +2 at 1000 (an unwrap through a router)
    changes = {300: -1, 451: 3, 700: 5, 1000: 2}
    asked = []

    def balance_at(block):
        asked.append(block)
        return 10 + sum(v for b, v in changes.items() if b <= block)

    assert receipt_blocks(balance_at, {300: -1, 700: 5}, 100, 1100) == [(451, 3), (1000, 2)]
    assert len(asked) <= 2 + 2 * 11   # two ends, then about log2(1000) per receipt
    assert receipt_blocks(balance_at, {300: -1, 451: 3, 700: 5, 1000: 2}, 100, 1100) == []   # all explained


def test_a_receipt_without_a_log_is_a_dated_deposit_row_in_the_csv():
    from app.portfolio.csv_export import koinly_rows
    [row] = koinly_rows([csv_event(None, 0, A, ETH, "ETH", "acquisition", 3 * E18, "6000", "receipt")])
    assert (row.received, row.sent, row.net_worth_usd, row.tx_hash) == ((D(3), "ETH"), None, D(6000), "")
    assert row.description.startswith("Received without a log")

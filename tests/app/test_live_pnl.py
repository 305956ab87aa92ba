"""The P&L from SQLite, fast and live.

- ``compute_pnl`` (ledger rows booked without building events) gives, bit for bit, what
  ``compute`` + ``pnl_from_report`` give on events built and checked one by one, under every
  method, the events' SHA-256 included; ``load_events`` gives those same events.
- The cost-basis core gives what it gave before it was made faster: fingerprints of its reports
  on random events, pinned from the code as it was (commit 456beae).
- ``LivePnl.catch_up`` equals a full ``compute_pnl`` after new trades, rewritten opening
  balances, late rows, new assets and new prices, and recomputes only when it must.
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal as D
from decimal import localcontext

import pytest

from app.accounting import METHODS, Acquisition, Disposal, OversoldError, compute
from app.accounting.money import ACCOUNTING_CONTEXT
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.live import LivePnl
from app.portfolio.pnl import compute_pnl, ledger_rows, load_events, pnl_from_report
from app.store import Store
from app.tx.journal import ChainKey

KEY = ChainKey(31337, "0x" + "ab" * 32)
T0 = 1_700_000_000
ACCOUNTS = ("0xA000000000000000000000000000000000000001", "0xB000000000000000000000000000000000000002")
TOKENS = {  # symbol: (address, decimals)
    "ETH": (NATIVE_ADDRESS, 18),
    "USDC": ("0xC000000000000000000000000000000000000006", 6),
    "WBTC": ("0xD000000000000000000000000000000000000008", 8),
    "UNI": ("0xE000000000000000000000000000000000000018", 18),
}
UNKNOWN = "0xF00000000000000000000000000000000000dead"  # rows of an asset not in `tokens`
INSERT = ("INSERT INTO ledger_events (chain_id, genesis_hash, tx_hash, seq, time, block, account_address,"
          " token_address, kind, quantity, value_usd, fee_usd, label, price_source)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


class Ledger:
    """Writes a random, consistent ledger (nothing sold that is not held, in ledger order)."""

    def __init__(self, store: Store, seed: int):
        self.store, self.rng = store, random.Random(seed)
        self.held: dict[tuple[str, str], int] = {}
        self.time, self.tx = T0, 0

    def row(self, tx_hash, seq, time, account, token, kind, quantity, label="trade", value=None, fee=None):
        rng = self.rng
        value = value if value is not None else str(D(rng.randrange(0, 10 ** rng.randrange(1, 12))).scaleb(-6))
        fee = fee if fee is not None else (str(D(rng.randrange(0, 10 ** 6)).scaleb(-6)) if rng.random() < 0.6
                                           else "0.000000")
        if token != UNKNOWN:
            sign = 1 if kind == "acquisition" else -1
            self.held[(account, token)] = self.held.get((account, token), 0) + sign * quantity
            assert self.held[(account, token)] >= 0
        return (KEY.chain_id, KEY.genesis_hash, tx_hash, seq, time, 1_000 + time - T0, account, token, kind,
                str(quantity), value, fee, label, "test")

    def trades(self, count: int, openings: bool = True) -> list[tuple]:
        """``count`` transactions of 1 to 3 rows, seconds apart (some in the same second), with
        an opening balance now and then in the second of a transaction (it sorts first)."""
        rng, rows = self.rng, []
        for _ in range(count):
            self.time += rng.choice((0, 1, 12, 60))
            self.tx += 1
            tx_hash = "0x" + hashlib.sha256(f"tx {self.tx}".encode()).hexdigest()
            for seq in range(rng.randrange(1, 4)):
                account = rng.choice(ACCOUNTS)
                if rng.random() < 0.03:
                    rows.append(self.row(tx_hash, seq, self.time, account, UNKNOWN, "acquisition", 5))
                    continue
                token = rng.choice(list(TOKENS.values()))[0]
                have = self.held.get((account, token), 0)
                if have and rng.random() < 0.45:
                    quantity = have if rng.random() < 0.1 else rng.randrange(1, have + 1)
                    rows.append(self.row(tx_hash, seq, self.time, account, token, "disposal", quantity))
                else:
                    quantity = rng.randrange(1, 10 ** rng.randrange(1, 22))
                    rows.append(self.row(tx_hash, seq, self.time, account, token, "acquisition", quantity))
            if openings and rng.random() < 0.05:   # written after the transaction, sorts before it
                account, token = rng.choice(ACCOUNTS), rng.choice(list(TOKENS.values()))[0]
                rows.append(self.row(None, 0, self.time, account, token, "acquisition",
                                     rng.randrange(1, 10 ** 20), label="opening", fee="0.000000"))
        self.write(rows)
        return rows

    def write(self, rows: list[tuple]) -> None:
        with self.store.lock, self.store.db.conn:
            self.store.db.conn.executemany(INSERT, rows)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home") as store:
        store.record_network(KEY.chain_id, KEY.genesis_hash, "demo", now=T0)
        with store.db.conn:
            store.db.conn.executemany(
                "INSERT INTO tokens (chain_id, genesis_hash, address, symbol, name, decimals, kind)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(KEY.chain_id, KEY.genesis_hash, address, symbol, symbol, decimals,
                  "native" if address == NATIVE_ADDRESS else "token")
                 for symbol, (address, decimals) in TOKENS.items()])
        set_prices(store, T0, seed=1)
        yield store


def set_prices(store: Store, at: int, seed: int) -> None:
    rng = random.Random(seed)
    with store.db.conn:
        store.db.conn.executemany(
            "INSERT INTO prices (chain_id, genesis_hash, token_address, price_usd, source, observed_at, block)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(KEY.chain_id, KEY.genesis_hash, address, str(D(rng.randrange(1, 10 ** 8)).scaleb(-4)), "test", at,
              None) for address, _ in TOKENS.values()])


@pytest.fixture
def ledger(store):
    ledger = Ledger(store, seed=11)
    ledger.trades(250)
    # one adjustment (no transaction) at the end, as reconcile writes it
    account, token = next(p for p, q in ledger.held.items() if q > 1)
    ledger.write([ledger.row(None, 0, ledger.time + 5, account, token, "disposal", 1, label="adjustment",
                             fee="0.000000")])
    ledger.time += 5
    return ledger


def plain_events(store: Store, accounts=None) -> list:
    """The ledger as events, each built and checked by its own constructor, in the order the
    ledger defines (time, an opening balance first among rows of its second, id)."""
    decimals = {address: places for address, places in TOKENS.values()}
    events = []
    with localcontext(ACCOUNTING_CONTEXT):
        for at, account, token, kind, quantity, value, fee, tx_hash, seq, label in store.db.execute(
                "SELECT time, account_address, token_address, kind, quantity, value_usd, fee_usd, tx_hash, seq,"
                " label FROM ledger_events WHERE chain_id = ? AND genesis_hash = ?"
                " ORDER BY time, tx_hash IS NOT NULL, id", [KEY.chain_id, KEY.genesis_hash]):
            if token not in decimals or (accounts is not None and account not in accounts):
                continue
            event_type = Acquisition if kind == "acquisition" else Disposal
            events.append(event_type(int(at), D(quantity).scaleb(-decimals[token]), D(value), D(fee),
                                     f"{tx_hash}#{seq}" if tx_hash else label, token=token, account=account))
    return events


def plain_pnl(store: Store, method: str, accounts=None):
    return pnl_from_report(store, KEY, compute(plain_events(store, accounts), method))


# --- compute_pnl's fast path is compute's result ---------------------------------------------------
@pytest.mark.parametrize("method", list(METHODS))
def test_compute_pnl_is_compute_of_checked_events_bit_for_bit(store, ledger, method):
    expected = plain_pnl(store, method)
    result = compute_pnl(store, KEY, method, save=False)

    assert result == expected   # totals, every position, the settings (events_sha256, prices)
    assert result.settings["events"] == len(plain_events(store)) > 250
    assert result.adjustments == 1
    mine = [ACCOUNTS[0]]
    assert compute_pnl(store, KEY, method, accounts=mine, save=False) == plain_pnl(store, method, mine)


def test_load_events_gives_the_checked_events(store, ledger):
    assert load_events(store, KEY) == plain_events(store)
    assert load_events(store, KEY, [ACCOUNTS[1]]) == plain_events(store, [ACCOUNTS[1]])


def test_ledger_rows_put_an_opening_first_among_the_rows_of_its_second(store, ledger):
    # an opening balance in the same second as a transaction's rows, written after them
    ledger.write([ledger.row(None, 0, ledger.time, ACCOUNTS[0], TOKENS["UNI"][0], "acquisition", 7,
                             label="opening", fee="0.000000"),
                  ledger.row(None, 0, ledger.time, ACCOUNTS[1], TOKENS["UNI"][0], "acquisition", 8,
                             label="opening", fee="0.000000")])
    expected = [r[0] for r in store.db.execute(
        "SELECT id FROM ledger_events WHERE chain_id = ? AND genesis_hash = ? ORDER BY time, tx_hash IS NOT NULL, id",
        [KEY.chain_id, KEY.genesis_hash])]
    ties = store.db.execute("SELECT COUNT(*) FROM ledger_events a JOIN ledger_events b ON a.time = b.time"
                            " WHERE a.tx_hash IS NULL AND b.tx_hash IS NOT NULL").fetchone()[0]

    assert ties > 0   # the case is there
    assert [row[0] for row in ledger_rows(store, KEY)] == expected
    after = sorted(expected)[len(expected) // 2]
    assert [row[0] for row in ledger_rows(store, KEY, after_id=after)] == [i for i in expected if i > after]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("value_usd", "-1.000000", "must not be negative"),
    ("fee_usd", "-0.000001", "must not be negative"),
    ("quantity", "0", "quantity must be above zero"),
])
def test_a_row_not_as_written_is_refused_as_its_event_would_be(store, ledger, column, value, message):
    row_id = store.db.execute("SELECT MAX(id) FROM ledger_events WHERE kind = 'acquisition'"
                              " AND token_address != ?", [UNKNOWN]).fetchone()[0]
    with store.db.conn:
        store.db.execute(f"UPDATE ledger_events SET {column} = ? WHERE id = ?", [value, row_id])
    with pytest.raises(ValueError, match=message):
        compute_pnl(store, KEY, save=False)
    with pytest.raises(ValueError, match=message):
        load_events(store, KEY)


# --- the core gives what it gave before it was optimised -----------------------------------------
def random_events(n: int, seed: int) -> list:
    """n events over 3 accounts x 4 tokens of 6 to 18 decimals, some in the same second; amounts
    of 1 to 21 digits, so parts of lots round at 34 digits."""
    rng = random.Random(seed)
    held: dict[tuple[str, str], D] = {}
    events, t = [], 1_700_000_000
    for i in range(n):
        t += rng.choice((0, 0, 1, 7, 60))
        account, token = f"0x{rng.randrange(3)}", rng.choice(("ETH", "USDC", "WBTC", "UNI"))
        scale = {"ETH": 18, "USDC": 6, "WBTC": 8, "UNI": 18}[token]
        quantity = D(rng.randrange(1, 10 ** rng.randrange(1, 22))).scaleb(-scale)
        value = D(rng.randrange(0, 10 ** rng.randrange(1, 13))).scaleb(-6)
        fee = D(rng.randrange(0, 10 ** 6)).scaleb(-6) if rng.random() < 0.7 else D(0)
        have = held.get((account, token), D(0))
        if have and rng.random() < 0.45:
            quantity = have if rng.random() < 0.15 else min(quantity, have)
            held[(account, token)] = have - quantity
            events.append(Disposal(t, quantity, value, fee, f"tx{i}#0", account=account, token=token))
        else:
            held[(account, token)] = have + quantity
            events.append(Acquisition(t, quantity, value, fee, f"tx{i}#1" if i % 5 else "", account=account,
                                      token=token))
    return events


def fingerprint(report) -> str:
    parts = [report.method, str(report.realised_usd), str(report.fees_usd), report.settings["events_sha256"],
             str(report.settings["events"])]
    for d in report.disposals:
        parts.append("|".join([d.account, d.token, str(d.time), d.ref, str(d.quantity), str(d.cost_basis_usd),
                               str(d.pnl_usd)] + [f"{c.ref}:{c.quantity}:{c.cost_usd}" for c in d.consumed]))
    parts += [f"{lot.account}|{lot.token}|{lot.ref}|{lot.time}|{lot.quantity}|{lot.cost_usd}"
              for lot in report.open_lots]
    parts += [f"{h.account}|{h.token}|{h.quantity}|{h.cost_usd}" for h in report.holdings]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# computed with app/accounting/cost_basis.py of commit 456beae (before the speed-ups)
PINNED = {
    (1, "fifo"): "715948778fddc73cac650724de45261c64c4ea76d4f26c34dc1410ef989f91bb",
    (1, "lifo"): "026eba4eb40320bfef86199163136f0dd67d3e0ae7126ed5b6c430374da9e4d2",
    (1, "hifo"): "5452fd75e0457db077a419b5c981f039ee25e6ec61b74331067a4ba1fbb5156c",
    (1, "average"): "e4f14b46697bc8dd7b7693bfb18ffe3c5ea6595e465788abe40fa5a2cd56bd90",
    (2, "fifo"): "466fb12d25e0cad4709b761736469c3e9052a4a4788c522b2159872e56a40b47",
    (2, "lifo"): "41f29ad18de9daaee971f8c04d9c21d190336c49971da191ea69b1ef82719069",
    (2, "hifo"): "1662f3192ac3bda39f0c5957b4c71c770cc094d28b5d8dd15f1f12ea1a3ed378",
    (2, "average"): "7dbdc731a462f6ce8a177e429e72c37fa99e8116785fd5b234ccd701d25a7076",
}


@pytest.mark.parametrize(("seed", "method"), list(PINNED))
def test_the_core_gives_what_it_gave_before_it_was_optimised(seed, method):
    events = random_events(300, seed)
    assert fingerprint(compute(events, method)) == PINNED[(seed, method)]
    # the incremental Accountant, one event at a time, gives the same report
    from app.accounting import Accountant
    accountant = Accountant(method)
    for event in sorted(events, key=lambda e: e.time):
        accountant.apply(event)
    assert fingerprint(accountant.report()) == PINNED[(seed, method)]


# --- LivePnl ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", list(METHODS))
def test_catch_up_books_new_trades_without_a_recompute(store, ledger, method):
    live = LivePnl(store, KEY, method)
    assert live.result == compute_pnl(store, KEY, method, save=False)
    for _ in range(3):
        ledger.trades(4, openings=False)
        assert live.catch_up() == compute_pnl(store, KEY, method, save=False)
    assert live.catch_up() == live.result   # nothing new
    assert live.full_recomputes == 1


def test_openings_rewritten_as_they_were_need_no_recompute(store, ledger):
    live = LivePnl(store, KEY)
    # what reconcile does on every update: delete the rows without a transaction, write them again
    rows = store.db.execute("SELECT chain_id, genesis_hash, tx_hash, seq, time, block, account_address,"
                            " token_address, kind, quantity, value_usd, fee_usd, label, price_source"
                            " FROM ledger_events WHERE tx_hash IS NULL ORDER BY time, id").fetchall()
    with store.db.conn:
        store.db.execute("DELETE FROM ledger_events WHERE tx_hash IS NULL")
    ledger.trades(3, openings=False)
    ledger.write(rows)

    assert live.catch_up() == compute_pnl(store, KEY, save=False)
    assert live.full_recomputes == 1


def test_changes_behind_its_back_make_it_recompute(store, ledger):
    live = LivePnl(store, KEY, "hifo")

    # an opening balance that changed (reconcile saw another balance)
    with store.db.conn:
        store.db.execute("UPDATE ledger_events SET value_usd = '123.000000' WHERE label = 'opening'"
                         " AND id = (SELECT MIN(id) FROM ledger_events WHERE label = 'opening')")
    assert live.catch_up() == compute_pnl(store, KEY, "hifo", save=False)
    assert live.full_recomputes == 2

    # a transaction older than the newest booked (the history found it late)
    account, token = next(p for p, q in ledger.held.items() if q and p[1] != UNKNOWN)
    ledger.write([ledger.row("0x" + "11" * 32, 0, T0 + 1, account, token, "acquisition", 10 ** 9)])
    assert live.catch_up() == compute_pnl(store, KEY, "hifo", save=False)
    assert live.full_recomputes == 3

    # an asset added to `tokens`: its rows, skipped so far, now count
    with store.db.conn:
        store.db.execute("INSERT INTO tokens (chain_id, genesis_hash, address, symbol, decimals, kind)"
                         " VALUES (?, ?, ?, 'NEW', 0, 'token')", [KEY.chain_id, KEY.genesis_hash, UNKNOWN])
    result = live.catch_up()
    assert result == compute_pnl(store, KEY, "hifo", save=False)
    assert any(p.token == UNKNOWN for p in result.positions)
    assert live.full_recomputes == 4


def test_new_prices_revalue_without_new_rows(store, ledger):
    live = LivePnl(store, KEY)
    before = live.result
    set_prices(store, T0 + 10 ** 6, seed=2)

    after = live.catch_up()
    assert after == compute_pnl(store, KEY, save=False)
    assert after.unrealized_usd != before.unrealized_usd and after.realized_usd == before.realized_usd
    assert live.full_recomputes == 1


def test_only_the_accounts_asked_for(store, ledger):
    mine = [ACCOUNTS[1]]
    live = LivePnl(store, KEY, "average", accounts=mine)
    ledger.trades(5, openings=False)
    assert live.catch_up() == compute_pnl(store, KEY, "average", accounts=mine, save=False)
    assert {p.account for p in live.result.positions} == set(mine)
    assert live.full_recomputes == 1


def test_an_oversold_row_raises_and_the_next_catch_up_starts_again(store, ledger):
    live = LivePnl(store, KEY)
    account, token = next(p for p, q in ledger.held.items() if q and p[1] != UNKNOWN)
    ledger.time += 60
    bad = ledger.row("0x" + "22" * 32, 0, ledger.time, account, token, "acquisition", 1)
    bad = bad[:8] + ("disposal", str(ledger.held[(account, token)] + 10)) + bad[10:]
    ledger.write([bad])
    with pytest.raises(OversoldError):
        live.catch_up()
    with store.db.conn:
        store.db.execute("DELETE FROM ledger_events WHERE tx_hash = ?", ["0x" + "22" * 32])
    assert live.catch_up() == compute_pnl(store, KEY, save=False)
    assert live.full_recomputes == 2

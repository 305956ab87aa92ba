"""Portfolio benchmark (prints JSON): with N ledger events in SQLite (100,000 by default), the
cold open to a rendered Portfolio page, the full P&L recompute under each cost-basis method,
the update after one new trade, and peak memory.

    .venv/bin/python bench/portfolio.py [--events 100000] [--runs 5] [--repeats 3] [--trades 20]
                                        [--home DIR]

Set-up, in a temporary data directory (or ``--home``: a new directory, or one an earlier run
made, which is replaced): a store as the app writes it for the demo chain (31337, its genesis
hash in ``networks``): 3 watch accounts; the native coin, 30 tokens (USDC with 6 decimals,
WBTC with 8) and 3 vaults in ``tokens``; one price per asset and day; ``chain_txs`` for every
transaction; ~500 snapshots; and the ledger: an opening balance of ETH and USDC per account,
then transactions one to ten minutes apart: buys and partial sells for USDC, 10-leg index buys
paid in ETH (else USDC), vault deposits and withdrawals, receives and sends; the sender pays
gas (a disposal of ETH whose value is a fee of what the transaction bought or sold); nothing
is sold that is not held. Balances are the ledger's final quantities (nothing to reconcile).

1. Cold open (``--runs`` times, each a new interpreter, Qt offscreen): import the app and
   PySide6, ``Store.open``, then ``views.pages.portfolio_page.PortfolioPage`` on a
   ``WalletContext`` without a chain session (offline), which runs ``open_offline`` and then
   ``compute_pnl`` (FIFO) on its workers; done when its P&L is shown; then ``grab()``.
   Reported: the process's wall time (start to exit), the time from ``Store.open`` to the
   rendered page and its steps, the process's CPU time.
2. Full recompute, per method (``--repeats`` times): ``compute_pnl`` without storing the
   report, as the page runs it; once more through the public steps (``load_events``,
   ``compute``, ``pnl_from_report``), which must give the same result.
3. Update after one new trade (``--trades`` times): a 10-leg index buy (1 USDC disposal,
   10 acquisitions, 1 gas disposal) written to ``ledger_events``, then
   ``app.portfolio.live.LivePnl.catch_up()``; at the end its result is compared with a full
   ``compute_pnl``.
4. Memory: tracemalloc's peak of 2 and 3 in runs of their own (tracing slows allocation several
   times over), and the cold process's ru_maxrss (interpreter, Qt, SQLite's cache and all).

Targets are reported as booleans, never asserted, each against the max of its runs: the cold
open under 1 s (from Store.open; also given for the process total, imports included), the full
recompute under 1 s (each method), the update under 50 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.portfolio.assets import NATIVE_ADDRESS  # noqa: E402
from app.store import Store  # noqa: E402
from app.tx.journal import ChainKey  # noqa: E402

EVENTS = 100_000
RUNS = 5
REPEATS = 3
TRADES = 20
SEED = 6
CHAIN_ID = 31337
NETWORK = "demo"
GENESIS = "0x" + hashlib.sha256(b"basketry portfolio benchmark genesis").hexdigest()
KEY = ChainKey(CHAIN_ID, GENESIS)
T0 = 1_700_000_000
DAY = 86_400
SNAPSHOTS = 500
INDEX_LEGS = 10
OPENING_ETH = 2_000
OPENING_USDC = 5_000_000
MARKER = "bench-portfolio.home"
TARGET_COLD_OPEN_S = 1.0
TARGET_RECOMPUTE_S = 1.0
TARGET_UPDATE_S = 0.050
METHODS = ("fifo", "lifo", "hifo", "average")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=EVENTS, help="ledger events to generate")
    parser.add_argument("--runs", type=int, default=RUNS, help="cold opens (each a new process)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="full recomputes per method")
    parser.add_argument("--trades", type=int, default=TRADES, help="single-trade updates")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--home", type=Path, help="data directory to build the store in (replaced)")
    parser.add_argument("--cold-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_child is not None:
        print(json.dumps(cold_open_in_process(args.cold_child)))
        return
    began, load_before = time.perf_counter(), os.getloadavg()
    if args.home is None:
        with tempfile.TemporaryDirectory(prefix="basketry-bench-") as tmp:
            result = run(Path(tmp), args)
    else:
        if args.home.exists() and any(args.home.iterdir()):
            if not (args.home / MARKER).exists():
                parser.error(f"{args.home} is not empty and not a benchmark home: give a new directory")
            shutil.rmtree(args.home)
        args.home.mkdir(parents=True, exist_ok=True)
        (args.home / MARKER).write_text("made by bench/portfolio.py; replaced by its next run\n")
        result = run(args.home, args)
    result["environment"]["load_average_1_5_15"] = {"before": [round(x, 2) for x in load_before],
                                                     "after": [round(x, 2) for x in os.getloadavg()]}
    result["total_s"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, indent=2))


def run(home: Path, args) -> dict[str, Any]:
    started = time.perf_counter()
    with Store.open(home) as store:
        writer = LedgerWriter(store, random.Random(args.seed))
        setup = writer.build(args.events)
    setup["seconds"] = round(time.perf_counter() - started, 2)
    setup["db_mb"] = round(sum(p.stat().st_size for p in home.glob("basketry.db*")) / 2**20, 1)

    cold = measure_cold_open(home, args.runs)
    with Store.open(home) as store:
        writer.store = store
        recompute = measure_recompute(store, args.repeats)
        update = measure_update(store, writer, args.trades)
        memory = measure_memory(store, writer)
    memory["cold_open_process_maxrss_mb"] = max(r["maxrss_mb"] for r in cold["runs"])
    return report(args, setup, cold, recompute, update, memory)


# --- set-up: a store as the app writes it ------------------------------------------------------
_INSERT_EVENT = ("INSERT INTO ledger_events (chain_id, genesis_hash, tx_hash, seq, time, block, account_address,"
                 " token_address, kind, quantity, value_usd, fee_usd, label, price_source)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _address(name: str) -> str:
    from eth_utils import to_checksum_address
    return to_checksum_address("0x" + hashlib.sha256(name.encode()).hexdigest()[:40])


class LedgerWriter:
    """Generates a consistent ledger (what is sold was held) and writes it; keeps its state so
    more trades can be appended later (``index_buy``)."""

    def __init__(self, store: Store, rng: random.Random):
        self.store, self.rng = store, rng
        self.accounts = [_address(f"bench account {i}") for i in range(3)]
        # (symbol, address, decimals, kind, underlying, first price in USD)
        native = ("ETH", NATIVE_ADDRESS, 18, "native", None, 2500.0)
        tokens = [("USDC", _address("USDC"), 6, "token", None, 1.0),
                  ("WETH", _address("WETH"), 18, "token", None, 2500.0),
                  ("WBTC", _address("WBTC"), 8, "token", None, 60_000.0)]
        tokens += [(f"TK{i:02d}", _address(f"TK{i:02d}"), 18, "token", None, rng.uniform(0.05, 400))
                   for i in range(27)]
        vaults = [(f"v{s}", _address(f"vault {s}"), d, "vault", a, 0.0)
                  for s, a, d, *_ in (tokens[0], tokens[1], tokens[3])]
        self.assets = [native, *tokens, *vaults]
        self.decimals = {a[1]: a[2] for a in self.assets}
        self.usdc, self.weth = tokens[0][1], tokens[1][1]
        self.tradable = [t[1] for t in tokens[1:]]          # bought and sold for USDC
        self.vaults = {v[1]: v[4] for v in vaults}           # vault -> its asset
        self._first_price = {a[1]: a[5] for a in self.assets}
        self._walks: dict[str, list[float]] = {a[1]: [a[5]] for a in self.assets if a[3] != "vault"}
        self._walks[self.usdc] = [1.0]
        self.held: dict[tuple[str, str], int] = {}
        self.time, self.block, self.tx_count = T0, 1_000, 0
        self.rows: list[tuple] = []
        self.chain_txs: list[tuple] = []

    # prices: a daily random walk per asset (USDC pegged), vault shares at their asset's price
    # times a share price growing 5% a year
    def price(self, token: str, at: int) -> float:
        underlying = self.vaults.get(token)
        if underlying is not None:
            return self.price(underlying, at) * (1 + 0.05 * (at - T0) / (365 * DAY))
        walk = self._walks[token]
        day = max(0, (at - T0) // DAY)
        while len(walk) <= day:
            walk.append(walk[-1] if token == self.usdc else walk[-1] * self.rng.uniform(0.95, 1.052))
        return walk[day]

    def build(self, count: int) -> dict[str, Any]:
        store, chain = self.store, [CHAIN_ID, GENESIS]
        from app.accounts import AccountRegistry
        registry = AccountRegistry(store)
        for index, address in enumerate(self.accounts):
            registry.add(f"Bench {index + 1}", address, "watch", make_active=index == 0)
        store.record_network(CHAIN_ID, GENESIS, NETWORK, now=T0)
        with store.lock, store.db.conn:
            store.db.conn.executemany(
                "INSERT INTO tokens (chain_id, genesis_hash, address, symbol, name, decimals, kind, underlying)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*chain, a, s, f"{s} (benchmark)", d, k, u) for s, a, d, k, u, _ in self.assets])
        for account in self.accounts:
            self._opening(account, NATIVE_ADDRESS, OPENING_ETH)
            self._opening(account, self.usdc, OPENING_USDC)
        snapshot_every = max(1, count // SNAPSHOTS)
        snapshots, next_snapshot = [], snapshot_every
        while len(self.rows) < count:
            self.next_tx()
            if len(self.rows) >= next_snapshot:
                snapshots.append(self._snapshot())
                next_snapshot += snapshot_every
        self.rows = self.rows[:count]   # a prefix of a consistent ledger is consistent
        kept = {row[2] for row in self.rows}
        self.chain_txs = [tx for tx in self.chain_txs if tx[2] in kept]
        self.held = self._replayed()
        prices = self._price_rows()
        with store.lock, store.db.conn:
            store.db.conn.executemany(_INSERT_EVENT, self.rows)
            store.db.conn.executemany(
                "INSERT INTO chain_txs (chain_id, genesis_hash, tx_hash, block, timestamp, tx_index, from_address,"
                " to_address, value, gas_used, effective_gas_price, success) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)", self.chain_txs)
            store.db.conn.executemany(
                "INSERT INTO prices (chain_id, genesis_hash, token_address, price_usd, source, observed_at, block)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", prices)
            store.db.conn.executemany(
                "INSERT INTO portfolio_snapshots (chain_id, genesis_hash, taken_at, block, total_usd, values_json)"
                " VALUES (?, ?, ?, ?, ?, ?)", snapshots)
        self.write_balances()
        store.db.execute("ANALYZE")
        kinds: dict[str, int] = {}
        for row in self.rows:
            kinds[row[12]] = kinds.get(row[12], 0) + 1
        return {"events": len(self.rows), "by_label": dict(sorted(kinds.items())),
                "transactions": len(self.chain_txs), "accounts": len(self.accounts),
                "assets": {"native": 1, "tokens": len(self.assets) - 1 - len(self.vaults),
                           "vaults": len(self.vaults)},
                "positions": sum(1 for q in self.held.values() if q), "snapshots": len(snapshots),
                "prices": len(prices),
                "days": (self.time - T0) // DAY + 1}

    def write_balances(self) -> None:
        with self.store.lock, self.store.db.conn:
            self.store.db.conn.executemany(
                "INSERT OR REPLACE INTO balances (chain_id, genesis_hash, account_address, token_address, balance,"
                " block, observed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(CHAIN_ID, GENESIS, a, t, str(q), self.block, self.time) for (a, t), q in self.held.items()])

    def _replayed(self) -> dict[tuple[str, str], int]:
        held: dict[tuple[str, str], int] = {}
        for row in self.rows:
            position = (row[6], row[7])
            held[position] = held.get(position, 0) + (int(row[9]) if row[8] == "acquisition" else -int(row[9]))
            assert held[position] >= 0, row
        return held

    def _price_rows(self) -> list[tuple]:
        rows = []
        for day in range((self.time - T0) // DAY + 1):
            at = T0 + day * DAY
            for _s, address, *_ in self.assets:
                rows.append((CHAIN_ID, GENESIS, address, f"{self.price(address, at):.8g}",
                             "pool mid (demo)", at, 1_000 + day * 7_200))
        return rows

    def _snapshot(self) -> tuple:
        values: dict[str, float] = {}
        for (_account, token), quantity in self.held.items():
            if quantity:
                values[token] = values.get(token, 0.0) + quantity / 10 ** self.decimals[token] * self.price(
                    token, self.time)
        return (CHAIN_ID, GENESIS, self.time, self.block, f"{sum(values.values()):.2f}",
                json.dumps({t: f"{v:.2f}" for t, v in values.items()}))

    # --- transactions -------------------------------------------------------------------------
    def _opening(self, account: str, token: str, whole: int) -> None:
        quantity = whole * 10 ** self.decimals[token]
        value = whole * self.price(token, T0)
        self.held[(account, token)] = self.held.get((account, token), 0) + quantity
        self.rows.append((CHAIN_ID, GENESIS, None, 0, T0 - 1, self.block, account, token, "acquisition",
                          str(quantity), f"{value:.6f}", "0.000000", "opening",
                          "balance held before the history begins (cost: market value then); pool mid"))

    def next_tx(self) -> None:
        roll = self.rng.random()
        account = self.rng.choice(self.accounts)
        if roll < 0.35:
            self.buy(account)
        elif roll < 0.65:
            self.sell(account)
        elif roll < 0.75:
            self.index_buy(account)
        elif roll < 0.83:
            self.vault_deposit(account)
        elif roll < 0.88:
            self.vault_withdraw(account)
        elif roll < 0.95:
            self.receive(account)
        else:
            self.send(account)

    def _units(self, token: str, usd: float) -> int:
        return max(1, int(usd / self.price(token, self.time) * 10 ** self.decimals[token]))

    def _usd(self, token: str, quantity: int) -> float:
        return quantity / 10 ** self.decimals[token] * self.price(token, self.time)

    def _has(self, account: str, token: str) -> int:
        return self.held.get((account, token), 0)

    def _tx(self, account: str, gave: dict[str, int], got: dict[str, int], label: str, gas: int,
            sender: bool = True) -> list[tuple]:
        """Ledger rows of one transaction, in ledger.py's order: the account's disposals, then its
        acquisitions (each by address), then gas. A trade's value is the given side's."""
        self.time += self.rng.randint(60, 600)
        self.block += self.rng.randint(5, 50)
        self.tx_count += 1
        tx_hash = "0x" + hashlib.sha256(f"bench tx {self.tx_count}".encode()).hexdigest()
        gas_wei = gas * self.rng.randint(5, 40) * 10 ** 9 if sender else 0
        fee = gas_wei / 1e18 * self.price(NATIVE_ADDRESS, self.time)
        total = sum(self._usd(t, q) for t, q in gave.items()) if gave else None
        carriers = got or gave
        rows, seq = [], 0
        for side, kind in ((gave, "disposal"), (got, "acquisition")):
            market = {t: self._usd(t, q) for t, q in side.items()}
            whole = sum(market.values()) or 1.0
            for token in sorted(side):
                quantity = side[token]
                value = market[token] if total is None or not (gave and got) else total * market[token] / whole
                fee_share = fee * market[token] / whole if side is carriers and sender else 0.0
                source = (f"trade valued by what was given; pool mid at {T0 + (self.time - T0) // DAY * DAY}"
                          if gave and got else f"pool mid at {T0 + (self.time - T0) // DAY * DAY}")
                rows.append((CHAIN_ID, GENESIS, tx_hash, seq, self.time, self.block, account, token, kind,
                             str(quantity), f"{value:.6f}", f"{fee_share:.6f}", label, source))
                seq += 1
                change = quantity if kind == "acquisition" else -quantity
                self.held[(account, token)] = self._has(account, token) + change
                assert self.held[(account, token)] >= 0
        if gas_wei:
            rows.append((CHAIN_ID, GENESIS, tx_hash, seq, self.time, self.block, account, NATIVE_ADDRESS,
                         "disposal", str(gas_wei), f"{fee:.6f}", "0.000000", "gas", "pool mid"))
            self.held[(account, NATIVE_ADDRESS)] -= gas_wei
            assert self.held[(account, NATIVE_ADDRESS)] >= 0
        native_value = gave.get(NATIVE_ADDRESS, 0)
        self.chain_txs.append((CHAIN_ID, GENESIS, tx_hash, self.block, self.time, self.rng.randint(0, 80),
                               account if sender else _address("someone"), None, str(native_value),
                               str(gas), str(gas_wei // gas if gas_wei else 0), 1))
        self.rows += rows
        return rows

    def _gas_ok(self, account: str, spend_eth: int = 0) -> bool:
        return self._has(account, NATIVE_ADDRESS) >= spend_eth + 10 ** 17

    def buy(self, account: str) -> list[tuple]:
        token = self.rng.choice(self.tradable)
        usd = min(self.rng.uniform(50, 5_000), self._has(account, self.usdc) / 1e6)
        if usd < 1 or not self._gas_ok(account):
            return self.receive(account)
        return self._tx(account, {self.usdc: int(usd * 1e6)}, {token: self._units(token, usd)}, "trade",
                        self.rng.randint(110_000, 180_000))

    def sell(self, account: str) -> list[tuple]:
        token = self.rng.choice(self.tradable)
        have = self._has(account, token)
        if not have or not self._gas_ok(account):
            return self.buy(account)
        quantity = max(1, int(have * self.rng.uniform(0.1, 0.6)))
        usdc = max(1, int(self._usd(token, quantity) * 1e6))
        return self._tx(account, {token: quantity}, {self.usdc: usdc}, "trade", self.rng.randint(110_000, 180_000))

    def index_buy(self, account: str, pay: str | None = None) -> list[tuple]:
        legs = self.rng.sample(self.tradable, INDEX_LEGS)
        usd = self.rng.uniform(200, 3_000)
        eth = self._units(NATIVE_ADDRESS, usd)
        if pay is None:
            pay = NATIVE_ADDRESS if self._gas_ok(account, eth) else self.usdc
        paid = eth if pay == NATIVE_ADDRESS else int(usd * 1e6)
        if self._has(account, pay) < paid or not self._gas_ok(account, eth if pay == NATIVE_ADDRESS else 0):
            return self.receive(account)
        return self._tx(account, {pay: paid}, {t: self._units(t, usd / INDEX_LEGS) for t in legs}, "trade",
                        150_000 + 120_000 * INDEX_LEGS)

    def vault_deposit(self, account: str) -> list[tuple]:
        vault = self.rng.choice(list(self.vaults))
        asset = self.vaults[vault]
        have = self._has(account, asset)
        if not have or not self._gas_ok(account):
            return self.buy(account)
        quantity = max(1, int(have * self.rng.uniform(0.05, 0.3)))
        shares = self._units(vault, self._usd(asset, quantity))
        return self._tx(account, {asset: quantity}, {vault: shares}, "trade", self.rng.randint(90_000, 140_000))

    def vault_withdraw(self, account: str) -> list[tuple]:
        vault = self.rng.choice(list(self.vaults))
        have = self._has(account, vault)
        if not have or not self._gas_ok(account):
            return self.vault_deposit(account)
        shares = max(1, int(have * self.rng.uniform(0.2, 1.0)))
        asset = self.vaults[vault]
        return self._tx(account, {vault: shares}, {asset: self._units(asset, self._usd(vault, shares))}, "trade",
                        self.rng.randint(90_000, 140_000))

    def receive(self, account: str) -> list[tuple]:
        token = self.rng.choice([NATIVE_ADDRESS, *self.tradable])
        return self._tx(account, {}, {token: self._units(token, self.rng.uniform(20, 2_000))}, "receive", 21_000,
                        sender=False)

    def send(self, account: str) -> list[tuple]:
        token = self.rng.choice(self.tradable)
        have = self._has(account, token)
        if not have or not self._gas_ok(account):
            return self.receive(account)
        return self._tx(account, {token: max(1, int(have * self.rng.uniform(0.05, 0.5)))}, {}, "send",
                        self.rng.randint(45_000, 65_000))


# --- 1. cold open ---------------------------------------------------------------------------------
def measure_cold_open(home: Path, runs: int) -> dict[str, Any]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    results = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--cold-child", str(home)],
                              capture_output=True, text=True, env=env, timeout=300)
        total = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"cold open failed:\n{done.stderr[-3000:]}")
        child = json.loads(done.stdout.strip().splitlines()[-1])
        child["process_total_s"] = round(total, 3)
        results.append(child)
    totals = [r["process_total_s"] for r in results]
    inside = [r["from_store_open_s"] for r in results]
    return {"process_total_s": _stats(totals), "from_store_open_s": _stats(inside),
            "page": results[-1]["page"], "runs": results}


def cold_open_in_process(home: Path) -> dict[str, Any]:
    """Runs in the fresh process: imports, then Store.open to a rendered Portfolio page."""
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = round(now - clock, 4)
        clock = now

    from PySide6.QtWidgets import QApplication

    from views.pages.portfolio_page import PortfolioPage  # noqa: F401 (timed: the page's imports)
    step("import_app_and_qt")
    app = QApplication.instance() or QApplication([])
    step("qapplication")
    opened = time.perf_counter()
    store = Store.open(home)
    step("store_open")
    try:
        page, shown = _real_page(store, home, step)
        image = page.grab()
        step("render")
        from_open = time.perf_counter() - opened
    finally:
        store.close()
    page.deleteLater()
    del app
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"from_store_open_s": round(from_open, 4), "steps_s": steps,
            "page": {**shown, "grab_px": [image.width(), image.height()]},
            "process_cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "maxrss_mb": _mb(usage.ru_maxrss * 1024)}


def _real_page(store: Store, home: Path, step):
    """views.pages.portfolio_page.PortfolioPage as the app opens it offline: its own workers
    run open_offline, then compute_pnl (FIFO); done when its P&L is shown."""
    from PySide6.QtCore import QEventLoop, QTimer

    from views.pages.portfolio_page import PortfolioPage
    from views.wallet_context import WalletContext

    context = WalletContext(store, home, NETWORK)
    loop = QEventLoop()
    marks: dict[str, float] = {}
    failures: list[str] = []

    def mark(name: str) -> None:
        marks[name] = time.perf_counter()

    def failed(reason: object) -> None:
        failures.append(str(reason))
        loop.quit()

    try:
        started = time.perf_counter()
        page = PortfolioPage(context)   # starts loading at once (on its workers)
        page.resize(1280, 860)
        built = time.perf_counter()
        page.loaded.connect(lambda _portfolio: mark("portfolio_shown"))
        page.pnl_ready.connect(lambda _result: (mark("pnl_shown"), loop.quit()))
        page.unavailable.connect(failed)
        watch = QTimer(page)   # a failed load or P&L shows on the page's error line
        watch.timeout.connect(lambda: failed(page.error.text()) if page.error.text() else None)
        watch.start(20)
        QTimer.singleShot(120_000, lambda: failed("timed out"))
        if page.pnl is None and not failures:
            loop.exec()
        if failures or page.pnl is None or page.portfolio is None:
            raise RuntimeError(f"the Portfolio page showed no P&L: {failures or page.error.text()}")
        watch.stop()
        step("page_until_pnl_shown")
        steps_inside = {"page_built": round(built - started, 4)}
        if "portfolio_shown" in marks:
            steps_inside["holdings_shown"] = round(marks["portfolio_shown"] - started, 4)
        steps_inside["pnl_shown"] = round(marks.get("pnl_shown", time.perf_counter()) - started, 4)
        shown = {"widget": "views.pages.portfolio_page.PortfolioPage", "holdings": len(page.portfolio.rows),
                 "pnl_positions": len(page.pnl.positions), "method": page.pnl.method,
                 "since_page_construction_s": steps_inside}
    finally:
        context.shutdown()
    return page, shown


# --- 2. full recompute ------------------------------------------------------------------------------
def measure_recompute(store: Store, repeats: int) -> dict[str, Any]:
    """compute_pnl (what the app runs) per method, and once the same through the public steps
    (load_events, compute, pnl_from_report), which must give the same result."""
    from app.accounting import compute
    from app.portfolio.pnl import compute_pnl, load_events, pnl_from_report
    result = {}
    for method in METHODS:
        seconds, cpu = [], []
        for _ in range(repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            outcome = compute_pnl(store, KEY, method, save=False)
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        t0 = time.perf_counter()
        events = load_events(store, KEY)
        t1 = time.perf_counter()
        report = compute(events, method)
        t2 = time.perf_counter()
        by_steps = pnl_from_report(store, KEY, report)
        t3 = time.perf_counter()
        del events, report
        result[method] = {"compute_pnl_s": _stats(seconds), "compute_pnl_cpu_s": _stats(cpu),
                          "by_public_steps_s": {"load_events": round(t1 - t0, 4), "compute": round(t2 - t1, 4),
                                                "pnl_from_report": round(t3 - t2, 4), "total": round(t3 - t0, 4)},
                          "same_result_both_ways": by_steps == outcome,
                          "realized_usd": str(outcome.realized_usd), "unrealized_usd": str(outcome.unrealized_usd),
                          "fees_usd": str(outcome.fees_usd), "positions": len(outcome.positions),
                          "events_sha256": outcome.settings["events_sha256"]}
    return result


# --- 3. update after one new trade ----------------------------------------------------------------
def measure_update(store: Store, writer: LedgerWriter, trades: int) -> dict[str, Any]:
    from app.portfolio.live import LivePnl
    from app.portfolio.pnl import compute_pnl
    started = time.perf_counter()
    live = LivePnl(store, KEY, "fifo")
    first_load = time.perf_counter() - started
    writes, catch_ups, totals = [], [], []
    for _ in range(trades):
        writer.rows = []
        t0 = time.perf_counter()
        rows = writer.index_buy(writer.accounts[0], pay=writer.usdc)
        with store.lock, store.db.conn:
            store.db.conn.executemany(_INSERT_EVENT, rows)
        t1 = time.perf_counter()
        result = live.catch_up()
        t2 = time.perf_counter()
        writes.append(t1 - t0)
        catch_ups.append(t2 - t1)
        totals.append(t2 - t0)
    full = compute_pnl(store, KEY, "fifo", save=False)
    same = (full.realized_usd, full.unrealized_usd, full.fees_usd, full.positions, full.settings) == (
        result.realized_usd, result.unrealized_usd, result.fees_usd, result.positions, result.settings)
    return {"method": "fifo", "trade": f"index buy: 1 USDC disposal, {INDEX_LEGS} acquisitions, 1 gas disposal",
            "rows_per_trade": len(rows), "initial_load_s": round(first_load, 3),
            "total_s": _stats(totals), "write_rows_s": _stats(writes), "catch_up_s": _stats(catch_ups),
            "full_recomputes": live.full_recomputes - 1, "matches_full_compute_pnl": same}


# --- 4. memory -------------------------------------------------------------------------------------
def measure_memory(store: Store, writer: LedgerWriter) -> dict[str, Any]:
    """tracemalloc's peak (Python allocations) of each step, in runs of their own: tracing
    slows allocation several times over, so the timed runs are not traced."""
    from app.portfolio.live import LivePnl
    from app.portfolio.pnl import compute_pnl, load_events
    peaks = {}
    tracemalloc.start()
    try:
        compute_pnl(store, KEY, "fifo", save=False)
        peaks["compute_pnl_fifo"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        events = load_events(store, KEY)
        peaks["load_events_list"] = tracemalloc.get_traced_memory()[1]
        del events
        tracemalloc.reset_peak()
        live = LivePnl(store, KEY, "fifo")
        peaks["live_pnl_initial_load"] = tracemalloc.get_traced_memory()[1]
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        writer.rows = []
        rows = writer.index_buy(writer.accounts[0], pay=writer.usdc)
        with store.lock, store.db.conn:
            store.db.conn.executemany(_INSERT_EVENT, rows)
        live.catch_up()
        peaks["live_pnl_catch_up_one_trade"] = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
    return {"tracemalloc_peak_mb": {k: _mb(v) for k, v in peaks.items()}}


# --- the report ----------------------------------------------------------------------------------
def report(args, setup, cold, recompute, update, memory) -> dict[str, Any]:
    targets = {
        f"cold_open_under_{TARGET_COLD_OPEN_S:g}s": {
            "from_store_open": cold["from_store_open_s"]["max"] < TARGET_COLD_OPEN_S,
            "process_total": cold["process_total_s"]["max"] < TARGET_COLD_OPEN_S},
        f"full_recompute_under_{TARGET_RECOMPUTE_S:g}s": {
            m: r["compute_pnl_s"]["max"] < TARGET_RECOMPUTE_S for m, r in recompute.items()},
        f"update_after_one_trade_under_{TARGET_UPDATE_S * 1000:g}ms": update["total_s"]["max"] < TARGET_UPDATE_S,
    }
    notes = [
        "times: median and max of the runs, in seconds; 'met' compares the max",
        "cold open: a new interpreter per run (imports included in process_total_s); the OS file "
        "cache is warm (the store was just written), so this is a warm-disk cold start",
        "full recompute: compute_pnl(save=False), what the app runs; by_public_steps_s: the same "
        "result through load_events + compute + pnl_from_report (builds every event and disposal)",
        "update: writing the trade's rows plus LivePnl.catch_up(), which books only rows with a "
        "larger id and values the positions at the newest stored prices",
        "memory: tracemalloc counts Python allocations only; maxrss is the whole cold process",
    ]
    return {
        "benchmark": "portfolio",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(), "sqlite": __import__("sqlite3").sqlite_version},
        "config": {"events": args.events, "runs": args.runs, "repeats": args.repeats,
                   "trades": args.trades, "seed": args.seed},
        "setup": setup,
        "cold_open": cold,
        "full_recompute": recompute,
        "update_after_one_trade": update,
        "memory": memory,
        "targets": {"cold_open_s": TARGET_COLD_OPEN_S, "full_recompute_s": TARGET_RECOMPUTE_S,
                    "update_s": TARGET_UPDATE_S, "met": targets},
        "notes": notes,
    }


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 4), "max": round(max(values), 4)}


def _mb(size: int) -> float:
    return round(size / 2**20, 1)


if __name__ == "__main__":
    main()

"""P&L from the ledger (SQLite alone): the events of ``ledger_events`` through one cost-basis
method, open positions valued at the newest stored prices. Each report is stored with the
settings it ran with (method, precision, event count and digest, the prices used)."""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, localcontext

from app.accounting import (
    DEFAULT_METHOD,
    Accountant,
    Acquisition,
    Disposal,
    Holding,
    RealisedDisposal,
    Report,
)
from app.accounting.cost_basis import paused_gc
from app.accounting.money import ACCOUNTING_CONTEXT, ZERO
from app.portfolio.records import latest_prices, stored_assets
from app.store import Store
from app.tx.journal import ChainKey

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PositionPnl:
    account: str
    token: str
    symbol: str
    quantity: Decimal         # held now
    cost_usd: Decimal         # remaining cost basis
    value_usd: Decimal | None
    unrealized_usd: Decimal | None
    realized_usd: Decimal


@dataclass(frozen=True)
class PnlResult:
    method: str
    realized_usd: Decimal
    unrealized_usd: Decimal
    fees_usd: Decimal
    positions: list[PositionPnl]
    settings: dict
    adjustments: int          # differences the history does not explain (label "adjustment")
    report_id: int | None = None

    def to_json(self) -> dict:
        return {"method": self.method, "realized_usd": str(self.realized_usd),
                "unrealized_usd": str(self.unrealized_usd), "fees_usd": str(self.fees_usd),
                "positions": [_position_json(p) for p in self.positions], "settings": self.settings,
                "adjustments": self.adjustments, "report_id": self.report_id}


def _position_json(p: PositionPnl) -> dict:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)
    return {"account": p.account, "symbol": p.symbol, "address": p.token, "quantity": str(p.quantity),
            "cost_usd": str(p.cost_usd), "value_usd": text(p.value_usd),
            "unrealized_usd": text(p.unrealized_usd), "realized_usd": str(p.realized_usd)}


def load_events(store: Store, key: ChainKey, accounts: Iterable[str] | None = None) -> list[Acquisition | Disposal]:
    """The ledger as accounting events (whole units), in time order (an opening balance first
    among events of the same second). Built with ``trusted`` (see ``ledger_entries``).

    Carries (moves, wraps, vault deposits and withdrawals) are no Acquisition or Disposal:
    for a ledger with any, ValueError (``compute_pnl`` books them)."""
    with paused_gc():
        decimals = asset_decimals(store, key)
        events = []
        for acquired, account, token, time, quantity, amount, fee, ref in ledger_entries(
                ledger_rows(store, key), decimals, _wanted(accounts)):
            if acquired not in (0, 1):
                raise ValueError(f"{ref} is a carry (a move, wrap or vault deposit/withdrawal): use compute_pnl")
            events.append((Acquisition.trusted if acquired else Disposal.trusted)(
                time, quantity, amount, fee, ref, token, account))
        return events


def compute_pnl(store: Store, key: ChainKey, method: str = DEFAULT_METHOD,
                accounts: Iterable[str] | None = None, save: bool = True) -> PnlResult:
    """The P&L of the stored ledger under ``method``, valued at the newest stored prices.
    Raises ValueError for an unknown method.

    The same as ``pnl_from_report(store, key, compute(load_events(store, key, accounts),
    method))``, without building the events."""
    accountant = Accountant(method, keep_disposals=False)
    with paused_gc():
        rows = ledger_rows(store, key)
        accountant.extend_checked(ledger_entries(rows, asset_decimals(store, key), _wanted(accounts)))
        del rows
    result = pnl_of_books(store, key, method, accountant.realised_by_position, accountant.holdings(),
                          accountant.realised, accountant.fees, accountant.settings())
    return save_report(store, key, result) if save else result


def asset_decimals(store: Store, key: ChainKey) -> dict[str, int]:
    return {a.address: a.decimals for a in stored_assets(store, key)}


def _wanted(accounts: Iterable[str] | None) -> set[str] | None:
    return None if accounts is None else set(accounts)


# Ledger order: by time, an opening balance or adjustment (no transaction) first among the rows
# of its second, then by id. SQLite would sort the whole ledger for that middle key, so the
# transactions' rows come in index order (time, id) and the few others are merged in.
# the kind column: 1 an acquisition, 0 a disposal, else a carry's code (cost_basis.CARRY_OUT...)
_LEDGER_COLUMNS = ("id, time, account_address, token_address,"
                   " CASE WHEN label NOT IN ('move', 'wrap', 'deposit', 'withdrawal') THEN kind = 'acquisition'"
                   " WHEN kind = 'disposal' THEN 2 WHEN label = 'deposit' THEN 4 WHEN label = 'withdrawal' THEN 5"
                   " ELSE 3 END, quantity, value_usd, fee_usd,"
                   " CASE WHEN tx_hash IS NULL OR tx_hash = '' THEN label ELSE tx_hash || '#' || seq END,"
                   " tx_hash IS NULL")
_TX_ROWS = (f"SELECT {_LEDGER_COLUMNS} FROM ledger_events WHERE chain_id = ? AND genesis_hash = ?"
            " AND tx_hash IS NOT NULL ORDER BY time, id")
_OTHER_ROWS = (f"SELECT {_LEDGER_COLUMNS} FROM ledger_events WHERE chain_id = ? AND genesis_hash = ?"
               " AND tx_hash IS NULL ORDER BY time, id")
# by the id (the rowid: a range read), not by the time index, which would read the whole ledger
_ROWS_AFTER = (f"SELECT {_LEDGER_COLUMNS} FROM ledger_events WHERE +chain_id = ? AND +genesis_hash = ? AND id > ?"
               " ORDER BY time, tx_hash IS NOT NULL, id")


def ledger_rows(store: Store, key: ChainKey, after_id: int = 0) -> list[tuple]:
    """The rows of ``ledger_events`` with an id above ``after_id``, in ledger order, as (id,
    time, account, token, 1 for an acquisition else 0, quantity, value_usd, fee_usd, ref,
    1 if without a transaction else 0); ref is ``tx_hash#seq``, else the label."""
    chain = [key.chain_id, key.genesis_hash]
    if after_id:
        return store.db.execute(_ROWS_AFTER, [*chain, after_id]).fetchall()
    with store.lock:   # both reads, or neither, before a reconcile rewrites the others
        rows = store.db.execute(_TX_ROWS, chain).fetchall()
        others = untracked_rows(store, key)
    if not others:
        return rows
    merged, start = [], 0
    for row in others:   # before the transactions' rows of its second, after the earlier ones
        at = bisect.bisect_left(rows, row[1], lo=start, key=_row_time)
        merged += rows[start:at]
        merged.append(row)
        start = at
    merged += rows[start:]
    return merged


def untracked_rows(store: Store, key: ChainKey) -> list[tuple]:
    """The ledger's rows without a transaction (opening balances, adjustments: reconcile
    rewrites them), as ``ledger_rows``, ordered by time and id."""
    return store.db.execute(_OTHER_ROWS, [key.chain_id, key.genesis_hash]).fetchall()


def _row_time(row: tuple) -> int:
    return row[1]


def ledger_entries(rows: Iterable[tuple], decimals: dict[str, int],
                   wanted: set[str] | None = None) -> Iterator[tuple]:
    """The accounting entries (``Entry``'s fields) of ``ledger_rows`` whose asset is in
    ``decimals`` (address -> decimals) and account in ``wanted`` (all if None), in whole units.

    Rows are taken as ledger.py wrote them (checked then, from Decimal arithmetic that traps
    overflow, so never NaN or infinite): only the signs are checked again, a zero quantity or a
    negative amount raising ValueError as the event itself does."""
    scales = {token: -places for token, places in decimals.items()}
    with localcontext(ACCOUNTING_CONTEXT):
        for _id, at, account, token, acquired, quantity, value, fee, ref, _untracked in rows:
            scale = scales.get(token)
            if scale is None or (wanted is not None and account not in wanted):
                continue
            amount, money, fee_usd = Decimal(quantity).scaleb(scale), Decimal(value), Decimal(fee)
            if amount <= ZERO or money < ZERO or fee_usd < ZERO:   # not as written: the event says why
                (Acquisition if acquired else Disposal)(int(at), amount, money, fee_usd, ref, token=token,
                                                        account=account)
            yield acquired, account, token, int(at), amount, money, fee_usd, ref   # an Entry's fields


def pnl_from_report(store: Store, key: ChainKey, report: Report) -> PnlResult:
    return pnl_of_books(store, key, report.method, realized_by_position(report.disposals), report.holdings,
                        report.realised_usd, report.fees_usd, report.settings)


def realized_by_position(disposals: Iterable[RealisedDisposal]) -> dict[tuple[str, str], Decimal]:
    """The realised P&L of each (account, token), summed in the disposals' order (as
    ``Accountant.realised_by_position``)."""
    realized: dict[tuple[str, str], Decimal] = {}
    with localcontext(ACCOUNTING_CONTEXT):
        for disposal in disposals:
            position = (disposal.account, disposal.token)
            realized[position] = realized.get(position, ZERO) + disposal.pnl_usd
    return realized


def pnl_of_books(store: Store, key: ChainKey, method: str, realized: dict[tuple[str, str], Decimal],
                 holdings: Iterable[Holding], realised_usd: Decimal, fees_usd: Decimal, settings: dict,
                 adjustments: int | None = None) -> PnlResult:
    """The PnlResult of books (per-position realised P&L, holdings, totals, the settings they
    ran with) at the newest stored prices. ``adjustments`` is counted in SQLite unless given."""
    assets = {a.address: a for a in stored_assets(store, key)}
    prices = latest_prices(store, key)
    positions = []
    with localcontext(ACCOUNTING_CONTEXT):
        held = {(h.account, h.token): h for h in holdings}
        unrealized_total = ZERO
        for position in sorted(set(held) | set(realized)):
            account, token = position
            holding = held.get(position)
            quantity = holding.quantity if holding else ZERO
            cost = holding.cost_usd if holding else ZERO
            price = prices.get(token)
            value = quantity * price.usd if price is not None else (ZERO if not quantity else None)
            unrealized = None if value is None else value - cost
            if unrealized is not None:
                unrealized_total += unrealized
            positions.append(PositionPnl(account, token, assets[token].symbol if token in assets else token,
                                         quantity, cost.quantize(CENT), _cents(value), _cents(unrealized),
                                         realized.get(position, ZERO).quantize(CENT)))
    settings = dict(settings)
    settings["prices"] = {t: {"usd": str(p.usd), "source": p.source, "observed_at": p.observed_at}
                          for t, p in sorted(prices.items())}
    if adjustments is None:
        adjustments = count_adjustments(store, key)
    return PnlResult(method, realised_usd.quantize(CENT), unrealized_total.quantize(CENT),
                     fees_usd.quantize(CENT), positions, settings, int(adjustments))


def count_adjustments(store: Store, key: ChainKey) -> int:
    """Ledger rows labelled 'adjustment' (reconcile writes them without a transaction, which
    lets SQLite find them by index instead of reading the whole ledger)."""
    return int(store.db.execute(
        "SELECT COUNT(*) FROM ledger_events WHERE chain_id = ? AND genesis_hash = ? AND tx_hash IS NULL"
        " AND label = 'adjustment'", [key.chain_id, key.genesis_hash]).fetchone()[0])


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)


def save_report(store: Store, key: ChainKey, result: PnlResult) -> PnlResult:
    with store.lock, store.db.conn:
        cursor = store.db.execute(
            "INSERT INTO pnl_reports (chain_id, genesis_hash, created_at, method, settings_json, realized_usd,"
            " unrealized_usd, fees_usd, positions_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [key.chain_id, key.genesis_hash, int(time.time()), result.method, json.dumps(result.settings),
             str(result.realized_usd), str(result.unrealized_usd), str(result.fees_usd),
             json.dumps([_position_json(p) for p in result.positions])])
    return PnlResult(result.method, result.realized_usd, result.unrealized_usd, result.fees_usd,
                     result.positions, result.settings, result.adjustments, int(cursor.lastrowid))


__all__ = ["Accountant", "PnlResult", "PositionPnl", "asset_decimals", "compute_pnl", "count_adjustments",
           "ledger_entries", "ledger_rows", "load_events", "pnl_from_report", "pnl_of_books", "realized_by_position",
           "save_report", "untracked_rows"]

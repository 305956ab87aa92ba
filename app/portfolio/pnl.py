"""P&L from the ledger (SQLite alone): the events of ``ledger_events`` through one cost-basis
method, open positions valued at the newest stored prices. Each report is stored with the
settings it ran with (method, precision, event count and digest, the prices used)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext

from app.accounting import DEFAULT_METHOD, Accountant, Acquisition, Disposal, Report, compute
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
    adjustments: int          # opening balances and unexplained differences in the ledger
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
    among events of the same second)."""
    decimals = {a.address: a.decimals for a in stored_assets(store, key)}
    wanted = None if accounts is None else set(accounts)
    events: list[Acquisition | Disposal] = []
    with localcontext(ACCOUNTING_CONTEXT):
        for at, account, token, kind, quantity, value, fee, tx_hash, seq, label in store.db.execute(
                "SELECT time, account_address, token_address, kind, quantity, value_usd, fee_usd, tx_hash, seq,"
                " label FROM ledger_events WHERE chain_id = ? AND genesis_hash = ?"
                " ORDER BY time, tx_hash IS NOT NULL, id", [key.chain_id, key.genesis_hash]):
            if (wanted is not None and account not in wanted) or token not in decimals:
                continue
            amount = Decimal(quantity).scaleb(-decimals[token])
            ref = f"{tx_hash}#{seq}" if tx_hash else label
            event_type = Acquisition if kind == "acquisition" else Disposal
            events.append(event_type(int(at), amount, Decimal(value), Decimal(fee), ref, token=token,
                                     account=account))
    return events


def compute_pnl(store: Store, key: ChainKey, method: str = DEFAULT_METHOD,
                accounts: Iterable[str] | None = None, save: bool = True) -> PnlResult:
    """The P&L of the stored ledger under ``method``, valued at the newest stored prices.
    Raises ValueError for an unknown method."""
    report = compute(load_events(store, key, accounts), method)
    result = pnl_from_report(store, key, report)
    return save_report(store, key, result) if save else result


def pnl_from_report(store: Store, key: ChainKey, report: Report) -> PnlResult:
    assets = {a.address: a for a in stored_assets(store, key)}
    prices = latest_prices(store, key)
    realized: dict[tuple[str, str], Decimal] = {}
    positions = []
    with localcontext(ACCOUNTING_CONTEXT):
        for disposal in report.disposals:
            position = (disposal.account, disposal.token)
            realized[position] = realized.get(position, ZERO) + disposal.pnl_usd
        held = {(h.account, h.token): h for h in report.holdings}
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
    settings = dict(report.settings)
    settings["prices"] = {t: {"usd": str(p.usd), "source": p.source, "observed_at": p.observed_at}
                          for t, p in sorted(prices.items())}
    adjustments = store.db.execute(
        "SELECT COUNT(*) FROM ledger_events WHERE chain_id = ? AND genesis_hash = ? AND label = 'adjustment'",
        [key.chain_id, key.genesis_hash]).fetchone()[0]
    return PnlResult(report.method, report.realised_usd.quantize(CENT), unrealized_total.quantize(CENT),
                     report.fees_usd.quantize(CENT), positions, settings, int(adjustments))


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


__all__ = ["Accountant", "PnlResult", "PositionPnl", "compute_pnl", "load_events", "pnl_from_report",
           "save_report"]

"""The P&L kept up to date as the ledger grows: the stored ledger is booked once, then each
``catch_up`` books only the rows written since (the cost of the new rows, not of a recompute)
and values the positions at the newest stored prices again.

The ledger only ever adds transactions' rows, each with an id above every id in the table, so
"written since" is "with an id above the highest transaction row booked". Reconcile rewrites
the other rows (opening balances, adjustments) on every update, under new ids: those are
compared by content instead. A full recompute happens whenever the books could differ from a
recompute's: those rows changed, an asset was added or changed, or a new row sorts before one
already booked (an older transaction found late). The result is always ``compute_pnl``'s.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.accounting import DEFAULT_METHOD, Accountant
from app.accounting.cost_basis import paused_gc
from app.portfolio.pnl import (
    PnlResult,
    asset_decimals,
    ledger_entries,
    ledger_rows,
    pnl_of_books,
    untracked_rows,
)
from app.store import Store
from app.tx.journal import ChainKey

# the columns of pnl.ledger_rows used here
_ID, _TIME, _ACCOUNT, _TOKEN, _REF, _UNTRACKED = 0, 1, 2, 3, 8, 9


class LivePnl:
    """``compute_pnl(store, key, method, accounts, save=False)``, kept current by ``catch_up``.
    Use it from one thread at a time. Raises as ``compute_pnl`` (ValueError for an unknown
    method or a row that is not as written, OversoldError for a ledger selling more than it
    holds); after an error the next ``catch_up`` recomputes."""

    def __init__(self, store: Store, key: ChainKey, method: str = DEFAULT_METHOD,
                 accounts: Iterable[str] | None = None):
        self.store, self.key, self.method = store, key, method
        self.accounts = None if accounts is None else frozenset(accounts)
        self.full_recomputes = 0
        self._accountant: Accountant | None = None
        self._decimals: dict[str, int] = {}
        self._last_tx_id = 0                # the highest id of a transaction's row booked
        self._untracked: list[tuple] = []   # the rows without a transaction, as booked
        self.result = self.recompute()

    def recompute(self) -> PnlResult:
        """Book the whole ledger again."""
        self._accountant = None
        accountant = Accountant(self.method, keep_disposals=False)
        with paused_gc():
            with self.store.lock:
                decimals = asset_decimals(self.store, self.key)
                rows = ledger_rows(self.store, self.key)
            accountant.extend_checked(ledger_entries(rows, decimals, self.accounts))
            self._last_tx_id = max((row[_ID] for row in rows if not row[_UNTRACKED]), default=0)
            self._untracked = [row for row in rows if row[_UNTRACKED]]
            del rows
        self._accountant, self._decimals = accountant, decimals
        self.full_recomputes += 1
        return self._publish()

    def catch_up(self) -> PnlResult:
        """Book the rows written since the last call (or recompute, see the module), and value
        the positions at the newest stored prices. Returns the new result (also ``result``)."""
        accountant = self._accountant
        if accountant is None:
            return self.recompute()
        with self.store.lock:
            decimals = asset_decimals(self.store, self.key)
            untracked = untracked_rows(self.store, self.key)
            rows = ledger_rows(self.store, self.key, after_id=self._last_tx_id)
        if decimals != self._decimals or _content(untracked) != _content(self._untracked):
            return self.recompute()
        new = [row for row in rows if not row[_UNTRACKED]]
        wanted = [row for row in new if row[_TOKEN] in decimals
                  and (self.accounts is None or row[_ACCOUNT] in self.accounts)]
        if wanted and accountant.last_time is not None and wanted[0][_TIME] < accountant.last_time:
            return self.recompute()   # it sorts before what is booked already
        if wanted:
            try:
                accountant.extend_checked(ledger_entries(wanted, decimals))
            except BaseException:
                self._accountant = None   # partly booked: recompute next time
                raise
        if new:
            self._last_tx_id = max(row[_ID] for row in new)
        self._untracked = untracked
        return self._publish()

    def _publish(self) -> PnlResult:
        accountant = self._accountant
        assert accountant is not None
        adjustments = sum(1 for row in self._untracked if row[_REF] == "adjustment")
        self.result = pnl_of_books(self.store, self.key, self.method, accountant.realised_by_position,
                                   accountant.holdings(), accountant.realised, accountant.fees,
                                   accountant.settings(), adjustments)
        return self.result


def _content(rows: list[tuple]) -> list[tuple]:
    """The rows without their ids (which reconcile changes by rewriting them)."""
    return [row[1:] for row in rows]

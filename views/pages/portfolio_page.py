"""The Portfolio page: the total value of every account with when it was seen, the P&L under
a chosen cost-basis method (realised, unrealised, fees), the holdings as a sortable table
(vault shares included) and two charts, the allocation and the value over time.

Online, Refresh runs ``service.update`` on a worker (balances and prices in one read, the
history synced, the ledger derived, all stored), with its progress shown and a Cancel; the
page refreshes by itself when the session opens. Offline it shows what SQLite holds, said as
such ("as last seen at … (block N)"), and Refresh is disabled. The P&L is computed on a worker
too, again each time the method changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.accounting import DEFAULT_METHOD, METHODS
from app.errors import InvalidInput
from app.networks import get_network
from app.portfolio.method_setting import save_method, saved_method
from app.portfolio.pnl import PnlResult, compute_pnl
from app.portfolio.service import PortfolioUpdate, open_offline, update
from app.portfolio.view import Portfolio
from app.session import ChainSession
from app.store import Store
from app.tx.journal import ChainKey
from views.errors import show_error
from views.formatting import NO_VALUE, format_usd
from views.models.holdings_model import HoldingsModel, HoldingsProxy, format_time
from views.wallet_context import WalletContext
from views.widgets.common import MUTED_COLOR, WARNING_COLOR, ErrorLabel, error_text, title_label
from views.widgets.portfolio_charts import AllocationChart, HistoryChart
from views.workers import Worker

log = logging.getLogger(__name__)

METHOD_LABELS = {"fifo": "FIFO", "lifo": "LIFO", "hifo": "HIFO", "average": "Average cost"}
NO_ACCOUNTS = "No accounts yet: create, import or watch one on the Accounts page."
NO_CONTEXT = "No wallet store is open."
JOURNAL_SETTLE_MS = 800  # a trade changes the journal several times (signed, sent, confirmed)


def run_update(session: ChainSession, accounts: list[str], cancel: threading.Event,
               progress: Callable[[object], None]) -> PortfolioUpdate:
    """``service.update`` on a worker; its (stage, done, total) reports arrive as one tuple."""
    return update(session, accounts, progress=lambda stage, done, total: progress((stage, done, total)),
                  cancel=cancel)


def run_pnl(store: Store, key: ChainKey, method: str, accounts: list[str]) -> PnlResult:
    """The P&L the page shows, stored as a report with its settings (every P&L view is)."""
    return compute_pnl(store, key, method, accounts=accounts)


def progress_text(stage: str, done: int, total: int) -> str:
    return f"{stage}… {done:,} of {total:,}" if total > 1 else f"{stage}…"


class PortfolioPage(QWidget):
    TITLE = "Portfolio"

    loaded = Signal(object)      # Portfolio (online after a refresh, or offline from SQLite)
    unavailable = Signal(str)    # why nothing can be shown (nothing stored yet, no accounts)
    pnl_ready = Signal(object)   # PnlResult
    progressed = Signal(str)     # the refresh's progress, in words

    def __init__(self, context: WalletContext | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("PortfolioPage")
        self.context = context
        self.portfolio: Portfolio | None = None
        self.pnl: PnlResult | None = None
        self.last_update: PortfolioUpdate | None = None
        self._load_worker: Worker | None = None
        self._pnl_worker: Worker | None = None
        self._cancel: threading.Event | None = None
        self._reload = False
        self._pnl_again = False
        self._generation = 0

        self.title_label = title_label(self.TITLE, self)
        self.state_label = QLabel("", self)
        self.state_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.offline_banner = QLabel("", self)
        self.offline_banner.setObjectName("offlineBanner")
        self.offline_banner.setWordWrap(True)
        self.offline_banner.setStyleSheet(f"color: {WARNING_COLOR}; border: 1px solid {WARNING_COLOR};"
                                          " border-radius: 3px; padding: 4px 8px;")
        self.offline_banner.hide()

        self.total_label = QLabel(NO_VALUE, self)
        self.total_label.setObjectName("portfolioTotal")
        font = self.total_label.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        font.setBold(True)
        self.total_label.setFont(font)
        self.total_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.as_of_label = QLabel("", self)
        self.as_of_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.unpriced_label = QLabel("", self)
        self.unpriced_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.unpriced_label.setWordWrap(True)

        self.method_box = QComboBox(self)
        for key in METHODS:
            self.method_box.addItem(METHOD_LABELS.get(key, key), key)
        chosen = saved_method(context.store) if context is not None else DEFAULT_METHOD
        self.method_box.setCurrentIndex(max(self.method_box.findData(chosen), 0))
        self.method_box.setToolTip("Which lots a sale consumes: first in, last in, highest cost in, "
                                   "or the average cost of the position")
        self.realized_label = QLabel(NO_VALUE, self)
        self.unrealized_label = QLabel(NO_VALUE, self)
        self.fees_label = QLabel(NO_VALUE, self)
        self.pnl_state = QLabel("", self)
        self.pnl_state.setStyleSheet(f"color: {MUTED_COLOR};")
        self.pnl_state.setWordWrap(True)
        pnl = QFormLayout()
        pnl.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        pnl.addRow("Cost basis:", self.method_box)
        pnl.addRow("Realized P&&L:", self.realized_label)
        pnl.addRow("Unrealized P&&L:", self.unrealized_label)
        pnl.addRow("Fees paid:", self.fees_label)
        for label in (self.realized_label, self.unrealized_label, self.fees_label):
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.refresh_button = QPushButton("Refresh", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop syncing the history; what was synced is kept")
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumSize(110, 12)
        self.busy_bar.hide()
        self.progress_label = QLabel("", self)
        self.progress_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.error = ErrorLabel(self)

        self.model = HoldingsModel(self)
        self.proxy = HoldingsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("holdingsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(HoldingsModel.VALUE, Qt.SortOrder.DescendingOrder)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setStyleSheet("QTableView::item { padding: 0 6px; } "
                                 "QHeaderView::section { padding: 2px 6px; }")

        self.allocation_chart = AllocationChart(self)
        self.history_chart = HistoryChart(self)

        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addStretch(1)
        top.addWidget(self.state_label)
        total = QVBoxLayout()
        total.addWidget(self.total_label)
        total.addWidget(self.as_of_label)
        total.addWidget(self.unpriced_label)
        total.addStretch(1)
        summary = QHBoxLayout()
        summary.addLayout(total, 1)
        summary.addLayout(pnl)
        actions = QHBoxLayout()
        actions.addWidget(self.refresh_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.busy_bar)
        actions.addWidget(self.progress_label, 1)
        actions.addWidget(self.pnl_state)
        charts = QWidget(self)
        charts_row = QHBoxLayout(charts)
        charts_row.setContentsMargins(0, 0, 0, 0)
        charts_row.addWidget(self.allocation_chart)
        charts_row.addWidget(self.history_chart)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(charts)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 16)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.offline_banner)
        layout.addLayout(summary)
        layout.addLayout(actions)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.cancel_button.clicked.connect(self.cancel)
        self.method_box.currentIndexChanged.connect(lambda _index: self._method_chosen())

        if context is None:
            self.state_label.setText(NO_CONTEXT)
            self._show_unavailable(NO_CONTEXT)
            self.setEnabled(False)
            return
        context.session_changed.connect(self._session_changed)
        context.accounts_changed.connect(self.refresh)
        # a trade made on another page: refresh once it settles (one refresh for the several
        # journal changes of one trade), now if the page is shown, else when it is next shown
        self._stale = False
        self._journal_timer = QTimer(self)
        self._journal_timer.setSingleShot(True)
        self._journal_timer.setInterval(JOURNAL_SETTLE_MS)
        self._journal_timer.timeout.connect(self._refresh_if_shown)
        context.journal_changed.connect(self._journal_changed)
        self._session_changed(context.session)

    def _journal_changed(self) -> None:
        self._stale = True
        self._journal_timer.start()

    def _refresh_if_shown(self) -> None:
        if self._stale and self.isVisible():
            self._stale = False
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self._refresh_if_shown()

    # --- state -------------------------------------------------------------------------------------
    @property
    def loading(self) -> bool:
        return self._load_worker is not None

    @property
    def busy(self) -> bool:
        return self._load_worker is not None or self._pnl_worker is not None

    def method(self) -> str:
        return self.method_box.currentData()

    def set_method(self, method: str) -> None:
        self.method_box.setCurrentIndex(self.method_box.findData(method))

    def _method_chosen(self) -> None:
        """The choice is a setting (`pnl` and `vault withdraw` use it too), then the P&L again."""
        if not self._closed():
            save_method(self.context.store, self.method())
        self.recompute_pnl()

    def accounts(self) -> list[str]:
        return [record.address for record in self.context.accounts.all()] if self.context else []

    def why_no_refresh(self) -> str | None:
        if self.context is None:
            return NO_CONTEXT
        if self.context.session is None:
            return "Offline: refreshing reads balances and prices from the chain. Shown: what was last seen."
        if self.loading:
            return "Refreshing…"
        return None

    def _closed(self) -> bool:
        """The context was shut down (it emits nothing more; its store is about to close)."""
        return self.context is None or self.context.signalsBlocked()

    def _update_buttons(self) -> None:
        if self._closed():  # also a late worker answer after shutdown: the widgets may be gone
            return
        reason = self.why_no_refresh()
        self.refresh_button.setEnabled(reason is None)
        self.refresh_button.setToolTip(reason or "Read balances and prices again, sync the history "
                                                 "and bring the P&L up to date")
        running = self._load_worker is not None and self._cancel is not None
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running and not self._cancel.is_set())
        self.method_box.setEnabled(self.portfolio is not None)
        self.busy_bar.setVisible(self.busy)

    def _session_changed(self, session: ChainSession | None) -> None:
        self._generation += 1
        if self._cancel is not None:
            self._cancel.set()  # the running refresh belongs to the session before
        self.error.clear_error()
        if session is None:
            self.state_label.setText("Offline")
        else:
            self.state_label.setText(f"{session.network.label}, chain id {session.chain_id}")
        self.refresh()

    # --- loading -----------------------------------------------------------------------------------
    def refresh(self) -> Worker | None:
        """Online: update the portfolio on a worker. Offline: load it from SQLite on a worker.
        None if nothing was started (no accounts, or one more load is queued after this one)."""
        if self._closed():
            return None
        if self._load_worker is not None:
            self._reload = True
            return None
        accounts = self.accounts()
        if not accounts:
            self._show_unavailable(NO_ACCOUNTS)
            return None
        session = self.context.session
        generation = self._generation
        if session is None:
            network = get_network(self.context.network_key)
            worker = Worker(open_offline, self.context.store, network, accounts)
            worker.signals.returned.connect(lambda portfolio: self._loaded(portfolio, None, generation))
            self.progress_label.setText("Reading what was last seen…")
        else:
            self._cancel = threading.Event()
            worker = Worker(run_update, session, accounts, self._cancel)
            worker.signals.progress.connect(lambda report: self._progress(report, generation))
            worker.signals.returned.connect(lambda result: self._loaded(result.portfolio, result, generation))
            self.progress_label.setText("Starting…")
        self.error.clear_error()
        worker.signals.errored.connect(lambda exc: self._load_failed(exc, generation))
        self._load_worker = worker
        self._update_buttons()
        worker.start()
        return worker

    def cancel(self) -> None:
        if self._cancel is not None and self._load_worker is not None:
            self._cancel.set()
            self.progress_label.setText("Cancelling…")
        self._update_buttons()

    def _progress(self, report: tuple[str, int, int], generation: int) -> None:
        if generation == self._generation and self._load_worker is not None:
            self.progress_label.setText(progress_text(*report))
            self.progressed.emit(self.progress_label.text())

    def _done_loading(self, generation: int) -> bool:
        """Forget the worker; False if its answer is stale (a reload started instead)."""
        self._load_worker = None
        self._cancel = None
        if self._closed():
            return False
        if generation != self._generation or self._reload:
            self._reload = False
            self.refresh()
            return False
        return True

    def _loaded(self, portfolio: Portfolio, result: PortfolioUpdate | None, generation: int) -> None:
        cancelled = bool(result and result.history.cancelled)
        if not self._done_loading(generation):
            self._update_buttons()
            return
        self.last_update = result
        self.progress_label.setText("Refresh cancelled: the history is synced only in part, and the P&L "
                                    "counts what was synced." if cancelled else "")
        self._show_portfolio(portfolio)
        self.loaded.emit(portfolio)
        self.recompute_pnl()

    def _load_failed(self, exc: BaseException, generation: int) -> None:
        if not self._done_loading(generation):
            self._update_buttons()
            return
        self.progress_label.setText("")
        if isinstance(exc, InvalidInput) and self.context.session is None:
            self._show_unavailable(str(exc))  # nothing stored for this network yet
        else:
            self._show_failure(exc)
        self._update_buttons()

    # --- showing -----------------------------------------------------------------------------------
    def _show_portfolio(self, portfolio: Portfolio) -> None:
        self.portfolio = portfolio
        self.model.set_portfolio(portfolio)
        self.model.set_pnl(None)
        self.total_label.setText(format_usd(portfolio.total_usd))
        seen = format_time(portfolio.as_of) if portfolio.as_of is not None else None
        block = f"block {portfolio.block:,}" if portfolio.block is not None else None
        if portfolio.offline:
            self.offline_banner.setText(
                f"Offline: values as last seen at {seen} ({block})." if seen else
                "Offline: nothing was read for these accounts yet; refresh once online.")
            self.offline_banner.show()
            self.as_of_label.setText(f"as last seen at {seen}" if seen else "")
        else:
            self.offline_banner.hide()
            self.as_of_label.setText(f"as of {seen} ({block})" if seen else "")
        self.unpriced_label.setText(
            f"Not counted (no price known): {', '.join(portfolio.unpriced)}" if portfolio.unpriced else "")
        if portfolio.rows:
            self.allocation_chart.set_allocation(portfolio.allocation())
        else:
            self.allocation_chart.set_allocation([], "These accounts hold nothing on this network yet.")
        self.history_chart.set_history(portfolio.history)
        self._update_buttons()

    def _show_unavailable(self, reason: str) -> None:
        self.portfolio = None
        self.pnl = None
        self.model.set_portfolio(None)
        self.total_label.setText(NO_VALUE)
        self.as_of_label.setText("")
        self.unpriced_label.setText("")
        self.offline_banner.hide()
        for label in (self.realized_label, self.unrealized_label, self.fees_label):
            label.setText(NO_VALUE)
        self.pnl_state.setText("")
        self.progress_label.setText(reason)
        self.allocation_chart.set_allocation([], reason)
        self.history_chart.set_history([], reason)
        self._update_buttons()
        self.unavailable.emit(reason)

    # --- P&L ---------------------------------------------------------------------------------------
    def recompute_pnl(self) -> Worker | None:
        """The P&L of the shown portfolio under the chosen method, on a worker."""
        if self.portfolio is None or self._closed():
            return None
        if self._pnl_worker is not None:
            self._pnl_again = True
            return None
        method = self.method()
        worker = Worker(run_pnl, self.context.store, self.portfolio.chain, method, self.accounts())
        generation = self._generation
        worker.signals.returned.connect(lambda result: self._pnl_done(result, generation))
        worker.signals.errored.connect(lambda exc: self._pnl_failed(exc, generation))
        self._pnl_worker = worker
        self.pnl_state.setText(f"Computing the P&L ({METHOD_LABELS.get(method, method)})…")
        self._update_buttons()
        worker.start()
        return worker

    def _pnl_finished(self, generation: int) -> bool:
        self._pnl_worker = None
        if self._closed():
            return False
        if self._pnl_again:
            self._pnl_again = False
            self.recompute_pnl()
            return False
        return generation == self._generation and self.portfolio is not None

    def _pnl_done(self, result: PnlResult, generation: int) -> None:
        if not self._pnl_finished(generation):
            self._update_buttons()
            return
        self.pnl = result
        self.realized_label.setText(format_usd(result.realized_usd, signed=True))
        self.unrealized_label.setText(format_usd(result.unrealized_usd, signed=True))
        self.fees_label.setText(format_usd(result.fees_usd))
        self.model.set_pnl(result)
        self.pnl_state.setText(
            f"{result.adjustments} balance difference(s) the history does not explain are booked as "
            "adjustments" if result.adjustments else "")
        self._update_buttons()
        self.pnl_ready.emit(result)

    def _pnl_failed(self, exc: BaseException, generation: int) -> None:
        if self._pnl_finished(generation):
            self.pnl_state.setText("")
            self._show_failure(exc)
        self._update_buttons()

    def _show_failure(self, exc: BaseException) -> None:
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.error.show_error(text)

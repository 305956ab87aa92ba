"""The Index page: pick a basket (a built-in one or a JSON file), an amount, what to pay with
and the slippage; Preview quotes every leg on a worker (``plan_index_buy``: the legs table and
the preview panel fill in); Buy signs and sends the plan's transactions (the approval, then the
swap) with the signing dialog for each, then shows what each leg received.

- Nothing touches the network on the GUI thread: quotes, the block checks and the execution run
  on workers (a hardware account's signer and execution on the device worker). Inputs are
  disabled while quoting or buying, with a busy bar.
- A preview holds for ``STALE_AFTER_BLOCKS`` blocks: the page checks the block while it is
  shown, and a stale preview (or ``StaleQuote`` at Buy) must be refreshed before buying; a
  ``StaleQuote`` re-quotes at once and shows the new preview before asking again.
- Buy needs a fresh preview of the current inputs, made for the active account, which can sign,
  with a simulation that delivers every minimum, and, when a price impact needs confirmation
  (5% or more, app.trade_warnings), the box naming it ticked. Its tooltip and the line beside
  it say why not. The preview's warnings are listed under the panel, coloured by level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import BasketryError, UserCancelled
from app.index.baskets import list_baskets, load_basket
from app.index.market import listed_tokens
from views.errors import show_error
from views.models.legs_model import LegsModel
from views.prompts import ReportingPrompts
from views.wallet_context import HARDWARE, WalletContext
from views.widgets.checked_inputs import AmountReader
from views.widgets.common import MUTED_COLOR, ErrorLabel, error_text, title_label
from views.widgets.index_result import IndexResultView
from views.widgets.preview_panel import PreviewPanel
from views.widgets.trade_warnings_view import TradeWarningsView
from views.workers import Worker
from wallet.prompts import Prompts

# The planner and the execution (the chain and signing code) are imported when a preview or a
# buy runs: the window paints without them.
if TYPE_CHECKING:
    from app.index.execute import IndexResult
    from app.index.planner import IndexPlan

log = logging.getLogger(__name__)

FRESHNESS_CHECK_MS = 3000
DEFAULT_SLIPPAGE = "0.5"
DEFAULT_BASKET = "Top 10"
FROM_FILE = "From file…"


class IndexPage(QWidget):
    TITLE = "Index"
    PREVIEW, RESULT = range(2)

    preview_ready = Signal(object)   # IndexPlan
    bought = Signal(object)          # IndexResult

    def __init__(self, context: WalletContext | None = None, parent: QWidget | None = None,
                 freshness_ms: int = FRESHNESS_CHECK_MS):
        super().__init__(parent)
        self.setObjectName("IndexPage")
        self.context = context
        self.plan: IndexPlan | None = None
        self.result: IndexResult | None = None
        self.dialog: QWidget | None = None            # the unlock dialog opened last (tests)
        #: ``() -> path or None``: asks for a basket file (tests replace it)
        self.file_chooser: Callable[[], str | None] = self._ask_for_file
        self._plan_inputs: tuple[str, str, str, str] | None = None
        self._quote_worker: Worker | None = None
        self._block_worker: Worker | None = None
        self._buy_jobs: list[Worker] = []
        self._buying = False
        self._approved = 0          # transactions of the running buy the user confirmed
        self._requote_note = ""     # why the last preview was made without the user asking
        self._generation = 0        # bumped when the session changes: late answers are dropped
        self._descriptions: dict[str, str] = {}
        self._last_basket = 0
        native = context.native_symbol if context else "ETH"

        # --- inputs --------------------------------------------------------------------------
        self.title_label = title_label(self.TITLE, self)
        self.state_label = QLabel("", self)
        self.state_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.basket_box = QComboBox(self)
        self.basket_box.setMinimumWidth(170)
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setPlaceholderText("amount")
        self.amount_edit.setMaximumWidth(140)
        self.amount_reader = AmountReader(self.amount_edit)
        self.pay_box = QComboBox(self)
        self.pay_box.addItems([native, "USDC"])
        self.slippage_edit = QLineEdit(DEFAULT_SLIPPAGE, self)
        self.slippage_edit.setMaximumWidth(60)
        self.slippage_reader = AmountReader(self.slippage_edit, "slippage", percent=True)
        self.slippage_edit.setToolTip("The most each leg may deliver below its quote, in percent "
                                      "(above 0, at most 50); the transaction reverts otherwise.")
        self.preview_button = QPushButton("Preview", self)
        self.preview_button.setDefault(True)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(110)
        self.busy_bar.setMaximumHeight(12)
        self.busy_bar.hide()
        inputs = QHBoxLayout()
        inputs.setSpacing(8)
        for widget in (QLabel("Basket:", self), self.basket_box, QLabel("Amount:", self),
                       self.amount_edit, self.pay_box, QLabel("Slippage:", self),
                       self.slippage_edit, QLabel("%", self), self.preview_button, self.busy_bar):
            inputs.addWidget(widget)
        inputs.addStretch(1)
        self.description_label = QLabel("", self)
        self.description_label.setStyleSheet(f"color: {MUTED_COLOR};")
        self.description_label.setWordWrap(True)
        self.error = ErrorLabel(self)

        # --- the preview and the result --------------------------------------------------------
        self.model = LegsModel(native, self)
        self.table = QTableView(self)
        self.table.setObjectName("legsTable")
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LegsModel.EXPECTED, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(LegsModel.MINIMUM, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(LegsModel.SKIPPED, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(LegsModel.SKIPPED, 220)
        self.table.setColumnHidden(LegsModel.SKIPPED, True)  # shown when a leg is skipped
        self.table.setWordWrap(False)
        self.table.setStyleSheet("QTableView::item { padding: 0 4px; } "
                                 "QHeaderView::section { padding: 2px 6px; }")
        self.panel = PreviewPanel(native, self)
        preview_page = QWidget(self)
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.setSpacing(8)
        preview_layout.addWidget(self.table, 1)
        preview_layout.addWidget(self.panel)
        self.warnings_view = TradeWarningsView(self)  # coloured by level; a "confirm" one gates Buy
        preview_layout.addWidget(self.warnings_view)
        self.result_view = IndexResultView(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(preview_page)
        self.stack.addWidget(self.result_view)

        # --- buying ----------------------------------------------------------------------------
        self.stage = QLabel("", self)
        self.stage.setObjectName("indexStage")
        self.stage.setWordWrap(True)
        self.buy_hint = QLabel("", self)
        self.buy_hint.setStyleSheet(f"color: {MUTED_COLOR};")
        self.buy_button = QPushButton("Buy…", self)
        self.buy_button.setMinimumWidth(110)
        bottom = QHBoxLayout()
        bottom.addWidget(self.stage, 1)
        bottom.addWidget(self.buy_hint)
        bottom.addWidget(self.buy_button)

        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addStretch(1)
        top.addWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 28, 16)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(inputs)
        layout.addWidget(self.amount_reader.echo)
        layout.addWidget(self.slippage_reader.echo)
        layout.addWidget(self.description_label)
        layout.addWidget(self.error)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)

        self.freshness_timer = QTimer(self)
        self.freshness_timer.setInterval(freshness_ms)
        self.freshness_timer.timeout.connect(self.check_freshness)

        self._load_baskets()
        self.preview_button.clicked.connect(self.preview)
        self.amount_edit.returnPressed.connect(self.preview)
        self.slippage_edit.returnPressed.connect(self.preview)
        self.buy_button.clicked.connect(self.buy)
        self.panel.refresh_requested.connect(self.preview)
        self.warnings_view.changed.connect(self._update_buttons)
        self.result_view.back_requested.connect(self.show_preview)
        self.basket_box.currentIndexChanged.connect(self._basket_changed)
        for edit in (self.amount_edit, self.slippage_edit):
            edit.textChanged.connect(lambda _text: self._update_buttons())
        self.pay_box.currentIndexChanged.connect(lambda _index: self._update_buttons())

        if context is None:
            self.state_label.setText("No wallet store is open.")
            self.setEnabled(False)
            return
        context.session_changed.connect(self._session_changed)
        context.accounts_changed.connect(self._update_buttons)
        self._session_changed(context.session)

    # --- baskets -----------------------------------------------------------------------------------
    def _load_baskets(self) -> None:
        self.basket_box.blockSignals(True)
        try:
            for definition in list_baskets():
                self.basket_box.addItem(definition.name, definition.name)
                self._descriptions[definition.name] = definition.description
        except BasketryError as exc:  # a broken built-in file: say so, keep the rest usable
            self.error.show_error(str(exc))
        self.basket_box.addItem(FROM_FILE, None)
        self.basket_box.setItemData(self.basket_box.count() - 1,
                                    "A basket definition in a JSON file (same format as the built-ins)",
                                    Qt.ItemDataRole.ToolTipRole)
        self._last_basket = max(0, self.basket_box.findData(DEFAULT_BASKET))
        self.basket_box.setCurrentIndex(self._last_basket)
        self.basket_box.blockSignals(False)
        self._show_description()

    def basket_key(self) -> str | None:
        """The built-in basket's name or the file's path of the current choice."""
        return self.basket_box.currentData()

    def select_basket(self, name: str) -> None:
        index = self.basket_box.findData(name)
        if index >= 0:
            self.basket_box.setCurrentIndex(index)

    def _basket_changed(self, index: int) -> None:
        if self.basket_box.itemData(index) is None and self.basket_box.itemText(index) == FROM_FILE:
            self._choose_file()
            return
        self._last_basket = index
        self.error.clear_error()
        self._show_description()
        self._update_buttons()

    def _choose_file(self) -> None:
        path = self.file_chooser()
        if path:
            self.add_basket_file(path)
        if self.basket_box.currentText() == FROM_FILE:  # cancelled or refused: back to before
            self.basket_box.blockSignals(True)
            self.basket_box.setCurrentIndex(self._last_basket)
            self.basket_box.blockSignals(False)
        self._update_buttons()

    def add_basket_file(self, path: str | Path) -> bool:
        """Check a basket file against this network's tokens and select it (False and the
        reason shown if it is refused)."""
        path = str(Path(path).expanduser())
        session = self.context.session if self.context else None
        try:
            if session is not None:
                definition = load_basket(path, session.tokens).definition
            else:  # offline: checked against the listed tokens; again at Preview
                definition = load_basket(path, listed_tokens()).definition
        except BasketryError as exc:
            self.error.show_error(str(exc))
            return False
        index = self.basket_box.findData(path)
        if index < 0:
            index = self.basket_box.count() - 1  # before "From file…"
            self.basket_box.blockSignals(True)
            self.basket_box.insertItem(index, f"{definition.name} ({Path(path).name})", path)
            self.basket_box.setItemData(index, path, Qt.ItemDataRole.ToolTipRole)
            self.basket_box.blockSignals(False)
        self._descriptions[path] = definition.description
        self.basket_box.setCurrentIndex(index)
        self._last_basket = index
        self.error.clear_error()
        self._show_description()
        return True

    def _ask_for_file(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a basket definition", "",
                                              "Basket definition (*.json)")
        return path or None

    def _show_description(self) -> None:
        text = self._descriptions.get(self.basket_key() or "", "")
        first = text.split(". ")[0].rstrip(".")
        self.description_label.setText(f"{first}." if first else "")
        self.description_label.setToolTip(text)

    # --- state -------------------------------------------------------------------------------------
    def inputs(self) -> tuple[str, str, str, str]:
        return (self.basket_key() or "", self.amount_reader.text(), self.pay_box.currentText(),
                self.slippage_reader.text())

    @property
    def quoting(self) -> bool:
        return self._quote_worker is not None

    @property
    def buying(self) -> bool:
        return self._buying

    @property
    def busy(self) -> bool:
        return self.quoting or self._buying

    @property
    def stale(self) -> bool:
        return self.plan is not None and self.panel.stale

    def why_cannot_preview(self) -> str | None:
        context = self.context
        if context is None:
            return "No wallet store is open."
        if context.session is None:
            return "Offline: quotes need a connection to the chain."
        if context.active_account() is None:
            return "Create, import or choose an account first (Accounts page)."
        if self.basket_key() is None:
            return "Choose a basket."
        return None

    def why_cannot_buy(self) -> str | None:
        """None if Buy would go ahead now, else why not (shown beside the button)."""
        reason = self.why_cannot_preview()
        if reason:
            return reason
        if self.busy:
            return "Busy…"
        plan = self.plan
        if plan is None:
            return "Preview first."
        if self._plan_inputs != self.inputs():
            return "The inputs changed: preview again."
        if self.panel.stale:
            return "The quote is stale: refresh the preview."
        record = self.context.active_account()
        if record is None or record.address.lower() != plan.sender.lower():
            return "The preview was made for another account: preview again."
        why = self.context.why_cannot_send(record)
        if why:
            return why
        if not self.panel.simulation_ok:
            return "The simulation did not deliver every minimum: this buy would fail."
        return self.warnings_view.why_not_accepted()

    def _update_buttons(self) -> None:
        if self.context is None:
            return
        busy = self.busy
        for widget in (self.basket_box, self.amount_edit, self.pay_box, self.slippage_edit):
            widget.setEnabled(not busy)
        preview_reason = self.why_cannot_preview()
        self.preview_button.setEnabled(not busy and preview_reason is None)
        self.preview_button.setToolTip(preview_reason or "Quote every leg at the current block "
                                                         "(nothing is signed or sent)")
        self.panel.refresh_button.setEnabled(not busy and preview_reason is None)
        self.busy_bar.setVisible(busy)
        reason = self.why_cannot_buy()
        self.buy_button.setEnabled(reason is None)
        self.buy_button.setToolTip(reason or "Sign and send the previewed transaction(s)")
        self.buy_hint.setText("" if reason is None or busy else reason)

    def _session_changed(self, session) -> None:
        self._generation += 1
        self.pay_box.setItemText(0, self.context.native_symbol)
        self._drop_plan()
        if session is None:
            self.state_label.setText("Offline: quotes and buys need the chain; they are back once "
                                     "it answers.")
        else:
            self.state_label.setText(f"{session.network.label}, chain id {session.chain_id}")
        self._update_buttons()

    def _drop_plan(self) -> None:
        self.plan, self._plan_inputs = None, None
        self.freshness_timer.stop()
        self.model.set_preview(None)
        self.panel.set_preview(None)
        self.warnings_view.set_warnings([])

    # --- preview -----------------------------------------------------------------------------------
    def preview(self) -> Worker | None:
        """Quote the current inputs on a worker; None if it cannot now (the reason is shown)."""
        if self.busy or self.context is None:
            return None
        reason = self.why_cannot_preview()
        if reason:
            self.error.show_error(reason)
            return None
        session, record = self.context.session, self.context.active_account()
        inputs = self.inputs()
        basket, amount, pay, slippage = inputs
        self.error.clear_error()
        self.freshness_timer.stop()
        self.stage.setText(f"Quoting {self.basket_box.currentText()} at the current block…")
        from app.index.planner import plan_index_buy

        worker = Worker(plan_index_buy, session, basket, amount, pay, slippage or None, record.address)
        generation = self._generation
        worker.signals.returned.connect(lambda plan: self._quoted(plan, inputs, generation))
        worker.signals.errored.connect(lambda exc: self._quote_failed(exc, generation))
        self._quote_worker = worker
        self._update_buttons()
        worker.start()
        return worker

    def _quoted(self, plan: IndexPlan, inputs: tuple[str, str, str, str], generation: int) -> None:
        self._quote_worker = None
        if generation != self._generation:
            self._update_buttons()
            return
        self.plan, self._plan_inputs, self.result = plan, inputs, None
        preview = plan.preview.to_json()
        self.model.set_preview(preview)
        self.table.setColumnHidden(LegsModel.SKIPPED, not any(leg.get("skipped") for leg in preview["legs"]))
        self.panel.set_preview(preview)
        self.warnings_view.set_warnings(preview.get("warnings"))
        self.panel.set_current_block(plan.block)
        self.stack.setCurrentIndex(self.PREVIEW)
        steps = ("two transactions: the approval of the exact amount, then the buy"
                 if len(plan.transactions) == 2 else
                 f"{len(plan.transactions)} transactions" if len(plan.transactions) > 2
                 else "one transaction")
        note, self._requote_note = self._requote_note, ""
        self.stage.setText(f"{note}Check the preview, then Buy ({steps}).")
        if self.isVisible():
            self.freshness_timer.start()
        self._update_buttons()
        self.preview_ready.emit(plan)

    def _quote_failed(self, exc: BaseException, generation: int) -> None:
        self._quote_worker = None
        self._requote_note = ""
        if generation == self._generation:
            self._drop_plan()
            self.stage.clear()
            self._show_failure(exc)
        self._update_buttons()

    def show_preview(self) -> None:
        self.stack.setCurrentIndex(self.PREVIEW)
        self.stage.clear()

    # --- freshness ---------------------------------------------------------------------------------
    def check_freshness(self) -> Worker | None:
        """Read the block on a worker; more than STALE_AFTER_BLOCKS since the quote: stale."""
        session = self.context.session if self.context else None
        plan = self.plan
        if plan is None or session is None or self.panel.stale or self.busy \
                or self._block_worker is not None:
            return None
        worker = Worker(session.client.block_number)
        # a bound method, not a lambda: Qt drops the answer if this page is deleted meanwhile
        # (a lambda kept calling into a deleted panel after a network switch or a test's teardown)
        self._block_plan = plan
        worker.signals.returned.connect(self._block_returned)
        worker.signals.errored.connect(lambda exc: log.info("block check failed: %s", exc))
        worker.signals.finished.connect(self._block_check_done)
        self._block_worker = worker
        worker.start()
        return worker

    def _block_returned(self, block: int) -> None:
        self._block_read(self._block_plan, block)

    def _block_check_done(self) -> None:
        self._block_worker = None

    def _block_read(self, plan: IndexPlan, block: int) -> None:
        if plan is not self.plan or self.busy:
            return
        if plan.is_stale(block):
            from app.index.planner import STALE_AFTER_BLOCKS

            self.mark_stale(f"More than {STALE_AFTER_BLOCKS} blocks passed since the quote: prices "
                            "may have moved. Refresh before buying.", block)
        else:
            self.panel.set_current_block(block)

    def mark_stale(self, reason: str, block: int | None = None) -> None:
        if self.plan is None:
            return
        self.freshness_timer.stop()
        self.panel.set_stale(reason, block)
        self.stage.clear()
        self._update_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self.plan is not None and not self.panel.stale:
            self.check_freshness()
            self.freshness_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        self.freshness_timer.stop()
        super().hideEvent(event)

    # --- buy ---------------------------------------------------------------------------------------
    def buy(self) -> None:
        reason = self.why_cannot_buy()
        if reason is not None:
            if not self.busy:
                self.buy_hint.setText(reason)
            return
        context, plan = self.context, self.plan
        record = context.active_account()
        self._buying, self._approved = True, 0
        self.freshness_timer.stop()
        self.error.clear_error()
        self._update_buttons()
        self.dialog = context.acquire_signer(
            record, parent=self, purpose=f"to buy {plan.basket.name}", follow=self._follow,
            on_signer=lambda signer: self._execute(record, plan, signer),
            on_failed=self._buy_failed, on_stage=self.stage.setText)

    def _execute(self, record, plan: IndexPlan, signer) -> None:
        context, session = self.context, self.context.session
        if session is None or plan is not self.plan:
            self._buy_failed(BasketryError("the chain session changed: preview again"))
            return
        self.stage.setText("Checking the quote is still fresh…")
        # Buy is enabled only once a confirm-level warning's box is ticked; the execution checks again
        args = (session, plan, signer, context.prompts, self.warnings_view.accepted)
        if record.kind in HARDWARE:
            job = context.device_worker.submit(run_index_buy, *args)
        else:
            job = Worker(run_index_buy, *args)
        job.signals.progress.connect(self._buy_progress)
        self._follow(job, self._bought)

    def _follow(self, job: Worker, on_result) -> None:
        self._buy_jobs.append(job)
        job.signals.returned.connect(on_result)
        job.signals.errored.connect(self._buy_failed)
        job.signals.finished.connect(lambda: self._buy_jobs.remove(job))
        if not job.is_running and not job.is_done:
            job.start()

    def _buy_progress(self, event: tuple) -> None:
        step, index, total, kind = event
        what = (f"the approval of {self.plan.pay.symbol}" if kind == "approve" and self.plan
                else "the index buy")
        position = f" ({index + 1} of {total})" if total > 1 else ""
        if step == "confirm":
            if index > 0:
                self.context.journal_changed.emit()  # the previous transaction is in
            self.stage.setText(f"Check {what}{position} and confirm it.")
        elif step == "approved":
            self._approved += 1
            record = self.context.active_account()
            on_device = record is not None and record.kind in HARDWARE
            self.stage.setText(f"Confirm {what} on your device…" if on_device
                               else f"Signing and sending {what}{position}; waiting for the receipt…")

    def _bought(self, result: IndexResult) -> None:
        self._buying = False
        self.context.journal_changed.emit()
        basket = self.plan.basket.name if self.plan else ""
        preview = self.plan.preview.to_json() if self.plan else None
        self.result = result
        self._drop_plan()  # spent: another buy needs another preview
        self.result_view.set_result(result.realised, basket, preview, self.context.network)
        self.stack.setCurrentIndex(self.RESULT)
        status = result.realised.get("status")
        self.stage.setText(f"{basket}: {status}." + ("" if status == "confirmed" else
                                                     " Nothing was bought; preview again to retry."))
        self._update_buttons()
        self.bought.emit(result)

    def _buy_failed(self, exc: BaseException) -> None:
        from app.index.execute import StaleQuote

        self._buying = False
        if self.context is None:
            return
        sent = self._approved > 0
        if sent:
            self.context.journal_changed.emit()
        if isinstance(exc, StaleQuote):
            self.mark_stale("The chain moved on before signing: quoting again.")
            self._requote_note = ("The quote went stale before signing; this is a new one at the "
                                  "current block. ")
            self._update_buttons()
            self.preview()
            return
        if isinstance(exc, UserCancelled):
            if sent:
                self._drop_plan()
                self.stage.setText("Rejected. The approval was sent, the buy was not: preview again "
                                   "to buy.")
            else:
                self.stage.setText("Rejected: nothing was signed or sent.")
            self._update_buttons()
            return
        if sent:
            self._drop_plan()
        elif self.plan is not None:  # e.g. the simulation just before signing refused it
            self.mark_stale("Buying was refused before anything was sent: refresh the preview.")
        self.stage.clear()
        self._show_failure(exc)
        self._update_buttons()

    def _show_failure(self, exc: BaseException) -> None:
        if isinstance(exc, UserCancelled):
            return
        text = error_text(exc)
        if text is None:
            show_error(self, exc)
        else:
            self.error.show_error(text)


# --- the execution, on a worker or the device thread ----------------------------------------------
def run_index_buy(session, plan: IndexPlan, signer, prompts: Prompts, accept_impact: bool, progress) -> IndexResult:
    """``execute_index_plan`` with its confirmations reported: ("confirm"|"approved", index,
    total, kind) before and after the user answers each signing dialog."""
    from app.index.execute import execute_index_plan

    return execute_index_plan(session, plan, signer, ReportingPrompts(prompts, plan.kinds, progress),
                              accept_impact=accept_impact)

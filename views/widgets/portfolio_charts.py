"""The Portfolio page's two charts (QtCharts): the allocation as a pie, slices under 2% grouped
into "Other", and the total value over time from the stored snapshots. Without data each
shows one line saying why, not an empty chart.

Amounts stay Decimal up to here; QtCharts draws floats, so they are converted at the very last
step, for drawing only (nothing read back from a chart is used as money)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import (
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QMargins, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from views.formatting import format_usd, format_weight
from views.widgets.common import MUTED_COLOR

OTHER_BELOW = Decimal("0.02")
OTHER = "Other"
NO_ALLOCATION = "Nothing priced is held yet: the allocation appears after a refresh finds holdings."
NO_HISTORY = "No value history yet: each refresh stores one point."


def group_allocation(allocation: Sequence[tuple[str, Decimal]],
                     below: Decimal = OTHER_BELOW) -> list[tuple[str, Decimal]]:
    """``allocation`` (largest first) with every share under ``below`` summed into one
    "Other" slice, last; a single small share keeps its own name (an "Other" of one says less)."""
    big = [(name, share) for name, share in allocation if share >= below]
    small = [(name, share) for name, share in allocation if share < below]
    if len(small) < 2:
        return big + small
    return big + [(OTHER, sum((share for _, share in small), Decimal(0)))]


class _ChartPanel(QWidget):
    """A chart, or in its place one muted line when there is nothing to draw."""

    def __init__(self, title: str, empty_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.chart = QChart()
        self.chart.setTitle(title)
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.setBackgroundRoundness(0)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.view = QChartView(self.chart, self)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.message = QLabel(empty_text, self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {MUTED_COLOR};")
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.view)
        self.setMinimumSize(260, 220)

    @property
    def empty(self) -> bool:
        return self.stack.currentWidget() is self.message

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def show_chart(self) -> None:
        self.stack.setCurrentWidget(self.view)


class AllocationChart(_ChartPanel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("Allocation", NO_ALLOCATION, parent)
        self.series = QPieSeries()
        self.series.setPieSize(0.75)
        self.chart.addSeries(self.series)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        self.slices_shown: list[tuple[str, Decimal]] = []

    def set_allocation(self, allocation: Sequence[tuple[str, Decimal]], empty_text: str = NO_ALLOCATION) -> None:
        """``allocation``: (symbol, share of the total) as ``Portfolio.allocation()`` gives it."""
        self.series.clear()
        self.slices_shown = group_allocation(allocation)
        if not self.slices_shown:
            self.show_message(empty_text)
            return
        for name, share in self.slices_shown:
            pie_slice = self.series.append(f"{name} {format_weight(share)}", float(share))
            pie_slice.setLabelVisible(False)
        self.show_chart()


class HistoryChart(_ChartPanel):
    def __init__(self, parent: QWidget | None = None):
        super().__init__("Value over time", NO_HISTORY, parent)
        self.series = QLineSeries()
        self.series.setName("Total (USD)")
        self.series.setPointsVisible(True)
        self.chart.addSeries(self.series)
        self.chart.legend().hide()
        self.time_axis = QDateTimeAxis()
        self.time_axis.setFormat("MM-dd HH:mm")
        self.time_axis.setTickCount(4)
        self.value_axis = QValueAxis()
        self.value_axis.setLabelFormat("$%.0f")
        self.value_axis.setTickCount(5)
        self.chart.addAxis(self.time_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.value_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.time_axis)
        self.series.attachAxis(self.value_axis)

    def set_history(self, history: Sequence[tuple[int, Decimal]], empty_text: str = NO_HISTORY) -> None:
        """``history``: (unix time, total USD) of each stored snapshot, oldest first."""
        self.series.clear()
        if not history:
            self.show_message(empty_text)
            return
        for at, total in history:
            self.series.append(at * 1000.0, float(total))
        first, last = history[0][0], history[-1][0]
        if first == last:  # one point: an hour either side so the axis has a width
            first, last = first - 3600, last + 3600
        self.time_axis.setRange(QDateTime.fromSecsSinceEpoch(first), QDateTime.fromSecsSinceEpoch(last))
        low = min(total for _, total in history)
        high = max(total for _, total in history)
        pad = (high - low) * Decimal("0.1") or max(high * Decimal("0.05"), Decimal(1))
        self.value_axis.setRange(float(max(low - pad, Decimal(0))), float(high + pad))
        self.value_axis.applyNiceNumbers()
        self.value_axis.setLabelFormat(self.value_axis.labelFormat())  # else, shown already, its
        # labels keep the width of the old range and are elided ("$…")
        self.series.setName(f"Total, last {format_usd(history[-1][1])}")
        self.show_chart()

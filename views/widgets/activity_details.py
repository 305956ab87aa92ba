"""The details of one activity row: what it was, what moved, gas and fee, and for a trade the
app made, predicted (the preview the user signed) against realised (from the receipt)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.explorer import address_url, tx_url
from app.networks import Network
from app.portfolio.activity import ActivityItem
from views.formatting import full_amount
from views.models.activity_model import SOURCES, ComparisonModel, movement_text, value_and_recipient
from views.widgets.common import MUTED_COLOR, show_link, show_links, value_label

NOTHING_SELECTED = "Select a transaction to see its details."
NO_PREDICTION = "No prediction was stored for this transaction (only the app's trades have one)."
NOT_REALISED = "The preview is stored; the realised side is written once the transaction settles."


class ActivityDetails(QGroupBox):
    """Hashes and addresses are explorer links on a network that has an explorer."""

    def __init__(self, network: Network | None = None, parent: QWidget | None = None):
        super().__init__("Details", parent)
        self.setObjectName("activityDetails")
        self.network = network
        self.native_symbol = network.native_symbol if network else "ETH"
        self.heading = QLabel(NOTHING_SELECTED, self)
        self.hash_label = value_label("", self, mono=True)
        self.parties_label = value_label("", self, mono=True)
        self.gas_label = value_label("", self)
        self.moved_label = value_label("", self)
        self.error_label = value_label("", self)
        form = self.form = QFormLayout()
        form.addRow("Hash", self.hash_label)
        form.addRow("From → to", self.parties_label)
        form.addRow("Gas and fee", self.gas_label)
        form.addRow("Moved", self.moved_label)
        form.addRow("Error", self.error_label)
        self.comparison_caption = QLabel("", self)
        self.comparison_caption.setWordWrap(True)
        self.comparison_caption.setStyleSheet(f"color: {MUTED_COLOR};")
        self.comparison_model = ComparisonModel(self)
        self.comparison_table = QTableView(self)
        self.comparison_table.setObjectName("comparisonTable")
        self.comparison_table.setModel(self.comparison_model)
        self.comparison_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.comparison_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.comparison_table.verticalHeader().hide()
        header = self.comparison_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.comparison_caption)
        layout.addWidget(self.comparison_table, 1)
        self.show_item(None)

    def show_item(self, item: ActivityItem | None) -> None:
        self.item = item
        if item is None:
            self.heading.setText(NOTHING_SELECTED)
            show_link(self.hash_label, "", None)
            show_link(self.parties_label, "", None)
            for label in (self.gas_label, self.moved_label, self.error_label):
                label.setText("")
            self.comparison_caption.setText("")
            self.comparison_model.set_rows([])
            self.comparison_table.hide()
            self.form.setRowVisible(self.error_label, False)
            return
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(item.time))
        where = f"block {item.block}" if item.block else "not mined"
        nonce = f" · nonce {item.nonce}" if item.nonce is not None else ""
        self.heading.setText(f"<b>{item.kind}</b> · {item.status} · {SOURCES.get(item.source, item.source)} · "
                             f"{when} · {where}{nonce}")
        network = self.network
        show_link(self.hash_label, item.hash or "— (not signed yet)",
                  tx_url(network, item.hash) if network else None)
        value, to = value_and_recipient(item)
        show_links(self.parties_label, [(item.account, address_url(network, item.account) if network else None),
                                        (" → ", None),
                                        (to or "—", address_url(network, to) if network else None),
                                        (f"  ({value})" if value else "", None)])
        gas = [f"{item.gas_used:,} gas" if item.gas_used is not None else None,
               f"{full_amount(item.fee)} {self.native_symbol} paid" if item.fee is not None else None]
        self.gas_label.setText(" · ".join(g for g in gas if g) or "—")
        self.moved_label.setText("\n".join(f"{movement_text(m, exact=True)}  ({m.account[:10]}…)"
                                           for m in item.movements) or "—")
        self.error_label.setText(item.error or "")
        self.form.setRowVisible(self.error_label, bool(item.error))
        self.comparison_model.set_rows(item.comparison)
        self.comparison_table.setVisible(bool(item.comparison))
        if item.comparison:
            self.comparison_caption.setText(f"Predicted ({item.comparison_kind} preview, before signing) against "
                                            "realised (from the receipt); difference = realised − predicted.")
        elif item.comparison_kind:
            self.comparison_caption.setText(NOT_REALISED)
        else:
            self.comparison_caption.setText(NO_PREDICTION)

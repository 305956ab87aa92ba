"""The window shell: navigation on the left, one page at a time, chain status at the bottom.

No business logic lives here; pages own their content and the poller owns chain access.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from views.pages import PAGE_CLASSES
from views.status_bar import ChainStatusBar, ChainStatusPoller


class MainWindow(QMainWindow):
    """Takes ownership of ``poller``: starts it now, stops it when the window closes. With no
    poller the window is an offline review: the status bar says so and nothing is probed."""

    def __init__(self, poller: ChainStatusPoller | None, pages: dict[str, QWidget] | None = None,
                 parent: QWidget | None = None, offline_network: str = ""):
        """``pages`` replaces default pages by title (e.g. a Settings page given the store)."""
        super().__init__(parent)
        self.set_network("")
        self.resize(QSize(1100, 700))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(180)
        self.nav.setFrameShape(QFrame.Shape.NoFrame)
        self.nav.setSpacing(2)
        self.stack = QStackedWidget()
        given = pages or {}
        self.pages = [given.get(cls.TITLE) or cls() for cls in PAGE_CLASSES]
        for page in self.pages:
            item = QListWidgetItem(page.TITLE, self.nav)
            item.setSizeHint(QSize(0, 34))
            self.stack.addWidget(page)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.VLine)
        divider.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(divider)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.status_bar = ChainStatusBar()
        self.setStatusBar(self.status_bar)
        self._retired: list[QWidget] = []  # pages of a network switched away from (see replace_pages)
        self.poller: ChainStatusPoller | None = None
        self.set_poller(poller, offline_network)

    def set_network(self, label: str) -> None:
        """The title names the network in use (the status bar shows it too)."""
        self.setWindowTitle(f"Basketry — {label}" if label else "Basketry")

    def set_poller(self, poller: ChainStatusPoller | None, offline_network: str = "") -> None:
        """Follow ``poller`` (started now, owned from now on); the one before is stopped without
        waiting (a probe still in flight is dropped when it answers)."""
        old, self.poller = self.poller, poller
        if old is not None:
            old.status_changed.disconnect(self.status_bar.show_status)
            old.stop(wait_s=0)
        if poller is None:
            self.status_bar.show_offline(offline_network, "stored data only; nothing is sent")
            return
        poller.setParent(self)
        poller.status_changed.connect(self.status_bar.show_status)
        self.status_bar.show_connecting(poller.network, poller.rpc_url)
        poller.start()

    def replace_pages(self, pages: dict[str, QWidget]) -> None:
        """Put ``pages`` (by title) where the pages of that title are, the shown one staying
        shown. The old ones are hidden, not deleted: a read they started on a worker may still
        answer, and they ignore it (their context is shut down) only while they exist."""
        row = self.nav.currentRow()
        for index, page in enumerate(list(self.pages)):
            new = pages.get(page.TITLE)
            if new is None or new is page:
                continue
            self.stack.removeWidget(page)
            page.hide()
            self._retired.append(page)
            self.stack.insertWidget(index, new)
            self.pages[index] = new
        self.nav.setCurrentRow(row)
        self.stack.setCurrentIndex(row)

    def show_page(self, title: str) -> QWidget:
        """Switch to the page called ``title`` (e.g. "Vaults") and return it."""
        for row, page in enumerate(self.pages):
            if page.TITLE == title:
                self.nav.setCurrentRow(row)
                return page
        raise KeyError(f"no page called {title!r}")

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self.poller is not None:
            self.poller.stop()
        super().closeEvent(event)

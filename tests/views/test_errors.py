"""show_error: the user's message for BasketryError, silence for UserCancelled, a generic
box for anything else."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import ChainUnavailable, InvalidInput, UserCancelled
from views.errors import show_error


@pytest.fixture
def parent(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_basketry_error_shows_its_own_message(shown_boxes, parent):
    show_error(parent, InvalidInput("Fixed weights must sum to 1; they sum to 0.9."))
    assert shown_boxes == [(QMessageBox.Icon.Warning, "Basketry",
                            "Fixed weights must sum to 1; they sum to 0.9.", "")]


def test_subclass_of_basketry_error_is_shown_the_same_way(shown_boxes, parent):
    show_error(parent, ChainUnavailable("Cannot reach http://127.0.0.1:8545."))
    assert [text for _, _, text, _ in shown_boxes] == ["Cannot reach http://127.0.0.1:8545."]


def test_user_cancelled_shows_nothing(shown_boxes, parent, qtbot):
    show_error(parent, UserCancelled())
    qtbot.wait(60)
    assert shown_boxes == []


def test_unexpected_error_shows_type_and_message_without_traceback(shown_boxes, parent):
    try:
        {}["missing"]
    except KeyError as exc:
        show_error(parent, exc)
    [(icon, title, text, details)] = shown_boxes
    assert icon == QMessageBox.Icon.Critical
    assert title == "Unexpected error"
    assert details == "KeyError: 'missing'"
    assert "Traceback" not in text + details

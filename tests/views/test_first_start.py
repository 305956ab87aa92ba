"""FirstStartDialog: shows progress messages and fractions; Cancel only asks."""

from __future__ import annotations

from PySide6.QtCore import Qt

from views.first_start import FirstStartDialog


def test_progress_bar_follows_messages_and_fractions(qtbot):
    dialog = FirstStartDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.is_busy

    dialog.on_progress(("Deploying Uniswap V3", 0.25))
    assert not dialog.is_busy
    assert dialog.log_label.text() == "Deploying Uniswap V3"
    bar = dialog.progress_bar
    assert bar.value() / bar.maximum() == 0.25

    dialog.on_progress("Waiting for anvil")
    assert dialog.is_busy
    assert dialog.log_label.text() == "Waiting for anvil"

    dialog.on_progress(("Funding the demo account", 1.0))
    assert bar.value() == bar.maximum()
    dialog.on_progress(("Creating pools", None))
    assert dialog.is_busy and dialog.log_label.text() == "Creating pools"


def test_cancel_button_escape_and_close_emit_cancel_requested_once(qtbot):
    dialog = FirstStartDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.cancel_requested):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.cancel_button.isEnabled()
    assert dialog.isVisible()  # the caller closes it once the work has stopped

    with qtbot.assertNotEmitted(dialog.cancel_requested):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        dialog.close()
    assert dialog.isVisible()
    dialog.accept()
    assert not dialog.isVisible()


def test_escape_asks_to_cancel_without_closing(qtbot):
    dialog = FirstStartDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.cancel_requested):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()

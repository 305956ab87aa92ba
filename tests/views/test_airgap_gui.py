"""Air-gapped signing from the GUI: the QR widget paints the code, export from a watch-only
account writes the file and shows its QR code, a file signed offline is verified and sent, a
tampered one is refused with its reason and nothing is sent."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.airgap_flow import sign_file
from views.dialogs.airgap_dialog import AirgapDialog
from views.pages.accounts_page import AccountsPage
from views.widgets.qr_widget import QrWidget
from wallet.airgap import qr_matrix
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts

RECIPIENT = "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"  # an ordinary address (a reserved one is refused)


def dark_pixels(widget) -> int:
    image = widget.grab().toImage()
    black = QColor("black").rgb()
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if image.pixel(x, y) == black)


def test_qr_widget_paints_the_matrix(qtbot):
    matrix = qr_matrix("BASKETRY:UTX1:hello")
    assert matrix and len(matrix) == len(matrix[0]) and any(any(row) for row in matrix)
    widget = QrWidget(matrix)
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    x0, y0, module = widget.module_rect()
    assert module >= 3
    dark_modules = sum(sum(row) for row in matrix)
    assert dark_pixels(widget) == dark_modules * module * module  # every dark module, whole pixels
    # the quiet zone (4 modules) is white: the top-left corner module is light
    assert widget.grab().toImage().pixelColor(x0 + 1, y0 + 1) == QColor("white")
    empty = QrWidget()
    qtbot.addWidget(empty)
    empty.resize(100, 100)
    assert dark_pixels(empty) == 0
    with pytest.raises(ValueError):
        empty.set_matrix([[True, False]])


@pytest.fixture
def watched_demo(qtbot, wallet_context, devnet):
    wallet_context.service.watch("Cold", devnet.deployment["demo_account"])
    page = AccountsPage(wallet_context)
    qtbot.addWidget(page)
    assert not page.send_button.isEnabled() and page.airgap_button.isEnabled()
    qtbot.mouseClick(page.airgap_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, AirgapDialog)
    return dialog


def export(qtbot, dialog: AirgapDialog, path, amount: str = "0.2"):
    dialog.to_edit.setText(RECIPIENT)
    dialog.amount_edit.setText(amount)
    dialog.export_path_edit.setText(str(path))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.exported is not None or dialog.export_error.isVisible(), timeout=20_000)


def test_export_sign_offline_and_broadcast(qtbot, watched_demo, wallet_context, demo_key, chain, tmp_path):
    dialog = watched_demo
    unsigned_path = tmp_path / "out" / "unsigned.json"
    export(qtbot, dialog, unsigned_path)
    assert not dialog.export_error.isVisible(), dialog.export_error.text()
    assert unsigned_path.read_text() == dialog.exported.file_text
    assert dialog.qr.isVisible() and dialog.qr.matrix == qr_matrix(dialog.exported.qr_text)
    assert dark_pixels(dialog.qr) > 0
    [entry] = wallet_context.journal.entries()
    assert entry.status == "exported"

    # the offline machine signs the file
    signer = LocalSigner(bytes.fromhex(demo_key[1][2:]))
    signed_path = tmp_path / "signed.json"
    signed_path.write_text(sign_file(unsigned_path.read_text(), signer, AutoApprovePrompts()))

    before = chain.balance(RECIPIENT)
    dialog.tabs.setCurrentIndex(AirgapDialog.BROADCAST)
    dialog.signed_path_edit.setText(str(signed_path))
    qtbot.mouseClick(dialog.broadcast_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.broadcast_entry is not None or dialog.broadcast_error.isVisible(),
                    timeout=30_000)
    assert not dialog.broadcast_error.isVisible(), dialog.broadcast_error.text()
    assert dialog.broadcast_entry.status == "confirmed"
    assert dialog.result_hash.text() == dialog.broadcast_entry.tx_hash
    assert chain.balance(RECIPIENT) - before == 2 * 10**17


def test_a_tampered_signed_file_is_refused_and_nothing_is_sent(qtbot, watched_demo, wallet_context,
                                                               demo_key, chain, tmp_path):
    dialog = watched_demo
    unsigned_path = tmp_path / "unsigned.json"
    export(qtbot, dialog, unsigned_path)
    document = json.loads(unsigned_path.read_text())
    # the offline machine was handed (and signed) another transaction than the one exported
    document["tx"]["value"] = str(int(document["tx"]["value"]) * 10)
    document["summary"]["value"] = "2 ETH"
    signer = LocalSigner(bytes.fromhex(demo_key[1][2:]))
    signed_path = tmp_path / "signed.json"
    signed_path.write_text(sign_file(json.dumps(document), signer, AutoApprovePrompts()))
    nonce = chain.rpc("eth_getTransactionCount", [signer.address, "latest"])

    dialog.tabs.setCurrentIndex(AirgapDialog.BROADCAST)
    dialog.signed_path_edit.setText(str(signed_path))
    qtbot.mouseClick(dialog.broadcast_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.broadcast_error.isVisible, timeout=20_000)
    assert "not sent" in dialog.broadcast_error.text()
    assert dialog.broadcast_entry is None
    assert chain.rpc("eth_getTransactionCount", [signer.address, "latest"]) == nonce
    assert [e.status for e in wallet_context.journal.entries()] == ["exported"]


def test_a_file_that_is_not_a_signed_transaction_is_refused(qtbot, watched_demo, tmp_path):
    dialog = watched_demo
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    dialog.tabs.setCurrentIndex(AirgapDialog.BROADCAST)
    dialog.signed_path_edit.setText(str(junk))
    qtbot.mouseClick(dialog.broadcast_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.broadcast_error.isVisible, timeout=20_000)
    assert "not a signed-transaction file" in dialog.broadcast_error.text()

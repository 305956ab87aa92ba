import os, subprocess
from PySide6.QtCore import Qt
from tests.views.test_index_page import add_demo_account, fill
from views.main_window import MainWindow
from views.pages.index_page import IndexPage
from views.status_bar import ChainStatusPoller

def test_shot(qtbot, wallet_context, wallet_service, demo_key, devnet):
    add_demo_account(wallet_context, wallet_service, demo_key[1])
    page = IndexPage(wallet_context)
    window = MainWindow(ChainStatusPoller("demo", devnet.rpc_url, interval_ms=500), pages={"Index": page})
    qtbot.addWidget(window)
    window.show()
    window.show_page("Index")
    qtbot.waitExposed(window)
    fill(page, os.environ.get("SHOT_AMOUNT", "1"), os.environ.get("SHOT_PAY", "ETH"))
    with qtbot.waitSignal(page.preview_ready, timeout=30000):
        qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.wait(1500)
    out = os.environ.get("SHOT", "/tmp/scratch/index.png")
    subprocess.run(["import", "-window", "root", "-display", os.environ["DISPLAY"], out], check=True)
    window.grab().save(out.replace(".png", "-grab.png"))
    window.poller.stop(wait_s=5)

"""Pure per-network helpers: which network the app opens on, explorer links, the native coin's
symbol in fee and preview text."""

from __future__ import annotations

from app.cli.main import build_parser
from app.explorer import address_url, tx_url, with_explorer_url
from app.networks import get_network, load_networks
from app.settings import DEFAULT_NETWORK, start_network


def test_the_app_opens_on_network_flag_then_saved_choice_then_demo():
    known = load_networks()
    assert start_network("optimism", "base", known) == "optimism"  # --network wins
    assert start_network(None, "base", known) == "base"             # the saved choice
    assert start_network(None, None, known) == DEFAULT_NETWORK == "demo"
    assert start_network(None, "gone-chain", known) == "demo"       # no longer known: ignored


def test_cli_network_flag_is_told_apart_from_its_default(tmp_path, monkeypatch):
    from app.cli import main as cli_main

    assert build_parser().parse_args([]).network is None  # not given: the app may use the saved one
    assert build_parser().parse_args(["--network", "base"]).network == "base"
    seen = []  # the context the app would be opened with (Qt is not started here)
    monkeypatch.setattr(cli_main, "_open_gui", lambda ctx: seen.append(ctx) or 0)
    assert cli_main.main(["--home", str(tmp_path)]) == 0
    assert cli_main.main(["--home", str(tmp_path), "--network", "polygon"]) == 0
    assert [(c.network, c.network_explicit) for c in seen] == [("demo", False), ("polygon", True)]


TX = "0x" + "ab" * 32
ADDRESS = "0x00000000000000000000000000000000000bA5e1"


def test_explorer_links_per_network_and_none_for_the_demo():
    assert tx_url(get_network("ethereum"), TX) == f"https://etherscan.io/tx/{TX}"
    assert tx_url(get_network("polygon"), TX) == f"https://polygonscan.com/tx/{TX}"
    assert address_url(get_network("base"), ADDRESS) == f"https://basescan.org/address/{ADDRESS}"
    assert address_url(get_network("optimism"), ADDRESS).startswith("https://optimistic.etherscan.io/address/")
    assert address_url(get_network("arbitrum"), ADDRESS).startswith("https://arbiscan.io/address/")
    demo = get_network("demo")
    assert demo.explorer is None and tx_url(demo, TX) is None and address_url(demo, ADDRESS) is None
    # only a well-formed hash or address becomes a link
    ethereum = get_network("ethereum")
    for bad in (None, "", "—", TX[:-1], TX + "0", "0x" + "zz" * 32, ADDRESS):
        assert tx_url(ethereum, bad) is None, bad
    for bad in (None, "", "— (not signed yet)", ADDRESS[:-1], TX, "0x" + "g" * 40):
        assert address_url(ethereum, bad) is None, bad
    assert with_explorer_url(ethereum, {"tx_hash": TX, "status": "confirmed"}) == {
        "tx_hash": TX, "status": "confirmed", "explorer_url": f"https://etherscan.io/tx/{TX}"}
    assert with_explorer_url(demo, {"tx_hash": TX})["explorer_url"] is None
    assert with_explorer_url(ethereum, {"tx_hash": None})["explorer_url"] is None

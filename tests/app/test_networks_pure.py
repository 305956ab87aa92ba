"""Pure per-network helpers: which network the app opens on, explorer links, the native coin's
symbol in fee and preview text."""

from __future__ import annotations

from app.cli.main import build_parser
from app.networks import load_networks
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

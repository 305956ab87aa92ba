"""Pure per-network helpers: which network the app opens on, explorer links, the native coin's
symbol in fee and preview text."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from app.cli.index_cmd import _preview_text, _trade_text
from app.cli.main import build_parser
from app.cli.vault_cmd import _text as vault_text
from app.explorer import address_url, tx_url, with_explorer_url
from app.fee_text import fee_line
from app.index.preview import LegInput, PreviewInput, build_index_preview
from app.index.quotes import Route, RouteQuote
from app.networks import Network, get_network, load_networks
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


WRAPPED, TOK, HUB = "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20


def preview_for(network: Network) -> dict:
    """An index-buy preview built as the planner builds it for ``network`` (pure arithmetic)."""
    direct = RouteQuote(Route((WRAPPED, TOK), (3000,), Fraction(2000)), 10**18, 1990 * 10**18, 90_000)
    two_hop = RouteQuote(Route((WRAPPED, HUB, TOK), (500, 3000), Fraction(2000)), 10**18, 1980 * 10**18, 150_000)
    legs = [LegInput("TOK", TOK, 18, Decimal("0.5"), direct, None, Decimal(1)),
            LegInput("TAK", TOK, 18, Decimal("0.5"), two_hop, None, Decimal(1))]
    return build_index_preview(PreviewInput(
        basket="One", pay_symbol=network.native_symbol, pay_decimals=18, pay_price_usd=Decimal(1),
        eth_price_usd=Decimal(1), amount_in=2 * 10**18, platform_fee_bps=0, platform_fee=0,
        slippage_bps=50, legs=legs, one_tx_gas=100_000, separate_txs_gas=130_000,
        gas_price_wei=30 * 10**9, max_gas_price_wei=60 * 10**9, simulated_out=None, block=7,
        native_symbol=network.native_symbol, wrapped_symbol=network.wrapped_native_symbol)).to_json()


def test_polygon_fee_and_preview_text_say_pol_and_the_demo_stays_eth():
    polygon, demo = get_network("polygon"), get_network("demo")
    assert (polygon.native_symbol, polygon.wrapped_native_symbol) == ("POL", "WPOL")
    p = preview_for(polygon)
    assert p["network_fee"]["native_symbol"] == "POL" and p["network_fee"]["eth"] == "0.003000000"  # key kept
    text = _preview_text(p)
    assert "network fee: 100,000 gas = 0.003000000 POL ($0.00)" in text
    assert "2 POL at block 7" in text and "via WPOL" in text
    assert "ETH" not in text  # neither ETH nor WETH anywhere in the Polygon preview
    demo_text = _preview_text(preview_for(demo))
    assert "= 0.003000000 ETH ($0.00)" in demo_text and "via WETH" in demo_text and "POL" not in demo_text
    # the rebalance/exit and vault previews' lines
    trade = {"kind": "exit", "basket": "One", "block": 7, "drift": [], "legs": [], "notes": [],
             "network_fee": {"gas": 1000, "approval_gas": 10, "approvals": 1, "eth": "0.1", "usd": "0.02",
                             "native_symbol": "POL"}, "pnl_preview": {"immediate_usd": "0"}}
    assert "= 0.1 POL ($0.02)" in _trade_text(trade)
    vault = {"action": "withdraw", "amount": "1", "asset": "USDC", "name": "V", "vault": "0x", "expected_shares": "1",
             "min_shares": "1", "share_price": "1", "limits": {"max_deposit": "no limit", "max_withdraw": "1"},
             "tvl": "1", "fees": "not disclosed on-chain", "apy": {"value_pct": None, "note": "n/a"},
             "network_fee": {"gas": 5, "eth": "0.2", "usd": "0.01", "native_symbol": "POL"},
             "pnl_preview": {"note": "n/a"}}
    assert "network fee: 5 gas = 0.2 POL ($0.01)" in vault_text(vault)
    # a preview stored before native_symbol existed was in ETH
    assert fee_line({"gas": 1, "eth": "0.1", "usd": "1"}) == "network fee: 1 gas = 0.1 ETH ($1)"

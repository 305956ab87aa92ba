"""Index (basket) definitions, target weights and the market snapshot. Pure: no chain, no
internet (the online refresh is pointed at local ports)."""

from __future__ import annotations

import json
import socket
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_utils import keccak, to_checksum_address

from app.errors import InvalidInput
from app.index.baskets import (
    BasketDefinition,
    Constituent,
    builtin_paths,
    list_baskets,
    load_basket,
    renormalise,
    target_weights,
    validate_definition,
)
from app.index.market import (
    CACHE_KEY,
    FRESH_SECONDS,
    MarketSnapshot,
    current_snapshot,
    listed_tokens,
    load_bundled,
)
from app.session import Token
from app.store import Store
from tests.conftest import free_port

D = Decimal
SNAPSHOT = load_bundled()
LISTED = {t.symbol: t for t in listed_tokens()}


def fake_address(symbol: str) -> str:
    return to_checksum_address(keccak(text=f"basketry-test:{symbol}")[-20:])


# Every snapshot token, at an address other than mainnet's (as on the demo network).
KNOWN = {s: Token(s, fake_address(s), LISTED[s].decimals) for s in LISTED}


def definition(weighting: str, tokens: list[str], max_weight: str = "1",
               weights: list[str] | None = None) -> BasketDefinition:
    return BasketDefinition(
        "test", "", weighting, D(max_weight),
        tuple(Constituent(s, fake_address(s), None if weights is None else D(w))
              for s, w in zip(tokens, weights or [None] * len(tokens), strict=True)))


# --- the built-in definitions ------------------------------------------------------------------
def test_every_builtin_file_loads_on_the_network_and_by_default():
    paths = builtin_paths()
    assert {p.stem for p in paths} >= {"top10", "top20", "defi", "btc_eth_60_40"}
    for path in paths:
        basket = load_basket(str(path), KNOWN)
        assert basket.definition.constituents
        assert [t.address for t in basket.tokens] == [KNOWN[s].address for s in basket.symbols]
        weights = basket.target_weights(SNAPSHOT.market_caps)
        assert sum(weights.values()) == 1
        assert all(0 < w <= basket.definition.max_weight for w in weights.values())
    names = [d.name for d in list_baskets()]  # known defaults to the snapshot's tokens
    assert {"Top 10", "Top 20", "DeFi", "BTC/ETH 60/40"} <= set(names)
    top10 = next(d for d in list_baskets() if d.name == "Top 10")
    assert top10.constituents[0].address == LISTED["WBTC"].address  # mainnet's by default


@pytest.mark.parametrize("name", ["Top 10", "top10", "TOP 10", "top-10", " Top 10 "])
def test_builtin_by_name_or_stem_any_case(name):
    assert load_basket(name, KNOWN).name == "Top 10"


def test_other_builtins_by_name():
    assert load_basket("btc/eth 60/40", KNOWN).name == "BTC/ETH 60/40"
    assert load_basket("btc_eth_60_40", list(KNOWN.values())).name == "BTC/ETH 60/40"
    assert load_basket("defi", KNOWN).definition.weighting == "equal"


def test_unknown_basket_names_the_builtins():
    with pytest.raises(InvalidInput, match=r"unknown basket 'Top 11'.*Top 10.*Top 20"):
        load_basket("Top 11", KNOWN)
    with pytest.raises(InvalidInput, match="unknown basket"):
        load_basket("/nowhere/mine.json", KNOWN)


def eligible_by_market_cap() -> list[str]:
    """The snapshot's tokens that a "top" index may hold, largest first."""
    excluded = {"stable", "exchange"}
    return sorted((s for s, t in LISTED.items() if t.category not in excluded),
                  key=lambda s: SNAPSHOT.market_caps[s], reverse=True)


@pytest.mark.parametrize(("name", "size"), [("Top 10", 10), ("Top 20", 20)])
def test_top_n_is_the_largest_n_without_stablecoins_or_exchange_tokens(name, size):
    basket = load_basket(name, KNOWN)
    assert list(basket.symbols) == eligible_by_market_cap()[:size]
    for symbol in ("USDT", "USDC", "USDe", "DAI", "BNB", "LEO", "CRO", "OKB"):
        assert symbol not in basket.symbols
        assert symbol in basket.definition.description  # the exclusion is explained


def test_top10_weights_from_the_snapshot_respect_the_cap():
    weights = load_basket("Top 10", KNOWN).target_weights(SNAPSHOT.market_caps)
    assert sum(weights.values()) == 1
    assert max(weights.values()) == D("0.25")
    assert weights["WBTC"] == weights["WETH"] == D("0.25")
    # The other 8 share the remaining 50% in proportion to their market caps.
    others = [s for s in weights if s not in ("WBTC", "WETH")]
    total = sum(SNAPSHOT.market_caps[s] for s in others)
    for s in others:
        assert abs(weights[s] - D("0.5") * SNAPSHOT.market_caps[s] / total) < D("1e-17")
    assert weights["LINK"].quantize(D("0.0001")) == D("0.1553")


def test_top20_weights_from_the_snapshot_respect_the_cap():
    weights = load_basket("Top 20", KNOWN).target_weights(SNAPSHOT.market_caps)
    assert len(weights) == 20
    assert sum(weights.values()) == 1
    assert weights["WBTC"] == weights["WETH"] == D("0.25")
    assert all(w < D("0.25") for s, w in weights.items() if s not in ("WBTC", "WETH"))


def test_btc_eth_60_40_and_defi():
    assert load_basket("BTC/ETH 60/40", KNOWN).target_weights() == {"WBTC": D("0.6"), "WETH": D("0.4")}
    defi = load_basket("DeFi", KNOWN)
    assert set(defi.symbols) == {"UNI", "AAVE", "LINK", "LDO", "ENA", "ONDO", "SKY"}
    weights = defi.target_weights()
    assert sum(weights.values()) == 1
    assert all(abs(w - D(1) / 7) <= D("1e-18") for w in weights.values())


# --- target weights ---------------------------------------------------------------------------
def test_capped_market_cap_weights_by_hand():
    # Market caps A 50, B 30, C 15, D 5 (total 100); cap 35%.
    # Round 1: A = 50/100 = 0.50 > 0.35 -> A capped at 0.35; 0.65 is left for B, C, D (caps 50).
    # Round 2: B = 0.65 * 30/50 = 0.39 > 0.35 -> B capped; 1 - 0.70 = 0.30 left for C, D (20).
    # Round 3: C = 0.30 * 15/20 = 0.225, D = 0.30 * 5/20 = 0.075; none above 0.35. Sum = 1.
    basket = definition("market_cap", ["WBTC", "WETH", "LINK", "UNI"], max_weight="0.35")
    caps = {"WBTC": D(50), "WETH": D(30), "LINK": D(15), "UNI": D(5)}
    assert target_weights(basket, caps) == {
        "WBTC": D("0.35"), "WETH": D("0.35"), "LINK": D("0.225"), "UNI": D("0.075")}
    # Without a cap: plain proportions.
    uncapped = definition("market_cap", ["WBTC", "WETH", "LINK", "UNI"])
    assert target_weights(uncapped, caps) == {
        "WBTC": D("0.5"), "WETH": D("0.3"), "LINK": D("0.15"), "UNI": D("0.05")}


def test_market_cap_weights_take_decimal_strings_and_refuse_missing_or_bad_caps():
    basket = definition("market_cap", ["WBTC", "WETH"])
    assert target_weights(basket, {"WBTC": "3", "WETH": 1}) == {"WBTC": D("0.75"), "WETH": D("0.25")}
    with pytest.raises(InvalidInput, match="no market cap for WETH"):
        target_weights(basket, {"WBTC": D(1)})
    with pytest.raises(InvalidInput, match="market cap of WETH must be a positive number"):
        target_weights(basket, {"WBTC": D(1), "WETH": D(0)})
    with pytest.raises(InvalidInput, match="market caps are needed"):
        target_weights(basket)


def test_rounding_is_absorbed_so_weights_sum_to_exactly_one():
    weights = target_weights(definition("equal", ["WBTC", "WETH", "LINK"]))
    third = D("0.333333333333333333")
    assert weights == {"WBTC": third, "WETH": third, "LINK": third + D("1e-18")}
    assert sum(weights.values()) == 1
    # Caps that bind exactly (4 x 25%) and irrational proportions under a cap.
    assert set(target_weights(definition("equal", ["WBTC", "WETH", "LINK", "UNI"], "0.25")).values()) == {D("0.25")}
    caps = {"WBTC": D(7), "WETH": D(3), "LINK": D(1), "UNI": D(1), "AAVE": D(1)}
    weights = target_weights(definition("market_cap", list(caps), "0.3"), caps)
    assert sum(weights.values()) == 1
    assert max(weights.values()) == D("0.3")


def test_fixed_weights_within_the_tolerance_are_rescaled_to_one():
    basket = definition("fixed", ["WBTC", "WETH"], weights=["0.6000000001", "0.4"])
    weights = target_weights(basket)
    assert sum(weights.values()) == 1
    assert abs(weights["WBTC"] - D("0.6")) < D("1e-9")


def test_renormalise_after_dropping_a_leg_by_hand():
    # From the hand example (A 0.35, B 0.35, C 0.225, D 0.075, cap 0.35), B is not tradable:
    # A, C, D hold 0.65; rescaled A = 0.35/0.65 = 0.538 > 0.35 -> capped; 0.65 left to C, D
    # (0.30): C = 0.65 * 0.225/0.30 = 0.4875 > 0.35 -> capped; D = 1 - 0.70 = 0.30.
    weights = {"A": D("0.35"), "B": D("0.35"), "C": D("0.225"), "D": D("0.075")}
    assert renormalise(weights, {"A", "C", "D"}, D("0.35")) == {"A": D("0.35"), "C": D("0.35"), "D": D("0.3")}
    # No cap: plain proportions.
    assert renormalise(weights, {"C", "D"}) == {"C": D("0.75"), "D": D("0.25")}
    # Two legs cannot make a whole basket at 35% each.
    with pytest.raises(InvalidInput, match=r"only 2 of 4 legs are tradable.*35%"):
        renormalise(weights, {"A", "C"}, D("0.35"))
    with pytest.raises(InvalidInput, match="no leg of the basket is tradable"):
        renormalise(weights, set())


def test_renormalise_top10_and_fixed():
    basket = load_basket("Top 10", KNOWN)
    weights = basket.target_weights(SNAPSHOT.market_caps)
    tradable = set(weights) - {"LINK"}
    again = renormalise(weights, tradable, basket.definition.max_weight)
    assert set(again) == tradable
    assert sum(again.values()) == 1
    assert again["WBTC"] == again["WETH"] == D("0.25")
    # The others keep their proportions: the same as weighting the 9 by market cap.
    nine = definition("market_cap", [s for s in basket.symbols if s != "LINK"], "0.25")
    expected = target_weights(nine, SNAPSHOT.market_caps)
    assert all(abs(again[s] - expected[s]) <= D("1e-17") for s in again)
    assert renormalise({"WBTC": D("0.6"), "WETH": D("0.4")}, {"WETH"}) == {"WETH": D(1)}


# --- refused definitions ----------------------------------------------------------------------
def good(**changes) -> dict:
    data = {"name": "Mine", "description": "a test basket", "weighting": "fixed", "max_weight": 1,
            "constituents": [{"token": "WBTC", "weight": "0.5"}, {"token": "WETH", "weight": "0.3"},
                             {"token": "LINK", "weight": "0.2"}]}
    data.update(changes)
    return data


def entries(*items) -> list[dict]:
    return [dict(item) for item in items]


WBTC_LOWER = fake_address("WBTC").lower()
BAD_CHECKSUM = "0x" + "".join(c.swapcase() if c.isalpha() and i % 3 == 0 else c
                              for i, c in enumerate(fake_address("WBTC")[2:]))
UNKNOWN_ADDRESS = fake_address("FOO")

BAD = [
    ("not json", "{not json", "not valid JSON"),
    ("not an object", "[1, 2]", "must be a JSON object, not a list"),
    ("missing key", {k: v for k, v in good().items() if k != "weighting"}, "missing key 'weighting'"),
    ("unknown key", good(weigths=1), "unknown key 'weigths'"),
    ("bad weighting", good(weighting="cap"), "'weighting' must be one of market_cap, equal, fixed, not 'cap'"),
    ("empty", good(constituents=[]), "'constituents' is empty"),
    ("not a list", good(constituents={"token": "WBTC"}), "'constituents' must be a list"),
    ("entry not object", good(constituents=["WBTC"]), "constituent 1: must be an object"),
    ("entry unknown key", good(constituents=entries({"token": "WBTC", "weight": 1, "wieght": 1})),
     r"constituent 1 \(WBTC\): unknown key 'wieght'"),
    ("entry without token", good(constituents=entries({"weight": 1})), "constituent 1: missing key 'token'"),
    ("token not a string", good(constituents=entries({"token": 5, "weight": 1})),
     "constituent 1: 'token' must be a symbol or an address, not 5"),
    ("unknown token", good(constituents=entries({"token": "WBTC", "weight": "0.5"}, {"token": "WETH", "weight": "0.3"},
                                                {"token": "FOO", "weight": "0.2"})),
     r"constituent 3 \(FOO\): unknown token on this network"),
    ("duplicate symbol", good(constituents=entries({"token": "WBTC", "weight": "0.5"}, {"token": "WBTC", "weight": "0.5"})),
     r"constituent 2 \(WBTC\): duplicate of constituent 1 \(WBTC\)"),
    ("duplicate symbol and address", good(constituents=entries({"token": "WBTC", "weight": "0.5"},
                                                               {"token": WBTC_LOWER, "weight": "0.5"})),
     rf"constituent 2 \({WBTC_LOWER}\): duplicate of constituent 1 \(WBTC\)"),
    ("bad checksum", good(constituents=entries({"token": BAD_CHECKSUM, "weight": 1})),
     rf"constituent 1 \({BAD_CHECKSUM}\): .*wrong checksum"),
    ("not 20 bytes", good(constituents=entries({"token": "0x1234", "weight": 1})),
     r"constituent 1 \(0x1234\): .*is not an Ethereum address"),
    ("address not on network", good(constituents=entries({"token": UNKNOWN_ADDRESS, "weight": 1})),
     rf"constituent 1 \({UNKNOWN_ADDRESS}\): no token with this address on this network"),
    ("negative weight", good(constituents=entries({"token": "WBTC", "weight": "1"}, {"token": "WETH", "weight": "-0.5"})),
     r"constituent 2 \(WETH\): weight must be positive, not -0.5"),
    ("zero weight", good(constituents=entries({"token": "WBTC", "weight": 1}, {"token": "WETH", "weight": 0})),
     r"constituent 2 \(WETH\): weight must be positive"),
    ("weight not a number", good(constituents=entries({"token": "WBTC", "weight": "lots"})),
     r"constituent 1 \(WBTC\): 'weight' must be a number, not \"lots\""),
    ("boolean weight", good(constituents=entries({"token": "WBTC", "weight": True})),
     r"constituent 1 \(WBTC\): 'weight' must be a number"),
    ("negative weight when ignored", good(weighting="market_cap", constituents=entries({"token": "WBTC", "weight": -1})),
     r"constituent 1 \(WBTC\): weight must be positive"),
    ("fixed without weight", good(constituents=entries({"token": "WBTC", "weight": 1}, {"token": "WETH"})),
     r"constituent 2 \(WETH\): a fixed-weight basket needs a 'weight'"),
    ("fixed not summing to 1", good(constituents=entries({"token": "WBTC", "weight": "0.6"}, {"token": "WETH", "weight": "0.3"})),
     "fixed weights sum to 0.9, not 1"),
    ("fixed just outside tolerance", good(constituents=entries({"token": "WBTC", "weight": "0.600000002"},
                                                               {"token": "WETH", "weight": "0.4"})),
     "fixed weights sum to 1.000000002, not 1"),
    ("fixed above the cap", good(max_weight="0.5", constituents=entries({"token": "WBTC", "weight": "0.6"},
                                                                        {"token": "WETH", "weight": "0.4"})),
     r"constituent 1 \(WBTC\): weight 0.6 is above max_weight 0.5"),
    ("max_weight zero", good(max_weight=0), "'max_weight' must be a number in \\(0, 1\\], not 0"),
    ("max_weight negative", good(max_weight=-0.1), "'max_weight' must be a number in"),
    ("max_weight above one", good(max_weight=1.5), "'max_weight' must be a number in \\(0, 1\\], not 1.5"),
    ("max_weight not a number", good(max_weight="a lot"), "'max_weight' must be a number in"),
    ("max_weight too small", good(weighting="equal", max_weight=0.3),
     r"max_weight 0.3 is too small for 3 constituents: .*at most 90% .*33.33% each"),
    ("name empty", good(name=" "), "'name' must be a non-empty string"),
    ("NaN", '{"name": "x", "weighting": "equal", "max_weight": NaN, "constituents": [{"token": "WBTC"}]}',
     "not valid JSON"),
]


@pytest.mark.parametrize(("data", "message"), [pytest.param(d, m, id=i) for i, d, m in BAD])
def test_bad_definitions_are_refused_naming_the_entry(tmp_path, data, message):
    with pytest.raises(InvalidInput, match=message):
        validate_definition(data, KNOWN)
    # The same through a user's file: the message starts with the file's name.
    path = tmp_path / "mine.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(InvalidInput, match=r"^mine\.json: (.* )?" + message):
        load_basket(str(path), KNOWN)


def test_accepted_variants(tmp_path):
    wbtc = fake_address("WBTC")
    data = good(constituents=entries({"token": wbtc, "weight": 0.5}, {"token": fake_address("WETH").lower(), "weight": "0.3"},
                                     {"token": "link", "weight": 0.2}))
    parsed = validate_definition(data, KNOWN)
    assert parsed.symbols == ("WBTC", "WETH", "LINK")
    assert parsed.constituents[1].address == fake_address("WETH")  # checksummed
    assert [c.weight for c in parsed.constituents] == [D("0.5"), D("0.3"), D("0.2")]
    # Within 1e-9 of 1 is accepted.
    near = good(constituents=entries({"token": "WBTC", "weight": "0.6000000005"}, {"token": "WETH", "weight": "0.4"}))
    assert validate_definition(near, KNOWN).weighting == "fixed"
    # Weights on a market-cap basket are ignored (but were checked); no max_weight: no cap.
    mc = {"name": "Caps", "weighting": "market_cap",
          "constituents": [{"token": "WBTC", "weight": 0.9}, {"token": "WETH"}]}
    parsed = validate_definition(mc, KNOWN)
    assert [c.weight for c in parsed.constituents] == [None, None]
    assert parsed.max_weight == 1 and parsed.description == ""
    # A user's file by path.
    path = tmp_path / "caps.json"
    path.write_text(json.dumps(mc))
    basket = load_basket(path, KNOWN)
    assert basket.source == path and basket.token("WETH") is KNOWN["WETH"]
    assert basket.definition.as_json()["constituents"][0] == {
        "symbol": "WBTC", "constituent": "WBTC", "address": fake_address("WBTC"), "weight": None}


def test_floats_in_the_file_are_read_exactly():
    # 0.1 + 0.2 + 0.7 is 1.0000000000000002 in binary floats; read as Decimal it is exactly 1.
    text = json.dumps(good(constituents=[{"token": "WBTC", "weight": 0.1}, {"token": "WETH", "weight": 0.2},
                                         {"token": "LINK", "weight": 0.7}]))
    parsed = validate_definition(text, KNOWN)
    assert [c.weight for c in parsed.constituents] == [D("0.1"), D("0.2"), D("0.7")]
    assert target_weights(parsed) == {"WBTC": D("0.1"), "WETH": D("0.2"), "LINK": D("0.7")}


def test_ambiguous_case_insensitive_symbol_needs_the_exact_case():
    known = {"USDe": Token("USDe", fake_address("USDe"), 18), "USDE": Token("USDE", fake_address("USDE"), 18)}
    data = {"name": "x", "weighting": "equal", "constituents": [{"token": "usde"}]}
    with pytest.raises(InvalidInput, match=r"constituent 1 \(usde\): ambiguous symbol"):
        validate_definition(data, known)
    data["constituents"] = [{"token": "USDe"}]
    assert validate_definition(data, known).symbols == ("USDe",)


# --- the market snapshot ----------------------------------------------------------------------
def test_bundled_snapshot():
    assert SNAPSHOT.source == "bundled" and SNAPSHOT.as_of == "2025-10-01"
    assert SNAPSHOT.prices["WBTC"] == D("118648.92858787")
    assert SNAPSHOT.market_caps["WETH"] == D("525193409372")
    assert all(isinstance(v, Decimal) for v in SNAPSHOT.prices.values())
    assert SNAPSHOT.price_source("LINK") == ("bundled", "2025-10-01")


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "home") as opened:
        yield opened


def test_refresh_offline_falls_back_to_the_bundled_snapshot_with_a_reason(store):
    # Nothing listens on this port: connection refused, at once.
    result = current_snapshot(store, refresh=True, base_url=f"http://127.0.0.1:{free_port()}")
    assert result.snapshot == SNAPSHOT
    assert result.reason.startswith("refresh failed: cannot reach CoinGecko")
    assert "bundled snapshot of 2025-10-01" in result.reason
    assert store.get_setting(CACHE_KEY) is None
    # No store at all works too.
    assert current_snapshot(None, refresh=True, base_url="http://127.0.0.1:9").snapshot == SNAPSHOT
    # Not asked to refresh, nothing cached: the bundled one, nothing to explain.
    assert current_snapshot(store) == (SNAPSHOT, None)


def test_refresh_timeout_falls_back(store):
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        result = current_snapshot(store, refresh=True, base_url=f"http://127.0.0.1:{port}", timeout=0.2)
    assert result.snapshot == SNAPSHOT
    assert "did not answer within 0.2 s" in result.reason


class FakeCoinGecko:
    """A local HTTP server answering /api/v3/coins/markets with canned rows."""

    def __init__(self, status: int = 200, body: bytes = b"[]"):
        self.status, self.body, self.paths = status, body, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                outer.paths.append(self.path)
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


ROWS = [
    {"id": "bitcoin", "symbol": "btc", "current_price": 100000.5, "market_cap": 2000000000000},
    {"id": "ethereum", "symbol": "eth", "current_price": 3000.25, "market_cap": 400000000000},
    {"id": "chainlink", "symbol": "link", "current_price": None, "market_cap": 1},  # unusable
    {"id": "uniswap", "symbol": "uni", "current_price": 10, "market_cap": 0},  # unusable
    "junk",
]


def test_refresh_from_coingecko_is_cached_for_an_hour(store):
    now = 1_800_000_000
    with FakeCoinGecko(body=json.dumps(ROWS).encode()) as fake:
        result = current_snapshot(store, refresh=True, base_url=fake.url, now=now)
    assert result.reason is None
    online = result.snapshot
    assert fake.paths[0].startswith("/api/v3/coins/markets?vs_currency=usd&ids=")
    assert "bitcoin" in fake.paths[0] and "ethereum" in fake.paths[0]
    assert online.source == "coingecko" and online.fetched_at == now
    assert online.as_of == "2027-01-15T08:00:00Z"
    assert online.prices["WBTC"] == D("100000.5") and online.market_caps["WETH"] == D(400000000000)
    # What the answer lacked keeps the bundled values and says so.
    assert online.prices["LINK"] == SNAPSHOT.prices["LINK"]
    assert {"LINK", "UNI", "USDT"} <= set(online.carried_over)
    assert "WBTC" not in online.carried_over
    assert online.price_source("LINK") == ("bundled", "2025-10-01")
    assert online.price_source("WBTC") == ("coingecko", online.as_of)
    # Cached as decimal strings in settings.
    cached = store.get_setting(CACHE_KEY)
    assert cached["prices"]["WBTC"] == "100000.5" and cached["source"] == "coingecko"
    assert MarketSnapshot.from_cache(cached) == online
    # Used while under an hour old, then the bundled one with a reason.
    assert current_snapshot(store, now=now + 10) == (online, None)
    stale = current_snapshot(store, now=now + FRESH_SECONDS)
    assert stale.snapshot == SNAPSHOT and "over an hour old" in stale.reason
    # A failed refresh while the cache is fresh keeps the cached prices.
    failed = current_snapshot(store, refresh=True, base_url=f"http://127.0.0.1:{free_port()}", now=now + 60)
    assert failed.snapshot == online and "using the CoinGecko prices cached at" in failed.reason


@pytest.mark.parametrize(("status", "body", "reason"), [
    (429, b'{"status": {"error_code": 429}}', "CoinGecko answered HTTP 429"),
    (200, b"<html>maintenance</html>", "not JSON"),
    (200, b'{"error": "bad ids"}', "not a list of coins"),
    (200, b"[]", "no usable price for any token"),
])
def test_bad_answers_fall_back(store, status, body, reason):
    with FakeCoinGecko(status, body) as fake:
        result = current_snapshot(store, refresh=True, base_url=fake.url)
    assert result.snapshot == SNAPSHOT
    assert reason in result.reason
    assert store.get_setting(CACHE_KEY) is None


def test_a_broken_cache_is_ignored(store):
    store.set_setting(CACHE_KEY, {"prices": "nonsense"})
    assert current_snapshot(store) == (SNAPSHOT, None)


def test_weights_from_an_online_snapshot(store):
    with FakeCoinGecko(body=json.dumps(ROWS).encode()) as fake:
        online = current_snapshot(store, refresh=True, base_url=fake.url).snapshot
    weights = load_basket("Top 10", KNOWN).target_weights(online.market_caps)
    assert sum(weights.values()) == 1 and max(weights.values()) == D("0.25")


def test_the_bundled_token_list_is_checksummed():
    """Constituents take a known token's address as listed, so the list must be EIP-55."""
    from app.index.market import listed_tokens
    from app.inputs import to_checksum

    assert all(t.address == to_checksum(t.address) for t in listed_tokens())

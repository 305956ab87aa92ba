"""Tokens per public network: the bundled list merged with the network's own tokens, symbol
collisions, and the canonical token of each basket constituent (resources/canonical_tokens.json).
Pure: no chain is needed to know which tokens a network has."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from eth_utils import to_checksum_address

from app.errors import InvalidInput
from app.index import canonical
from app.index.baskets import builtin_paths, list_baskets, load_basket
from app.index.market import load_bundled
from app.networks import get_network, load_networks
from app.paths import resources_dir
from app.session import known_tokens
from app.tokens.tokenlist import bundled_list
from app.tokens.universe import ADDED, LIST, NETWORK, Token, find, merge

PUBLIC = [key for key, n in load_networks().items() if not n.devnet]


def constituents() -> set[str]:
    return {c["token"] for path in builtin_paths()
            for c in json.loads(path.read_text())["constituents"]}


def tokens(tmp_path, key: str) -> list[Token]:
    return known_tokens(tmp_path, get_network(key))


@pytest.mark.parametrize("key", PUBLIC)
def test_public_networks_know_their_own_tokens_then_the_list(tmp_path, key):
    network = get_network(key)
    known = tokens(tmp_path, key)
    assert known[0].address == network.wrapped_native and known[0].symbol == network.wrapped_native_symbol
    assert known[1].address == network.usdc and known[1].origin == NETWORK
    listed = {t.address for t in bundled_list().for_chain(network.chain_id)}
    assert listed <= {t.address for t in known}
    assert len({t.address.lower() for t in known}) == len(known)  # an address once
    assert find(known, "USDC", network.label).address == network.usdc  # the native one


def test_polygon_names_the_wrapped_native_wpol_and_keeps_bridged_usdc_apart(tmp_path):
    known = tokens(tmp_path, "polygon")
    wpol = find(known, "WPOL", "Polygon")
    assert wpol.address == "0x0d500B1d8E8eF31E21C99d1Db9A6444d3ADf1270" and wpol.origin == NETWORK
    assert not [t for t in known if t.symbol == "WMATIC"]  # the list's old name for the same contract
    assert find(known, "USDC.e", "Polygon").address == "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"
    assert find(known, "WETH", "Polygon").address == "0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619"


def test_an_ambiguous_symbol_is_refused_with_every_address(tmp_path):
    known = tokens(tmp_path, "ethereum")
    lit = [t for t in known if t.symbol.lower() == "lit"]
    assert len(lit) == 2  # two tokens of the list share "LIT"
    with pytest.raises(InvalidInput, match="ambiguous symbol") as refused:
        find(known, "LIT", "Ethereum")
    assert all(t.address in str(refused.value) for t in lit)
    assert find(known, lit[1].address, "Ethereum") is lit[1]  # an address always works


def test_the_network_own_token_wins_its_symbol_and_an_added_twin_needs_its_address():
    usdc = Token("USDC", "0x" + "aa" * 20, 6)
    twin = Token("USDC", "0x" + "bb" * 20, 6, "bridged", ADDED)
    other = Token("USDC", "0x" + "cc" * 20, 6, "", LIST)
    assert find(merge([usdc], [other], [twin]), "USDC", "x") is usdc
    with pytest.raises(InvalidInput, match="ambiguous"):
        find(merge([other], [twin]), "usdc", "x")
    assert merge([usdc], [Token("NEW", usdc.address, 6, "", ADDED)]) == [usdc]  # first name kept


def test_every_builtin_constituent_has_a_choice_on_every_public_network():
    wanted = constituents()
    for key in PUBLIC:
        choices = canonical.choices(key)
        assert set(choices) >= wanted, (key, wanted - set(choices))
        assert all(c.reason.strip() for c in choices.values())
    assert canonical.choices("demo") is None  # the devnet deploys every token under its symbol


@pytest.mark.parametrize("key", PUBLIC)
def test_every_chosen_address_is_from_the_list_networks_json_or_a_cited_extra(key):
    network = get_network(key)
    listed = {t.address: t for t in bundled_list().for_chain(network.chain_id)}
    extras = {t.address: t for t in canonical.extra_tokens(key)}
    own = {network.wrapped_native, network.usdc}
    data = json.loads((resources_dir() / "canonical_tokens.json").read_text())
    for extra in data["extra_tokens"].get(key, []):
        assert extra["source"] and extra["address"] == to_checksum_address(extra["address"])
        assert extra["address"] not in listed
    for choice in canonical.choices(key).values():
        if choice.address is not None:
            assert choice.address in listed or choice.address in own or choice.address in extras, choice


def test_the_choices_the_issue_names():
    base, polygon = canonical.choices("base"), canonical.choices("polygon")
    assert base["WBTC"].address == "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf"
    assert base["LINK"].skipped and base["LINK"].reason == "not on Base's token list"
    assert polygon["WETH"].address == "0x7ceB23fD6bC0adD59E62ac25578270cFf1b9f619"
    assert polygon["POL"].address == get_network("polygon").wrapped_native


#: (network, basket) -> (constituents resolved, skipped); None: not buyable there (the cap)
EXPECTED = {
    ("ethereum", "Top 10"): (10, 0), ("ethereum", "Top 20"): (20, 0), ("ethereum", "DeFi"): (7, 0),
    ("ethereum", "BTC/ETH 60/40"): (2, 0),
    ("base", "Top 10"): (3, 7), ("base", "Top 20"): (3, 17), ("base", "DeFi"): (1, 6),
    ("base", "BTC/ETH 60/40"): (2, 0),
    ("arbitrum", "Top 10"): (10, 0), ("arbitrum", "Top 20"): (18, 2), ("arbitrum", "DeFi"): (7, 0),
    ("arbitrum", "BTC/ETH 60/40"): (2, 0),
    ("optimism", "Top 10"): (6, 4), ("optimism", "Top 20"): (8, 12), ("optimism", "DeFi"): (4, 3),
    ("optimism", "BTC/ETH 60/40"): (2, 0),
    ("polygon", "Top 10"): (5, 5), ("polygon", "Top 20"): (7, 13), ("polygon", "DeFi"): (3, 4),
    ("polygon", "BTC/ETH 60/40"): (2, 0),
}
UNAVAILABLE = {("base", "Top 10"), ("base", "Top 20")}


@pytest.mark.parametrize("key", PUBLIC)
def test_builtin_baskets_resolve_per_network_and_say_what_they_skip(tmp_path, key):
    caps = load_bundled().market_caps
    for definition in list_baskets(tokens(tmp_path, key), choices=canonical.choices(key)):
        resolved, skipped = EXPECTED[(key, definition.name)]
        assert (len(definition.constituents), len(definition.skipped)) == (resolved, skipped)
        assert all(s.reason for s in definition.skipped)
        if (key, definition.name) in UNAVAILABLE:
            assert "cannot make up the whole basket" in definition.unavailable
            continue
        assert definition.unavailable is None
        basket = load_basket(definition.name, tokens(tmp_path, key), choices=canonical.choices(key))
        weights = basket.target_weights(caps)
        assert sum(weights.values()) == 1 and all(0 < w <= definition.max_weight for w in weights.values())


def test_base_buys_bitcoin_as_cbbtc_weighted_as_bitcoin(tmp_path):
    basket = load_basket("BTC/ETH 60/40", tokens(tmp_path, "base"), choices=canonical.choices("base"))
    btc = basket.definition.constituents[0]
    assert (btc.symbol, btc.constituent, btc.address) == \
        ("cbBTC", "WBTC", "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf")
    assert basket.target_weights() == {"cbBTC": Decimal("0.6"), "WETH": Decimal("0.4")}
    unavailable = load_basket("Top 10", tokens(tmp_path, "base"), choices=canonical.choices("base"))
    assert str(unavailable.definition.skipped[0]) == "LINK: not on Base's token list"
    with pytest.raises(InvalidInput, match="only 3 of its 10 constituents"):
        unavailable.target_weights(load_bundled().market_caps)


def test_known_tokens_are_cheap_after_the_first_load(tmp_path):
    network = get_network("ethereum")
    known_tokens(tmp_path, network)
    start = time.perf_counter()
    for _ in range(20):
        known_tokens(tmp_path, network)
    assert (time.perf_counter() - start) / 20 < 0.01  # the list is parsed once per process

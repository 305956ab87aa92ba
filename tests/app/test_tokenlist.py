"""The bundled token list: generated from the npm package it names, and shaped as the app needs."""

from __future__ import annotations

import json

import pytest
from eth_utils import to_checksum_address

from app.tokens import generate
from app.tokens.tokenlist import CHAIN_IDS, MAX_DECIMALS, bundled_list, bundled_path


def test_the_bundle_is_what_the_generator_makes_from_the_package():
    try:
        tarball = generate.fetch_tarball()
    except generate.PackageUnavailable as exc:
        pytest.skip(f"the npm package cannot be fetched here: {exc}")
    expected = generate.render(generate.build_bundle(generate.tokenlist_from_tarball(tarball)))
    assert bundled_path().read_text(encoding="utf-8") == expected, \
        "resources/tokenlists/uniswap-default.json is stale: run python -m app.tokens.generate"


def test_the_bundle_names_its_source_and_holds_only_the_public_chains():
    data = json.loads(bundled_path().read_text(encoding="utf-8"))
    assert data["package"] == f"{generate.PACKAGE}@{generate.VERSION}"
    assert data["list_version"] == generate.VERSION and data["list_timestamp"].startswith("20")
    assert len(data["source_sha256"]) == 64
    assert sorted(map(int, data["chains"])) == sorted(CHAIN_IDS)


@pytest.mark.parametrize("chain_id", CHAIN_IDS)
def test_every_token_is_checksummed_with_sane_decimals_and_no_duplicate(chain_id):
    tokens = bundled_list().for_chain(chain_id)
    assert tokens, f"no token for chain {chain_id}"
    for token in tokens:
        assert token.address == to_checksum_address(token.address), token
        assert type(token.decimals) is int and 0 <= token.decimals <= MAX_DECIMALS, token
        assert token.symbol.strip() and isinstance(token.name, str), token
    addresses = [t.address.lower() for t in tokens]
    assert len(addresses) == len(set(addresses))


def test_the_generator_refuses_a_list_that_breaks_the_rules():
    def listing(**token):
        base = {"chainId": 1, "address": "0x" + "11" * 20, "symbol": "T", "name": "T", "decimals": 18}
        return json.dumps({"name": "x", "timestamp": "2026-01-01T00:00:00Z", "tokens": [{**base, **token}],
                           "version": dict(zip(("major", "minor", "patch"),
                                               map(int, generate.VERSION.split(".")), strict=True))}).encode()

    assert generate.build_bundle(listing())["chains"]["1"][0]["address"] == to_checksum_address("0x" + "11" * 20)
    for bad, message in (({"decimals": 37}, "decimals"), ({"decimals": True}, "decimals"),
                         ({"address": "0x12"}, "not an address"), ({"symbol": 5}, "strings")):
        with pytest.raises(ValueError, match=message):
            generate.build_bundle(listing(**bad))
    with pytest.raises(Exception, match="integrity"):
        generate.check_integrity(b"not the package")

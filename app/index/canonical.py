"""The token that stands for each basket constituent on each public network
(``resources/canonical_tokens.json``): an address with the reason it is that asset there, or a
skip with the reason it is absent ("not on Base's token list"). Read once per process; pure.

A network with no entry in the file (the demo one) has no choices: its constituents resolve by
symbol among its known tokens, as they always did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from app.paths import resources_dir
from app.tokens.universe import LIST, Token


@dataclass(frozen=True)
class Choice:
    constituent: str       # the basket's symbol, e.g. "WBTC"
    address: str | None    # the token used there (EIP-55), None when skipped
    reason: str            # why this token, or why none

    @property
    def skipped(self) -> bool:
        return self.address is None


@cache
def _data() -> dict[str, Any]:
    return json.loads((resources_dir() / "canonical_tokens.json").read_text(encoding="utf-8"))


@cache
def choices(network_key: str) -> dict[str, Choice] | None:
    """Constituent symbol -> Choice on this network; None if the file has no entry for it."""
    entries = _data()["networks"].get(network_key)
    if entries is None:
        return None
    return {symbol: Choice(symbol, entry.get("address"), entry.get("reason") or entry["skip"])
            for symbol, entry in entries.items()}


@cache
def extra_tokens(network_key: str) -> tuple[Token, ...]:
    """Constituent tokens the bundled list lacks, each with its cited source in the file."""
    return tuple(Token(t["symbol"], t["address"], int(t["decimals"]), t.get("name", ""), LIST)
                 for t in _data()["extra_tokens"].get(network_key, ()))

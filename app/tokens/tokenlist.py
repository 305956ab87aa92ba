"""The bundled token list (``resources/tokenlists/uniswap-default.json``), read once per process.

The file is generated from the npm package ``@uniswap/default-token-list`` by
``python -m app.tokens.generate`` and committed with the package's name and version, the list's
version and timestamp, and the SHA-256 of the file it was made from. It holds the public
networks Basketry knows (chain ids in ``CHAIN_IDS``) and, per token, only what the app uses:
symbol, name, decimals, address (EIP-55, checked by the tests) and logoURI. Pure: no chain
library is loaded here (the addresses are stored checksummed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.paths import resources_dir

#: Ethereum, Base, Arbitrum One, Optimism, Polygon PoS (the public networks of networks.json).
CHAIN_IDS = (1, 8453, 42161, 10, 137)
MAX_DECIMALS = 36


@dataclass(frozen=True)
class ListedToken:
    symbol: str
    name: str
    decimals: int
    address: str  # EIP-55
    logo_uri: str | None


@dataclass(frozen=True)
class TokenList:
    package: str      # "@uniswap/default-token-list@22.21.0"
    version: str      # the list's own version, "22.21.0"
    timestamp: str    # the list's timestamp (ISO 8601)
    tokens: dict[int, tuple[ListedToken, ...]]  # by chain id

    def for_chain(self, chain_id: int) -> tuple[ListedToken, ...]:
        return self.tokens.get(chain_id, ())

    @property
    def label(self) -> str:
        return f"{self.package} (list version {self.version}, {self.timestamp[:10]})"


def bundled_path() -> Path:
    return resources_dir() / "tokenlists" / "uniswap-default.json"


@cache
def bundled_list() -> TokenList:
    return parse_bundle(json.loads(bundled_path().read_text(encoding="utf-8")))


def parse_bundle(data: dict[str, Any]) -> TokenList:
    tokens = {int(chain_id): tuple(ListedToken(t["symbol"], t["name"], int(t["decimals"]), t["address"],
                                               t.get("logoURI")) for t in entries)
              for chain_id, entries in data["chains"].items()}
    return TokenList(data["package"], data["list_version"], data["list_timestamp"], tokens)

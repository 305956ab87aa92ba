"""What a portfolio holds: the native coin, the network's known tokens, and vault shares.

The native coin has no contract; it is stored under the EIP-7528 address
(https://eips.ethereum.org/EIPS/eip-7528) so every table keys assets the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

NATIVE_ADDRESS = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"


@dataclass(frozen=True)
class Asset:
    symbol: str
    address: str           # checksummed; NATIVE_ADDRESS for the native coin
    decimals: int
    kind: str              # "native" | "token" | "vault"
    underlying: str | None = None   # a vault's asset (checksummed address)

    @property
    def is_native(self) -> bool:
        return self.kind == "native"


def native_asset(symbol: str) -> Asset:
    return Asset(symbol, NATIVE_ADDRESS, 18, "native")

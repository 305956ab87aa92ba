"""Who is who in a summary (pure): the network's contracts, the token universe, the user's
vaults and accounts, the platform fee's recipient. An address nobody named stays an address."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils import to_checksum_address

from app.networks import Network
from wallet.prompts import Party

# Network field -> the contract's name (networks.json / the devnet's deployment.json).
REGISTRY_NAMES = {
    "universal_router": "Uniswap Universal Router",
    "swap_router": "Uniswap SwapRouter02",
    "quoter": "Uniswap QuoterV2",
    "factory": "Uniswap V3 Factory",
    "position_manager": "Uniswap V3 Positions NFT",
    "multicall3": "Multicall3",
    "permit2": "Uniswap Permit2",
}


@dataclass(frozen=True)
class VaultLabel:
    """An ERC-4626 vault the user knows: its name, share token and asset (units when known)."""

    name: str
    share_symbol: str
    share_decimals: int | None
    asset: str | None                  # the asset's address
    asset_symbol: str | None
    asset_decimals: int | None


@dataclass
class AddressBook:
    native_symbol: str = "ETH"
    wrapped_native: str | None = None
    contracts: dict[str, str] = field(default_factory=dict)          # address -> name
    tokens: dict[str, tuple[str, int]] = field(default_factory=dict)  # address -> (symbol, decimals)
    vaults: dict[str, VaultLabel] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)            # the user's own: address -> label

    def __post_init__(self) -> None:
        self.contracts = {to_checksum_address(a): n for a, n in self.contracts.items()}
        self.tokens = {to_checksum_address(a): t for a, t in self.tokens.items()}
        self.vaults = {to_checksum_address(a): v for a, v in self.vaults.items()}
        self.accounts = {to_checksum_address(a): n for a, n in self.accounts.items()}
        if self.wrapped_native:
            self.wrapped_native = to_checksum_address(self.wrapped_native)

    def name(self, address: str) -> str | None:
        address = to_checksum_address(address)
        if address in self.accounts:
            return self.accounts[address]
        if address in self.contracts:
            return self.contracts[address]
        if address in self.vaults:
            return f"vault {self.vaults[address].name}"
        if address in self.tokens:
            return f"{self.tokens[address][0]} token"
        return None

    def party(self, address: str) -> Party:
        address = to_checksum_address(address)
        return Party(address, self.name(address))

    def token(self, address: str) -> tuple[str, int] | None:
        address = to_checksum_address(address)
        if address in self.tokens:
            return self.tokens[address]
        vault = self.vaults.get(address)
        if vault is not None and vault.share_decimals is not None:
            return vault.share_symbol, vault.share_decimals
        return None

    def is_wrapped_native(self, address: str | None) -> bool:
        return bool(address and self.wrapped_native and to_checksum_address(address) == self.wrapped_native)


def registry_names(network: Network) -> dict[str, str]:
    """The network's canonical contracts by address, named (its wrapped coin as "WETH contract")."""
    names = {}
    for key, name in REGISTRY_NAMES.items():
        address = getattr(network, key, None)
        if address:
            names[to_checksum_address(address)] = name
    if network.wrapped_native:
        names[to_checksum_address(network.wrapped_native)] = (
            f"{network.wrapped_native_symbol} (wrapped {network.native_symbol})")
    return names

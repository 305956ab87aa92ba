"""What a local replica of a public network holds, and where (pure, but for reading resources).

A replica is an anvil chain with the network's real chain id on which every contract the app
talks to sits at its REAL address: WETH, the Uniswap V3 factory, SwapRouter02, QuoterV2, the
position manager, the Universal Router and Multicall3 from networks.json; the tokens of the
market snapshot at their real addresses with their real decimals; the curated ERC-4626 vaults
of resources/vaults.json at their real addresses. Pools are created by the factory at its real
address, so their CREATE2 addresses are the real pools' addresses too.

What is NOT real: the code behind the token and vault addresses (the demo's OpenZeppelin ERC-20
and ERC-4626, not USDC's proxy or Yearn's vaults), the liquidity (the demo's depth rule), the
prices (the dated snapshot), and the chain's history (it starts at block 0 today).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.networks import Network
from app.paths import resources_dir

DEFAULT_APY_BPS = 300


@dataclass(frozen=True)
class ReplicaToken:
    snapshot_symbol: str  # the market snapshot's row (its price and market cap)
    symbol: str           # what the token is called on this network
    name: str
    address: str
    decimals: int


@dataclass(frozen=True)
class ReplicaVault:
    name: str
    symbol: str
    address: str
    asset: str            # snapshot symbol of the underlying
    apy_bps: int
    yield_reserve: str    # whole tokens the vault holds to pay its yield


@dataclass(frozen=True)
class ReplicaLayout:
    network: Network
    tokens: dict[str, ReplicaToken]   # by snapshot symbol
    skipped: dict[str, str]           # snapshot symbol -> why it is not on this replica
    vaults: tuple[ReplicaVault, ...]

    def address_of(self, snapshot_symbol: str) -> str:
        return self.tokens[snapshot_symbol].address


def replica_layout(network: Network, snapshot_rows: list[dict], demo_config: dict,
                   curated_vaults: list[dict]) -> ReplicaLayout:
    """Which snapshot tokens exist on ``network`` and at which address; which curated vaults
    can be installed (their asset is on the replica)."""
    tokens: dict[str, ReplicaToken] = {}
    skipped: dict[str, str] = {}
    for row in snapshot_rows:
        found = _token_on(network, row)
        if isinstance(found, str):
            skipped[row["symbol"]] = found
        else:
            tokens[row["symbol"]] = found
    reserves = {v["asset"]: (v["apy_bps"], v["yield_reserve"]) for v in demo_config.get("vaults", [])}
    vaults = []
    for entry in curated_vaults:
        asset = entry["asset"]
        if asset not in tokens:
            continue
        apy_bps, reserve = reserves.get(asset, (DEFAULT_APY_BPS, "1000"))
        vaults.append(ReplicaVault(entry["name"], _vault_symbol(entry), entry["address"], asset,
                                   apy_bps, reserve))
    return ReplicaLayout(network, tokens, skipped, tuple(vaults))


def load_replica_layout(network: Network) -> ReplicaLayout:
    snapshot = json.loads((resources_dir() / "market_snapshot.json").read_text())
    demo_config = json.loads((resources_dir() / "devnet.json").read_text())
    curated = json.loads((resources_dir() / "vaults.json").read_text())["networks"].get(network.key, [])
    return replica_layout(network, snapshot["tokens"], demo_config, curated)


def _token_on(network: Network, row: dict) -> ReplicaToken | str:
    """The token standing for a snapshot row on ``network``, or why there is none."""
    symbol = row["symbol"]
    if symbol == "WETH" and network.wrapped_native:
        return ReplicaToken(symbol, network.wrapped_native_symbol, "Wrapped Ether", network.wrapped_native, 18)
    if symbol == "USDC" and network.usdc:
        return ReplicaToken(symbol, "USDC", "USD Coin", network.usdc, 6)
    if network.key == "ethereum" and row.get("mainnet_address"):
        return ReplicaToken(symbol, symbol, row["name"], row["mainnet_address"], int(row["decimals"]))
    from pathlib import Path

    from app.index import canonical  # the bundled token list and the per-network choices
    from app.session import known_tokens

    choice = (canonical.choices(network.key) or {}).get(symbol)
    if choice is None:
        return f"{symbol}: not a basket constituent with a token chosen on {network.label}"
    if choice.skipped:
        return choice.reason
    token = next((t for t in known_tokens(Path("."), network) if t.address.lower() == choice.address.lower()), None)
    if token is None:
        return f"{symbol}: {choice.address} is not on {network.label}'s token list"
    return ReplicaToken(symbol, token.symbol, token.name or token.symbol, token.address, token.decimals)


def _vault_symbol(entry: dict) -> str:
    if entry.get("symbol"):
        return entry["symbol"]
    if entry.get("protocol") == "yearn-v3":
        return "yv" + entry["name"].split()[0]
    return "mm" + "".join(word[0] for word in entry["name"].split()[:-1]) + entry["asset"]

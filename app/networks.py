"""The networks Basketry knows (resources/networks.json) and how the demo one gets its
addresses (from the devnet's deployment.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from functools import cache

from app.errors import InvalidInput
from app.paths import resources_dir


@dataclass(frozen=True)
class Network:
    key: str
    label: str
    chain_id: int
    native_symbol: str
    devnet: bool
    default_rpc: str | None
    explorer: str | None
    wrapped_native: str | None
    wrapped_native_symbol: str
    usdc: str | None
    factory: str | None
    swap_router: str | None
    quoter: str | None
    position_manager: str | None
    multicall3: str
    universal_router: str | None = None  # Uniswap's Universal Router (ETH-in basket buys)

    def with_deployment(self, deployment: dict) -> Network:
        """The demo network with the addresses its devnet deployed."""
        contracts = deployment["contracts"]
        usdc = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")
        return replace(self, wrapped_native=contracts["weth"], usdc=usdc,
                       factory=contracts["factory"], swap_router=contracts["swap_router"],
                       quoter=contracts["quoter"], position_manager=contracts["position_manager"],
                       multicall3=contracts["multicall3"],
                       universal_router=contracts.get("universal_router"))


@cache
def load_networks() -> dict[str, Network]:
    data = json.loads((resources_dir() / "networks.json").read_text())
    names = {f.name for f in fields(Network)} - {"key"}
    return {key: Network(key=key, **{k: v for k, v in entry.items() if k in names})
            for key, entry in data["networks"].items()}


def get_network(key: str) -> Network:
    networks = load_networks()
    if key not in networks:
        raise InvalidInput(f"unknown network {key!r}; known: {', '.join(networks)}")
    return networks[key]

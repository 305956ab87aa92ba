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
    universal_router_version: str | None = None  # the release deployed there (its encoding)
    genesis_hash: str | None = None  # block 0 of a public chain: any other is refused
    fee_model: str = "l1"  # "l1", "op-stack" (adds the L1 data fee) or "arbitrum"

    @property
    def adds_l1_data_fee(self) -> bool:
        """OP-stack chains charge the cost of posting the transaction to Ethereum on top of gas."""
        return self.fee_model == "op-stack"

    def fee_explanation(self) -> str | None:
        """What a person should know about this network's fee, in one sentence."""
        if self.fee_model == "op-stack":
            return (f"{self.label} also charges an L1 data fee for posting the transaction to "
                    "Ethereum; it is shown separately and included in the total.")
        if self.fee_model == "arbitrum":
            return (f"On {self.label} the node's gas figure already includes the cost of posting "
                    "the transaction to Ethereum.")
        return None

    def with_deployment(self, deployment: dict) -> Network:
        """The demo network with the addresses its devnet deployed."""
        contracts = deployment["contracts"]
        usdc = next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")
        return replace(self, wrapped_native=contracts["weth"], usdc=usdc,
                       factory=contracts["factory"], swap_router=contracts["swap_router"],
                       quoter=contracts["quoter"], position_manager=contracts["position_manager"],
                       multicall3=contracts["multicall3"],
                       universal_router=contracts.get("universal_router"),
                       universal_router_version=contracts.get("universal_router_version",
                                                              self.universal_router_version))


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

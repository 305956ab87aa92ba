"""A connected session on one network: the verified chain, its journal and known tokens.
Opening one settles every journal entry left open by a crash (see app.tx.lifecycle)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.connection import Connection, connect, resolve_rpc_url
from app.devnet.manager import Devnet
from app.errors import InvalidInput
from app.inputs import parse_address
from app.networks import Network, get_network
from app.store import Store
from app.tx.journal import ChainKey, Journal, JournalEntry


@dataclass(frozen=True)
class Token:
    symbol: str
    address: str
    decimals: int


def network_for(home: Path, key: str) -> Network:
    """The network record; the demo one with its devnet's deployed addresses."""
    network = get_network(key)
    if network.devnet:
        deployment = Devnet(home).deployment()
        if deployment is not None:
            network = network.with_deployment(deployment)
    return network


def known_tokens(home: Path, network: Network) -> list[Token]:
    from eth_utils import to_checksum_address  # keccak: loaded on first use

    if network.devnet:
        deployment = Devnet(home).deployment() or {"tokens": []}
        return [Token(t["symbol"], to_checksum_address(t["address"]), int(t["decimals"]))
                for t in deployment["tokens"]]
    tokens = []
    if network.wrapped_native:
        tokens.append(Token(network.wrapped_native_symbol, to_checksum_address(network.wrapped_native), 18))
    if network.usdc:
        tokens.append(Token("USDC", to_checksum_address(network.usdc), 6))
    return tokens


@dataclass
class ChainSession:
    home: Path
    network: Network
    store: Store
    connection: Connection
    journal: Journal
    tokens: list[Token]
    recovered: list[JournalEntry]

    @classmethod
    def open(cls, home: Path, network_key: str, store: Store, rpc: str | None = None) -> ChainSession:
        """Connect (chain id verified, genesis recorded) and settle open journal entries.
        Raises ChainUnavailable, ChainMismatch or InvalidInput (no RPC URL)."""
        from app.tx.lifecycle import recover_open_entries  # the chain and signing code

        network = network_for(home, network_key)
        connection = connect(network, resolve_rpc_url(network, home, store, rpc), store, home=home)
        journal = Journal(store, ChainKey(connection.chain_id, connection.genesis_hash))
        recovered = recover_open_entries(connection.client, journal)
        return cls(home, network, store, connection, journal, known_tokens(home, network), recovered)

    @property
    def client(self):
        return self.connection.client

    @property
    def chain_id(self) -> int:
        return self.connection.chain_id

    def token(self, symbol_or_address: str) -> Token:
        wanted = symbol_or_address.strip()
        if wanted[:2].lower() == "0x":
            wanted = parse_address(wanted, "the token's address")
        for token in self.tokens:
            if token.symbol.lower() == wanted.lower() or token.address.lower() == wanted.lower():
                return token
        raise InvalidInput(f"unknown token {wanted!r} on {self.network.label}; known: "
                           + ", ".join(t.symbol for t in self.tokens))

    def l1_data_fee(self, tx: dict) -> int | None:
        """What an OP-stack chain adds for posting ``tx`` to Ethereum; None elsewhere."""
        if not self.network.adds_l1_data_fee:
            return None
        from app.chain.l1_fee import l1_fees_for

        return l1_fees_for(self.client, [tx], tx["from"])[0]

    def token_labels(self) -> dict[str, tuple[str, int]]:
        return {t.address: (t.symbol, t.decimals) for t in self.tokens}

"""A connected session on one network: the verified chain, its journal and known tokens.
Opening one settles every journal entry left open by a crash (see app.tx.lifecycle).

Known tokens (``known_tokens``, see app.tokens.universe for the precedence and the symbol
rule): on the demo network the devnet's deployment; on a public one its wrapped native coin and
USDC (networks.json), every token of the bundled list for its chain id, the basket tokens the
canonical-token file adds, then the tokens the person added by address for this chain id and
genesis. The list is parsed once per process; a session computes its tokens once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.connection import Connection, connect, resolve_rpc_url
from app.devnet.manager import Devnet
from app.index import canonical
from app.inputs import parse_address
from app.networks import Network, get_network
from app.store import Store
from app.tokens import added
from app.tokens.tokenlist import bundled_list
from app.tokens.universe import LIST, Token, find, merge
from app.tx.journal import ChainKey, Journal, JournalEntry

__all__ = ["ChainSession", "Token", "known_tokens", "network_for"]


def network_for(home: Path, key: str) -> Network:
    """The network record; the demo one with its devnet's deployed addresses."""
    network = get_network(key)
    if network.devnet:
        deployment = Devnet(home).deployment()
        if deployment is not None:
            network = network.with_deployment(deployment)
    return network


def known_tokens(home: Path, network: Network, store: Store | None = None,
                 genesis_hash: str | None = None) -> list[Token]:
    """The network's tokens (see the module's docstring). With a ``store``, the tokens added
    for ``genesis_hash`` (default: the genesis last recorded for this network) come last."""
    from eth_utils import to_checksum_address  # keccak: loaded on first use

    if network.devnet:
        deployment = Devnet(home).deployment() or {"tokens": []}
        own = [Token(t["symbol"], to_checksum_address(t["address"]), int(t["decimals"]), t.get("name", ""))
               for t in deployment["tokens"]]
        listed: tuple[Token, ...] = ()
    else:
        own = []
        if network.wrapped_native:
            own.append(Token(network.wrapped_native_symbol, to_checksum_address(network.wrapped_native), 18,
                             f"Wrapped {network.native_symbol}"))
        if network.usdc:
            own.append(Token("USDC", to_checksum_address(network.usdc), 6, "USD Coin"))
        listed = _listed(network.key, network.chain_id)
    user: list[Token] = []
    if store is not None:
        if genesis_hash is None:
            genesis_hash = store.known_genesis(network.chain_id, network.key)
        user = added.stored(store, network.chain_id, genesis_hash)
    return merge(own, listed, user)


@cache
def _listed(network_key: str, chain_id: int) -> tuple[Token, ...]:
    """The bundled list's tokens and the canonical file's extra ones (built once per process)."""
    return canonical.extra_tokens(network_key) + tuple(
        Token(t.symbol, t.address, t.decimals, t.name, LIST) for t in bundled_list().for_chain(chain_id))


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
        tokens = known_tokens(home, network, store, connection.genesis_hash)
        return cls(home, network, store, connection, journal, tokens, recovered)

    @property
    def client(self):
        return self.connection.client

    @property
    def chain_id(self) -> int:
        return self.connection.chain_id

    @property
    def genesis_hash(self) -> str:
        return self.connection.genesis_hash

    def token(self, symbol_or_address: str) -> Token:
        """The known token a symbol or an address names. Raises InvalidInput (unknown, or a
        symbol several tokens share: every address is listed, none is picked)."""
        wanted = symbol_or_address.strip()
        if wanted[:2].lower() == "0x":
            wanted = parse_address(wanted, "the token's address")
        return find(self.tokens, wanted, self.network.label)

    def add_token(self, address_text: str) -> tuple[Token, bool]:
        """Add the ERC-20 at this address to the known tokens (checked on chain, stored for this
        chain id and genesis). Returns (token, False) if it was known already, as it is."""
        address = parse_address(address_text, "the token's address")
        for token in self.tokens:
            if token.address.lower() == address.lower():
                return token, False
        token = added.read_erc20(self.client, address)
        added.save(self.store, self.chain_id, self.genesis_hash, token)
        self.tokens = merge(self.tokens, [token])
        return token, True

    def added_tokens(self) -> list[Token]:
        return added.stored(self.store, self.chain_id, self.genesis_hash)

    def basket_choices(self):
        """The network's canonical token per basket constituent (None on the demo network)."""
        return canonical.choices(self.network.key)

    def l1_data_fee(self, tx: dict) -> int | None:
        """What an OP-stack chain adds for posting ``tx`` to Ethereum; None elsewhere."""
        if not self.network.adds_l1_data_fee:
            return None
        from app.chain.l1_fee import l1_fees_for

        return l1_fees_for(self.client, [tx], tx["from"])[0]

    def token_labels(self) -> dict[str, tuple[str, int]]:
        return {t.address: (t.symbol, t.decimals) for t in self.tokens}

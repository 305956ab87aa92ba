"""A summary for a transaction about to be signed on a session: names from the network's
registry, the token universe, the user's vaults and accounts; prices from the caller's plan or
else the newest stored ones (SQLite); the exact transaction simulated on the node (after the
earlier transactions of the same action); the L1 data fee where the network charges one.
Talks to the node: call it on a worker, never on the GUI thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address

from app.tx.describe.amounts import NATIVE_ADDRESS
from app.tx.describe.names import AddressBook, VaultLabel, registry_names
from app.tx.describe.simulation import simulate_for_summary
from app.tx.describe.summary import describe_transaction
from wallet.prompts import SigningSummary

PLATFORM_FEE_NAME = "Basketry platform fee recipient"


def summary_for(session, tx: dict[str, Any], *, prior: Sequence[dict[str, Any]] = (),
                prices: Mapping[str, Decimal] | None = None, notes: tuple[str, ...] = (),
                warnings: tuple[str, ...] = (), vaults: Mapping[str, VaultLabel] | None = None,
                simulate: bool = True) -> SigningSummary:
    """``prices``: USD per whole token by address (NATIVE_ADDRESS for the coin), the plan's;
    stored prices fill the rest. ``prior``: transactions sent before this one in the same action
    (an approval), simulated first. ``vaults``: vaults the caller read (units for sure)."""
    book = address_book(session, vaults)
    merged = {**stored_prices(session), **{to_checksum_address(a) if a != NATIVE_ADDRESS else a: p
                                           for a, p in (prices or {}).items() if p is not None}}
    if session.network.wrapped_native:  # WETH is worth its coin, either way round
        weth = to_checksum_address(session.network.wrapped_native)
        if NATIVE_ADDRESS in merged:
            merged.setdefault(weth, merged[NATIVE_ADDRESS])
        elif weth in merged:
            merged[NATIVE_ADDRESS] = merged[weth]
    simulation = simulate_for_summary(session.client, tx, prior) if simulate else None
    return describe_transaction(tx, session.network.label, session.network.native_symbol,
                                notes=notes, warnings=warnings, l1_fee_wei=session.l1_data_fee(tx),
                                book=book, prices=merged, simulation=simulation)


def address_book(session, vaults: Mapping[str, VaultLabel] | None = None) -> AddressBook:
    network = session.network
    contracts = registry_names(network)
    recipient = session.store.get_setting("platform_fee_recipient")
    if recipient:
        contracts[to_checksum_address(recipient)] = PLATFORM_FEE_NAME
    return AddressBook(native_symbol=network.native_symbol, wrapped_native=network.wrapped_native,
                       contracts=contracts, tokens=session.token_labels(),
                       vaults={**known_vaults(session), **(vaults or {})}, accounts=account_names(session))


def account_names(session) -> dict[str, str]:
    from app.accounts import AccountRegistry

    return {to_checksum_address(r.address): f"your account '{r.label}'" for r in AccountRegistry(session.store).all()}


def known_vaults(session) -> dict[str, VaultLabel]:
    """The catalog's vaults (demo, curated, added), with units from the stored assets."""
    from app.portfolio.records import stored_assets
    from app.tx.journal import ChainKey
    from app.vaults.catalog import catalog

    assets = {to_checksum_address(a.address): a
              for a in stored_assets(session.store, ChainKey(session.chain_id, session.genesis_hash))}
    tokens = session.token_labels()
    by_symbol = {symbol: (address, decimals) for address, (symbol, decimals) in tokens.items()}
    labels = {}
    for entry in catalog(session):
        stored = assets.get(entry.address)
        underlying = stored.underlying if stored and stored.underlying else None
        asset_address, asset_decimals = (underlying, tokens[underlying][1]) if underlying in tokens else \
            by_symbol.get(entry.asset, (None, None))
        labels[entry.address] = VaultLabel(
            name=entry.name, share_symbol=stored.symbol if stored else entry.name + " shares",
            share_decimals=stored.decimals if stored else None, asset=asset_address,
            asset_symbol=tokens[asset_address][0] if asset_address in tokens else None,
            asset_decimals=asset_decimals)
    return labels


def stored_prices(session) -> dict[str, Decimal]:
    """The newest stored USD price of each asset (app.portfolio.records), by address."""
    from app.portfolio.records import latest_prices
    from app.tx.journal import ChainKey

    rows = latest_prices(session.store, ChainKey(session.chain_id, session.genesis_hash))
    return {(address if address == NATIVE_ADDRESS else to_checksum_address(address)): row.usd
            for address, row in rows.items()}

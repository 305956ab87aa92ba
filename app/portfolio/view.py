"""The portfolio as the user sees it, assembled from SQLite alone (so it opens offline): each
holding with its balance, price, value, the price's source and when each was last seen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from app.accounting.money import ACCOUNTING_CONTEXT, ZERO
from app.errors import InvalidInput
from app.networks import Network
from app.portfolio.assets import Asset
from app.portfolio.records import latest_prices, snapshots, stored_assets, stored_balances
from app.store import Store
from app.tx.journal import ChainKey

CENT = Decimal("0.01")


@dataclass(frozen=True)
class HoldingRow:
    """One asset summed over the accounts (``by_account`` keeps the split)."""

    symbol: str
    address: str
    kind: str                       # native | token | vault
    decimals: int
    balance: Decimal                # whole units
    price_usd: Decimal | None
    value_usd: Decimal | None
    price_source: str | None
    price_as_of: int | None
    balance_as_of: int
    block: int
    underlying: str | None = None   # a vault's asset
    by_account: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Portfolio:
    network: str
    chain: ChainKey
    as_of: int | None               # when the newest balance was read (block time)
    block: int | None
    holdings: list[HoldingRow]      # native coin and tokens
    vaults: list[HoldingRow]        # vault shares, valued through their asset
    total_usd: Decimal
    unpriced: list[str]             # symbols held without any price
    history: list[tuple[int, Decimal]]  # value over time (stored snapshots)
    offline: bool = False

    @property
    def rows(self) -> list[HoldingRow]:
        return self.holdings + self.vaults

    def allocation(self) -> list[tuple[str, Decimal]]:
        """(symbol, share of the total) of every priced row, largest first."""
        if not self.total_usd:
            return []
        with localcontext(ACCOUNTING_CONTEXT):
            shares = [(r.symbol, r.value_usd / self.total_usd) for r in self.rows if r.value_usd]
        return sorted(shares, key=lambda s: s[1], reverse=True)


def chain_key_offline(store: Store, network: Network) -> ChainKey:
    """The chain this network served last (from SQLite): what an offline review shows."""
    genesis = store.known_genesis(network.chain_id, network.key)
    if genesis is None:
        raise InvalidInput(f"nothing stored for {network.label} yet: open it online once "
                           "(`basketry portfolio`) before reviewing it offline")
    return ChainKey(network.chain_id, genesis)


def load_portfolio(store: Store, network: Network, key: ChainKey, accounts: Iterable[str],
                   offline: bool = False) -> Portfolio:
    accounts = list(accounts)
    assets = {a.address: a for a in stored_assets(store, key)}
    prices = latest_prices(store, key)
    totals: dict[str, dict[str, int]] = {}
    seen: dict[str, tuple[int, int]] = {}
    for row in stored_balances(store, key, accounts):
        if row.balance and row.token in assets:
            totals.setdefault(row.token, {})[row.account] = row.balance
        at = seen.get(row.token)
        if at is None or row.observed_at > at[0]:
            seen[row.token] = (row.observed_at, row.block)
    holdings, vaults, unpriced = [], [], []
    total = ZERO
    with localcontext(ACCOUNTING_CONTEXT):
        for address, by_account in totals.items():
            asset: Asset = assets[address]
            balance = sum((Decimal(v) for v in by_account.values()), ZERO).scaleb(-asset.decimals)
            price = prices.get(address)
            value = (balance * price.usd).quantize(CENT) if price else None
            if value is None:
                unpriced.append(asset.symbol)
            else:
                total += value
            row = HoldingRow(asset.symbol, address, asset.kind, asset.decimals, balance,
                             price.usd if price else None, value, price.source if price else None,
                             price.observed_at if price else None, seen[address][0], seen[address][1],
                             asset.underlying,
                             {a: Decimal(v).scaleb(-asset.decimals) for a, v in by_account.items()})
            (vaults if asset.kind == "vault" else holdings).append(row)
    order = {"native": 0, "token": 1, "vault": 2}
    for rows in (holdings, vaults):
        rows.sort(key=lambda r: (-(r.value_usd or ZERO), order.get(r.kind, 3), r.symbol))
    as_of = max((s[0] for s in seen.values()), default=None)
    block = max((s[1] for s in seen.values()), default=None)
    return Portfolio(network.key, key, as_of, block, holdings, vaults, total, sorted(unpriced),
                     snapshots(store, key), offline)

"""The chain side of the portfolio: which assets there are, and ONE Multicall3 read of every
balance of every account, every pool state that prices them, and every vault's share price.

The same read runs at a past block (``block=N``) to price a transaction at its time, when the
node still has that block's state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector as selector
from eth_utils import to_checksum_address

from app.chain.multicall import MULTICALL3_ADDRESS, Call, CallResult
from app.index.quotes import FEE_TIERS
from app.index.routers import V3_POOL_INIT_CODE_HASH, pool_address
from app.portfolio.assets import NATIVE_ADDRESS, Asset, native_asset
from app.portfolio.pricing import PoolRead
from app.session import ChainSession

_BALANCE_OF = selector("balanceOf(address)")
_ETH_BALANCE = selector("getEthBalance(address)")
_SLOT0 = selector("slot0()")
_LIQUIDITY = selector("liquidity()")
_CONVERT_TO_ASSETS = selector("convertToAssets(uint256)")
_PREVIEW_REDEEM = selector("previewRedeem(uint256)")
_ASSET = selector("asset()")
_DECIMALS = selector("decimals()")
_SYMBOL = selector("symbol()")
_BLOCK_NUMBER = selector("getBlockNumber()")
_TIMESTAMP = selector("getCurrentBlockTimestamp()")


@dataclass(frozen=True)
class ChainState:
    block: int
    timestamp: int
    balances: dict[tuple[str, str], int]   # (account, asset address) -> base units
    pools: list[PoolRead]
    share_prices: dict[str, int]           # vault -> asset base units redeeming one whole share pays


def portfolio_assets(session: ChainSession) -> list[Asset]:
    """The native coin, the network's tokens, and every vault of its catalog (read once, then
    named from the ``tokens`` table); all recorded in ``tokens`` so they are named offline."""
    from app.vaults.catalog import catalog  # noqa: PLC0415 (vaults import the session too)

    assets = [native_asset(session.network.native_symbol)]
    assets += [Asset(t.symbol, t.address, t.decimals, "token") for t in session.tokens]
    known = {a.address for a in assets}
    vaults = [e.address for e in catalog(session) if e.address not in known]
    assets += _vault_assets(session, vaults)
    _record_assets(session, assets)
    return assets


def _vault_assets(session: ChainSession, addresses: list[str]) -> list[Asset]:
    store = session.store
    key = [session.chain_id, session.connection.genesis_hash]
    cached = {row[0]: Asset(row[1], row[0], int(row[2]), "vault", row[3]) for row in store.db.execute(
        "SELECT address, symbol, decimals, underlying FROM tokens WHERE chain_id = ? AND genesis_hash = ?"
        " AND kind = 'vault'", key).fetchall()}
    missing = [a for a in addresses if a not in cached]
    if missing:
        calls = [Call(a, sig) for a in missing for sig in (_ASSET, _DECIMALS, _SYMBOL)]
        results = session.client.multicall(calls)
        for index, address in enumerate(missing):
            asset_r, decimals_r, symbol_r = results[3 * index:3 * index + 3]
            if not (asset_r.success and decimals_r.success and len(asset_r.data) >= 32):
                continue  # not answering as a vault on this chain (e.g. a curated one elsewhere)
            cached[address] = Asset(_text(symbol_r) or address[:10], address, _word(decimals_r), "vault",
                                    to_checksum_address("0x" + asset_r.data[12:32].hex()))
    return [cached[a] for a in addresses if a in cached]


def _record_assets(session: ChainSession, assets: list[Asset]) -> None:
    store = session.store
    with store.lock, store.db.conn:
        store.db.conn.executemany(
            "INSERT OR REPLACE INTO tokens (chain_id, genesis_hash, address, symbol, name, decimals, kind,"
            " underlying) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            [(session.chain_id, session.connection.genesis_hash, a.address, a.symbol, a.decimals, a.kind,
              a.underlying) for a in assets])


def read_state(session: ChainSession, assets: Iterable[Asset], accounts: Iterable[str],
               block: int | str = "latest") -> ChainState:
    """Balances of ``accounts`` (none for a pricing-only read), pool states and vault share
    prices, in ONE ``eth_call``."""
    assets = list(assets)
    accounts = [to_checksum_address(a) for a in accounts]
    network = session.network
    calls = [Call(MULTICALL3_ADDRESS, _BLOCK_NUMBER), Call(MULTICALL3_ADDRESS, _TIMESTAMP)]
    balance_keys = []
    for account in accounts:
        for asset in assets:
            if asset.is_native:
                calls.append(Call(MULTICALL3_ADDRESS, _ETH_BALANCE + encode(["address"], [account])))
            else:
                calls.append(Call(asset.address, _BALANCE_OF + encode(["address"], [account])))
            balance_keys.append((account, asset.address))
    pool_keys = _pool_keys(assets, network.factory, network.usdc, network.wrapped_native)
    for *_pair, pool in pool_keys:
        calls += [Call(pool, _SLOT0), Call(pool, _LIQUIDITY)]
    vaults = [a for a in assets if a.kind == "vault"]
    # a share is worth what redeeming it pays: previewRedeem (exit fee taken), convertToAssets if
    # the vault does not answer it. Per whole share, not of the held shares (the held amount is
    # read in this same call, so it cannot be its argument): equal for a fee in percent.
    for v in vaults:
        one = encode(["uint256"], [10**v.decimals])
        calls += [Call(v.address, _PREVIEW_REDEEM + one), Call(v.address, _CONVERT_TO_ASSETS + one)]

    results = session.client.multicall(calls, block)
    balances = {key: _word(r) for key, r in zip(balance_keys, results[2:], strict=False)}
    offset = 2 + len(balance_keys)
    pools = []
    for index, (token, quote, fee, _pool) in enumerate(pool_keys):
        slot0, liquidity = results[offset + 2 * index], results[offset + 2 * index + 1]
        if slot0.success and len(slot0.data) >= 32:
            pools.append(PoolRead(token, quote, fee, _word(slot0), _word(liquidity)))
    offset += 2 * len(pool_keys)
    share_prices = {}
    for index, v in enumerate(vaults):
        for r in results[offset + 2 * index:offset + 2 * index + 2]:
            if r.success and len(r.data) >= 32:
                share_prices[v.address] = _word(r)
                break
    return ChainState(_word(results[0]), _word(results[1]), balances, pools, share_prices)


def _pool_keys(assets: list[Asset], factory: str | None, usdc: str | None,
               weth: str | None) -> list[tuple[str, str, int, str]]:
    if factory is None:
        return []
    quotes = [q for q in (usdc, weth) if q]
    keys = []
    for asset in assets:
        if asset.kind != "token" or asset.address == usdc:
            continue
        for quote in quotes:
            if asset.address == quote or (asset.address == weth and quote != usdc):
                continue
            for fee in FEE_TIERS:
                keys.append((asset.address, quote, fee,
                             pool_address(factory, asset.address, quote, fee, V3_POOL_INIT_CODE_HASH)))
    return keys


def _word(result: CallResult) -> int:
    return int.from_bytes(result.data[:32], "big") if result.success and len(result.data) >= 32 else 0


def _text(result: CallResult) -> str:
    if not result.success or len(result.data) < 64:
        return ""
    try:
        length = int.from_bytes(result.data[32:64], "big")
        return result.data[64:64 + length].decode("utf-8", "replace")
    except (ValueError, OverflowError):
        return ""


__all__ = ["NATIVE_ADDRESS", "ChainState", "portfolio_assets", "read_state"]

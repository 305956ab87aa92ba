"""Reading an ERC-4626 vault (and checking it is one) in one Multicall3 call, then its asset's
side and the fee probes in a second; every read is stored as a share-price sample.

Fees are measured, not looked up: the entry fee is what ``previewDeposit`` gives below
``convertToShares`` for the same assets, the exit fee what ``previewRedeem`` pays below
``convertToAssets`` for the same shares (both probed at 10**decimals units), and a position is
worth what ``previewRedeem`` of its shares pays (see app/vaults/fees.py)."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector as selector
from eth_utils import to_checksum_address

from app.chain.multicall import MULTICALL3_ADDRESS, Call
from app.errors import InvalidInput
from app.inputs import parse_address
from app.session import ChainSession
from app.vaults.fees import VaultFees, measured_fees
from app.vaults.liquidity import Withdrawable, withdrawable

# The interface the issue requires; a contract missing any of these is not accepted.
REQUIRED = ("asset()", "totalAssets()", "convertToShares(uint256)", "convertToAssets(uint256)",
            "previewDeposit(uint256)", "previewRedeem(uint256)", "maxDeposit(address)",
            "maxWithdraw(address)", "decimals()")
# Fee getters some vault families expose: (signature, unit of the answer).
FEE_GETTERS = (("fee()", "wad"),              # MetaMorpho: performance fee, 1e18 = 100%
               ("performanceFee()", "bps"),   # Yearn v3 tokenized strategies
               ("managementFee()", "bps"))


@dataclass(frozen=True)
class VaultInfo:
    address: str
    name: str
    symbol: str
    decimals: int
    asset: str
    asset_symbol: str
    asset_decimals: int
    total_assets: int
    total_supply: int
    share_price: int            # assets (base units) per 10**decimals shares
    max_deposit: int
    max_withdraw: int
    shares: int                 # the owner's
    asset_balance: int          # the owner's
    fees: dict[str, str]        # name -> human text; empty: not disclosed on-chain
    block: int
    timestamp: int
    max_redeem: int | None = None  # maxRedeem(owner) in shares; None: the vault does not answer it
    # the fee probes at 10**decimals units (None: the vault did not answer), and the position's
    # redeem value: previewRedeem(shares) (None: not read, then shares x share price)
    probe_shares: int | None = None        # convertToShares(10**decimals assets)
    probe_deposit: int | None = None       # previewDeposit(10**decimals assets)
    probe_redeem: int | None = None        # previewRedeem(10**decimals shares); share_price is convertToAssets
    redeem_value: int | None = None

    @property
    def fees_measured(self) -> VaultFees:
        """Entry and exit fees as the vault's own previews charge them (see app/vaults/fees.py)."""
        return measured_fees(self.probe_shares, self.probe_deposit, self.share_price, self.probe_redeem,
                             self.fees)

    @property
    def position_value(self) -> int:
        """What redeeming every share of the owner pays now (previewRedeem), in asset base units."""
        if self.redeem_value is not None:
            return self.redeem_value
        return self.shares * self.share_price // 10**self.decimals

    def withdrawable(self) -> Withdrawable:
        """What of the owner's position can be withdrawn now (maxWithdraw/maxRedeem)."""
        return withdrawable(self.shares, self.share_price, self.decimals, self.max_withdraw, self.max_redeem,
                            self.asset_decimals, self.asset_symbol, value=self.redeem_value)


def read_vault(session: ChainSession, address: str, owner: str) -> VaultInfo:
    """Raises InvalidInput if ``address`` is not a contract with the ERC-4626 interface."""
    address, owner = parse_address(address, "the vault's address"), to_checksum_address(owner)
    one = 10**6
    args = {"convertToShares(uint256)": [one], "convertToAssets(uint256)": [one], "previewDeposit(uint256)": [one],
            "previewRedeem(uint256)": [one], "maxDeposit(address)": [owner], "maxWithdraw(address)": [owner]}
    calls = [Call(address, _call(sig, args.get(sig, []))) for sig in REQUIRED]
    extra = ["name()", "symbol()", "totalSupply()"]
    calls += [Call(address, _call(sig, [])) for sig in extra]
    calls.append(Call(address, _call("balanceOf(address)", [owner])))
    calls += [Call(address, _call(sig, [])) for sig, _unit in FEE_GETTERS]
    calls.append(Call(address, _call("maxRedeem(address)", [owner])))  # ERC-4626, but not required here
    calls += [Call(MULTICALL3_ADDRESS, _call("getBlockNumber()", [])),
              Call(MULTICALL3_ADDRESS, _call("getCurrentBlockTimestamp()", []))]
    results = session.client.multicall(calls)
    missing = [sig for sig, r in zip(REQUIRED, results, strict=False) if not r.success or len(r.data) < 32]
    if missing:
        raise InvalidInput(f"{address} is not an ERC-4626 vault: it does not answer {', '.join(missing)}")
    words = {sig: r for sig, r in zip(REQUIRED + tuple(extra) + ("balanceOf",), results, strict=False)}
    asset = to_checksum_address("0x" + words["asset()"].data[12:32].hex())
    decimals = _int(words["decimals()"])
    fees = {}
    offset = len(REQUIRED) + len(extra) + 1
    for (sig, unit), result in zip(FEE_GETTERS, results[offset:offset + len(FEE_GETTERS)], strict=True):
        if result.success and len(result.data) >= 32:
            value = _int(result)
            pct = value / 10**16 if unit == "wad" else value / 100
            fees[sig.removesuffix("()")] = f"{pct:g}%"
    block, timestamp = _int(results[-2]), _int(results[-1])
    redeem = results[-3]
    max_redeem = _int(redeem) if redeem.success and len(redeem.data) >= 32 else None
    # the asset's side, the price of exactly one share, the fee probes and the position's value
    unit, shares = 10**decimals, _int(words["balanceOf"])
    asset_calls = [Call(asset, _call("decimals()", [])), Call(asset, _call("symbol()", [])),
                   Call(asset, _call("balanceOf(address)", [owner])),
                   Call(address, _call("convertToAssets(uint256)", [unit])),
                   Call(address, _call("convertToShares(uint256)", [unit])),
                   Call(address, _call("previewDeposit(uint256)", [unit])),
                   Call(address, _call("previewRedeem(uint256)", [unit])),
                   Call(address, _call("previewRedeem(uint256)", [shares]))]
    a = session.client.multicall(asset_calls)
    info = VaultInfo(address, _text(words["name()"]), _text(words["symbol()"]), decimals, asset, _text(a[1]),
                     _int(a[0]), _int(words["totalAssets()"]), _int(words["totalSupply()"]), _int(a[3]),
                     _int(words["maxDeposit(address)"]), _int(words["maxWithdraw(address)"]),
                     shares, _int(a[2]), fees, block, timestamp, max_redeem,
                     _maybe(a[4]), _maybe(a[5]), _maybe(a[6]), _maybe(a[7]) if shares else 0)
    record_sample(session, info)
    return info


def record_sample(session: ChainSession, info: VaultInfo) -> None:
    """A share-price sample for the trailing APY (one per vault per block)."""
    store, key = session.store, (session.chain_id, session.connection.genesis_hash)
    with store.lock, store.db.conn:
        store.db.execute("INSERT OR IGNORE INTO vaults (chain_id, genesis_hash, address, name, asset_address)"
                         " VALUES (?, ?, ?, ?, ?)", [*key, info.address, info.name, info.asset])
        store.db.execute("INSERT OR IGNORE INTO vault_samples (chain_id, genesis_hash, vault_address, block,"
                         " timestamp, share_price, total_assets) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [*key, info.address, info.block, info.timestamp, str(info.share_price), str(info.total_assets)])


def samples(session: ChainSession, vault: str) -> list[tuple[int, int]]:
    """(timestamp, share price) of every stored sample, oldest first."""
    rows = session.store.db.execute(
        "SELECT timestamp, share_price FROM vault_samples WHERE chain_id = ? AND genesis_hash = ?"
        " AND vault_address = ? ORDER BY timestamp", [session.chain_id, session.connection.genesis_hash,
                                                      to_checksum_address(vault)]).fetchall()
    return [(int(t), int(p)) for t, p in rows]


def _call(signature: str, args: list) -> bytes:
    types = signature[signature.index("(") + 1:-1]
    return selector(signature) + (encode(types.split(","), args) if types else b"")


def _int(result) -> int:
    return int.from_bytes(result.data[:32], "big") if result.success and len(result.data) >= 32 else 0


def _maybe(result) -> int | None:
    return _int(result) if result.success and len(result.data) >= 32 else None


def _text(result) -> str:
    if not result.success or len(result.data) < 64:
        return "?"
    from eth_abi import decode  # noqa: PLC0415

    try:
        return decode(["string"], result.data)[0]
    except Exception:  # a bytes32 symbol (old tokens)
        return result.data[:32].rstrip(b"\0").decode(errors="replace")



"""Deposit and withdraw with a preview first: exact approval + deposit (refused if the
simulation right before sending gives fewer shares than the minimum); withdraw part
(``withdraw``) or all (``redeem`` of every share). Positions and realised yield from lots."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector as selector
from eth_utils import to_checksum_address

from app.errors import BasketryError, ChainError, InvalidInput
from app.index.planner import allowance_slot, eth_usd_from_scan
from app.index.quotes import scan_pools
from app.index.routers import encode_erc20_approve
from app.index.routing import parse_slippage
from app.inputs import parse_units
from app.portfolio.method_setting import method_or_saved
from app.session import ChainSession
from app.trade_warnings import as_notes, fee_warnings, slippage_warnings
from app.tx import lifecycle
from app.tx.builder import next_nonce, simulate
from app.tx.describe.balance_changes import TRANSFER_TOPIC
from app.tx.describe.session import summary_for
from app.tx.fees import suggest_fees
from app.units import format_units
from app.vaults.apy import trailing_apy
from app.vaults.deposit_guard import check_before_send, refuse_unsafe_plan
from app.vaults.fees import measured_fees
from app.vaults.liquidity import refuse_all_text
from app.vaults.lot_selection import take_lots
from app.vaults.reader import VaultInfo, read_vault, samples
from app.vaults.share_price_guard import DepositState, deposit_flags
from wallet.prompts import Prompts
from wallet.signer import MAX_TX_GAS, Signer

_DEPOSIT = selector("deposit(uint256,address)")
_WITHDRAW = selector("withdraw(uint256,address,address)")
_REDEEM = selector("redeem(uint256,address,address)")


@dataclass
class VaultPlan:
    kind: str                        # "vault_deposit" | "vault_withdraw"
    info: VaultInfo
    owner: str
    amount: int                      # assets in (deposit) or assets out (withdraw part); all: 0
    shares: int                      # expected shares in (deposit) or burnt (withdraw)
    min_shares: int                  # deposit: the least accepted
    transactions: list[dict[str, Any]]
    kinds: list[str]
    preview: dict
    all_shares: bool = False
    slippage_bps: int = 0              # deposit: the tolerance the minimum was made with
    quote_id: int | None = None        # deposit: the stored quote its minimum comes from
    reference_price: int | None = None  # deposit: the share price checked against (None: info's)


def asset_usd(session: ChainSession, asset: str, decimals: int) -> tuple[Decimal, Decimal]:
    """(USD per whole asset, USD per native coin) at the pools' mid prices."""
    usdc, weth = session.token("USDC"), to_checksum_address(session.network.wrapped_native)
    scan = scan_pools(session.client, session.network.factory, usdc.address, weth, [asset, weth],
                      session.network.multicall3, None, True)
    eth = eth_usd_from_scan(scan, weth, usdc)
    if asset == usdc.address:
        return Decimal(1), eth
    if asset == weth:
        return eth, eth
    mids = [mid for (a, b, _f), mid in scan.mids.items() if a == asset and b in (weth, usdc.address)]
    for (a, b, _f), mid in scan.mids.items():
        if a == asset and b == weth:
            per = mid * Fraction(10**decimals, 10**18)
            return Decimal(per.numerator) / Decimal(per.denominator) * eth, eth
    if mids:
        per = mids[0] * Fraction(10**decimals, 10**usdc.decimals)
        return Decimal(per.numerator) / Decimal(per.denominator), eth
    return Decimal(0), eth


def plan_deposit(session: ChainSession, vault: str, amount_text: str, slippage_text: str | None,
                 owner: str) -> VaultPlan:
    info = read_vault(session, vault, owner)
    amount = parse_units(amount_text, info.asset_decimals)
    slippage_bps = parse_slippage(slippage_text)
    if amount > info.asset_balance:
        raise InvalidInput(f"{format_units(amount, info.asset_decimals)} {info.asset_symbol} is above the balance "
                           f"of {format_units(info.asset_balance, info.asset_decimals)} {info.asset_symbol}")
    if amount > info.max_deposit:
        raise InvalidInput(f"the vault accepts at most {format_units(info.max_deposit, info.asset_decimals)} "
                           f"{info.asset_symbol} now (maxDeposit)")
    client = session.client
    approve = {"from": owner, "to": info.asset, "value": 0,
               "data": "0x" + encode_erc20_approve(info.address, amount).hex()}
    deposit = {"from": owner, "to": info.address, "value": 0,
               "data": "0x" + (_DEPOSIT + encode(["uint256", "address"], [amount, owner])).hex()}
    slot = allowance_slot(session, info.asset, owner, info.address)
    override = {info.asset: {"stateDiff": {slot: "0x" + amount.to_bytes(32, "big").hex()}}}
    preview_call = {"to": info.address, "data": "0x" + (selector("previewDeposit(uint256)")
                                                         + encode(["uint256"], [amount])).hex()}
    convert_call = {"to": info.address, "data": "0x" + (selector("convertToShares(uint256)")
                                                        + encode(["uint256"], [amount])).hex()}
    results = client.batch([("eth_call", [preview_call, "latest"]), ("eth_estimateGas", [approve]),
                            ("eth_estimateGas", [deposit, "latest", override]),
                            ("eth_call", [deposit, "latest", override]), ("eth_call", [convert_call, "latest"])])
    for result in results:
        if isinstance(result, BasketryError):
            raise ChainError(f"the deposit would fail: {result}")
    shares = int(results[0], 16)
    approve_gas, deposit_gas = int(results[1], 16), int(results[2], 16)
    simulated = int(results[3], 16)
    min_shares = shares * (10_000 - slippage_bps) // 10_000
    fees = suggest_fees(client)
    txs = [approve, deposit]
    kinds = ["approve", "vault_deposit"]
    transactions = [_finish(tx, gas, fees, session.chain_id) for tx, gas in zip(txs, (approve_gas, deposit_gas), strict=True)]
    preview = _preview(session, info, "deposit", amount, shares, min_shares, slippage_bps,
                       approve_gas + deposit_gas, fees, simulated, approve_gas, _l1_fee(session, transactions),
                       transactions)
    preview["fees"] = measured_fees(int(results[4], 16), shares, info.share_price, info.probe_redeem,
                                    info.fees).as_json()  # entry fee at this amount
    preview.setdefault("warnings", []).extend(deposit_flags(DepositState(
        info.symbol, info.decimals, info.asset_symbol, info.asset_decimals, info.total_supply, info.total_assets,
        info.share_price, amount, shares, info.timestamp), samples(session, info.address)))
    return VaultPlan("vault_deposit", info, owner, amount, shares, min_shares, transactions, kinds, preview,
                     slippage_bps=slippage_bps)


def plan_withdraw(session: ChainSession, vault: str, amount_text: str | None, owner: str,
                  available_now: bool = False) -> VaultPlan:
    """``amount_text`` None: everything (redeem every share), refused when the vault limits
    withdrawals now (see app.vaults.liquidity) unless ``available_now``: then redeem what it
    accepts now (maxRedeem)."""
    info = read_vault(session, vault, owner)
    if info.shares == 0:
        raise InvalidInput(f"this account has no shares of {info.name}")
    free = info.withdrawable()
    if amount_text is None:
        if free.limited and not available_now:
            raise InvalidInput(refuse_all_text(free, info.name))
        if free.shares_now == 0:
            raise InvalidInput(f"nothing can be withdrawn from {info.name} now ({free.text()})")
        redeem = free.shares_now if available_now else info.shares
        assets_call = {"to": info.address, "data": "0x" + (selector("previewRedeem(uint256)")
                                                           + encode(["uint256"], [redeem])).hex()}
        amount = int(session.client.rpc("eth_call", [assets_call, "latest"]), 16)
        shares, data = redeem, _REDEEM + encode(["uint256", "address", "address"], [redeem, owner, owner])
    else:
        amount = parse_units(amount_text, info.asset_decimals)
        if amount > info.max_withdraw:
            raise InvalidInput(f"{format_units(amount, info.asset_decimals)} {info.asset_symbol} is more than can "
                               f"be withdrawn: {free.text()} (maxWithdraw)")
        shares_call = {"to": info.address, "data": "0x" + (selector("previewWithdraw(uint256)")
                                                           + encode(["uint256"], [amount])).hex()}
        shares = int(session.client.rpc("eth_call", [shares_call, "latest"]), 16)
        data = _WITHDRAW + encode(["uint256", "address", "address"], [amount, owner, owner])
    tx = {"from": owner, "to": info.address, "value": 0, "data": "0x" + data.hex()}
    simulate(session.client, tx)
    gas = session.client.estimate_gas(tx)
    fees = suggest_fees(session.client)
    transactions = [_finish(tx, gas, fees, session.chain_id)]
    preview = _preview(session, info, "withdraw", amount, shares, shares, 0, gas, fees, None, 0,
                       _l1_fee(session, transactions), transactions)
    preview["fees"] = _exit_fees(session, info, shares)
    preview["position"] = position(session, info, owner)
    preview["withdrawable"] = {**free.as_json(), "text": free.text()}
    return VaultPlan("vault_withdraw", info, owner, amount, shares, shares, transactions,
                     ["vault_withdraw"], preview, all_shares=amount_text is None and shares == info.shares)


def execute_vault_plan(session: ChainSession, plan: VaultPlan, signer: Signer, prompts: Prompts,
                       accept_share_price: bool = False, method: str | None = None) -> dict[str, Any]:
    """Send the plan. A withdrawal's yield is costed by ``method`` (None: the saved cost-basis
    method, app/portfolio/method_setting.py). A deposit is refused (nothing sent) with no minimum or expected shares, with
    share-price flags not accepted, and when, right before the approval and again right before
    the deposit, it would give fewer shares than the minimum or the share price moved past the
    tolerance (app/vaults/deposit_guard.py)."""
    client, journal, store = session.client, session.journal, session.store
    method = method_or_saved(store, method)
    take_lots([], 0, method)  # an unknown method is refused before anything is sent
    if plan.kind == "vault_deposit":
        refuse_unsafe_plan(plan, accept_share_price)
        check_before_send(session, plan)
    with store.lock, store.db.conn:
        preview_id = int(store.db.execute(
            "INSERT INTO previews (chain_id, genesis_hash, kind, created_at, block, preview_json)"
            " VALUES (?, ?, ?, ?, ?, ?)", [session.chain_id, session.connection.genesis_hash, plan.kind,
                                          int(time.time()), plan.info.block, json.dumps(plan.preview)]).lastrowid)
    entries = []
    prices, vaults = vault_prices(session, plan.info), vault_labels(plan.info)
    for tx, kind in zip(plan.transactions, plan.kinds, strict=True):
        tx = {**tx, "nonce": next_nonce(client, journal, plan.owner)}
        if kind == "vault_deposit":  # ERC-4626 deposit has no minimum: check right before sending
            check_before_send(session, plan, approval_sent=bool(entries))
            shares = int.from_bytes(simulate(client, tx)[:32], "big")
            if shares < plan.min_shares:
                raise InvalidInput(f"the deposit would give {format_units(shares, plan.info.decimals)} shares, below "
                                   f"the minimum {format_units(plan.min_shares, plan.info.decimals)}: not sent")
        summary = summary_for(session, tx, prices=prices, vaults=vaults,
                              warnings=as_notes(plan.preview.get("warnings", [])) if kind != "approve" else ())
        entry = lifecycle.send(client, journal, signer, tx, session.chain_id, prompts, kind, summary)
        entries.append(entry)
        if entry.status != "confirmed":
            break
    final = entries[-1]
    realised = {"status": final.status, "tx_hash": final.tx_hash,
                "gas_used": int((final.receipt or {}).get("gasUsed", 0))}
    if final.status == "confirmed" and final.kind == plan.kind:
        realised.update(_record(session, plan, final, method))
    with store.lock, store.db.conn:
        store.db.execute("UPDATE previews SET realized_json = ?, transaction_id = ? WHERE id = ?",
                         [json.dumps(realised), final.id, preview_id])
    return realised


def vault_prices(session: ChainSession, info: VaultInfo) -> dict:
    """USD per whole asset, share and native coin, at the pools' mids (for the signing summary)."""
    from app.tx.describe.amounts import NATIVE_ADDRESS

    usd, eth_usd = asset_usd(session, info.asset, info.asset_decimals)
    share_usd = Decimal(info.share_price) / Decimal(10**info.asset_decimals) * usd
    return {info.asset: usd, info.address: share_usd, NATIVE_ADDRESS: eth_usd}


def vault_labels(info: VaultInfo) -> dict:
    from app.tx.describe.names import VaultLabel

    return {info.address: VaultLabel(info.name, info.symbol, info.decimals, info.asset, info.asset_symbol,
                                     info.asset_decimals)}


def _record(session: ChainSession, plan: VaultPlan, entry, method: str) -> dict[str, Any]:
    """Shares minted/burnt and assets moved, from the receipt's Transfer logs; lots updated."""
    info, owner = plan.info, plan.owner
    moved: dict[tuple[str, str, str], int] = {}
    for log in (entry.receipt or {}).get("logs", []):
        topics = log.get("topics", [])
        if len(topics) == 3 and topics[0] == TRANSFER_TOPIC:
            key = (to_checksum_address(log["address"]), "0x" + topics[1][-40:], "0x" + topics[2][-40:])
            moved[key] = moved.get(key, 0) + int(log["data"], 16)
    owner_l, zero = owner.lower(), "0x" + "0" * 40
    store, key = session.store, (session.chain_id, session.connection.genesis_hash)
    usd, _eth = asset_usd(session, info.asset, info.asset_decimals)
    now = int(time.time())
    if plan.kind == "vault_deposit":
        minted = sum(v for (t, f, to), v in moved.items() if t == info.address and f == zero and to == owner_l)
        paid = sum(v for (t, f, to), v in moved.items() if t == info.asset and f == owner_l)
        with store.lock, store.db.conn:
            store.db.execute(
                "INSERT INTO lots (chain_id, genesis_hash, account_address, token_address, acquired_at, quantity,"
                " remaining, cost_usd, transaction_id, cost_asset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*key, owner, info.address, now, str(minted), str(minted),
                 str((Decimal(paid) / Decimal(10**info.asset_decimals) * usd).quantize(Decimal("0.000001"))),
                 entry.id, str(paid)])
        return {"shares_received": format_units(minted, info.decimals), "expected_shares": format_units(plan.shares, info.decimals),
                "min_shares": format_units(plan.min_shares, info.decimals),
                "assets_paid": format_units(paid, info.asset_decimals)}
    burnt = sum(v for (t, f, to), v in moved.items() if t == info.address and f == owner_l and to == zero)
    received = sum(v for (t, f, to), v in moved.items() if t == info.asset and to == owner_l)
    cost = _consume_lots(session, owner, info.address, burnt, method)
    return {"shares_burnt": format_units(burnt, info.decimals), "assets_received": format_units(received, info.asset_decimals),
            "cost_basis": format_units(cost, info.asset_decimals), "cost_basis_method": method,
            "realized_yield": format_units(received - cost, info.asset_decimals) if received >= cost
            else "-" + format_units(cost - received, info.asset_decimals), "asset": info.asset_symbol}


def _consume_lots(session: ChainSession, owner: str, vault: str, shares: int, method: str) -> int:
    """Take ``shares`` out of the open lots by ``method``; return the asset cost of what was taken."""
    store, key = session.store, (session.chain_id, session.connection.genesis_hash)
    with store.lock, store.db.conn:
        rows = store.db.execute(
            "SELECT id, quantity, remaining, cost_asset FROM lots WHERE chain_id = ? AND genesis_hash = ? AND"
            " account_address = ? AND token_address = ? AND CAST(remaining AS INTEGER) > 0 ORDER BY acquired_at, id",
            [*key, owner, vault]).fetchall()
        lots = [(lot_id, int(quantity), int(remaining), int(cost_asset or 0))
                for lot_id, quantity, remaining, cost_asset in rows]
        remaining_of = {lot[0]: lot[2] for lot in lots}
        taken, cost = take_lots(lots, shares, method)
        for lot_id, take in taken:
            store.db.execute("UPDATE lots SET remaining = ? WHERE id = ?", [str(remaining_of[lot_id] - take), lot_id])
    return cost


def position(session: ChainSession, info: VaultInfo, owner: str) -> dict[str, Any]:
    """The owner's shares, their value now, cost basis and accrued yield (in the asset)."""
    rows = session.store.db.execute(
        "SELECT quantity, remaining, cost_asset FROM lots WHERE chain_id = ? AND genesis_hash = ? AND"
        " account_address = ? AND token_address = ? AND CAST(remaining AS INTEGER) > 0",
        [session.chain_id, session.connection.genesis_hash, to_checksum_address(owner), info.address]).fetchall()
    cost = sum(int(c or 0) * int(r) // int(q) for q, r, c in rows)
    value = info.position_value  # what redeem pays now: previewRedeem(shares), the exit fee taken
    before_fee = info.shares * info.share_price // 10**info.decimals
    free = info.withdrawable()
    return {"shares": format_units(info.shares, info.decimals), "value": format_units(value, info.asset_decimals),
            "exit_fee": format_units(max(before_fee - value, 0), info.asset_decimals),
            **free.as_json(), "withdrawable_text": free.text() if free.limited else None,
            "cost_basis": format_units(cost, info.asset_decimals),
            "accrued_yield": (format_units(value - cost, info.asset_decimals) if value >= cost
                              else "-" + format_units(cost - value, info.asset_decimals)) if rows else None,
            "asset": info.asset_symbol}


def _preview(session: ChainSession, info: VaultInfo, action: str, amount: int, shares: int, min_shares: int,
             slippage_bps: int, gas: int, fees, simulated: int | None, approve_gas: int,
             l1_fee_wei: int = 0, transactions: list[dict] = ()) -> dict[str, Any]:
    from app.tx.describe.amounts import fee_figure, max_fee_wei

    usd, eth_usd = asset_usd(session, info.asset, info.asset_decimals)
    max_fee = fee_figure(max_fee_wei(list(transactions)), l1_fee_wei, session.network.native_symbol, eth_usd)
    gas_price = fees.base_fee_per_gas + fees.max_priority_fee_per_gas
    l1_eth = Decimal(l1_fee_wei) / Decimal(10**18)
    fee_eth = Decimal(gas * gas_price) / Decimal(10**18) + l1_eth
    fee_usd = fee_eth * eth_usd
    apy = trailing_apy(samples(session, info.address), info.timestamp)
    amount_usd = Decimal(amount) / Decimal(10**info.asset_decimals) * usd
    pnl: dict[str, Any] = {"amount_usd": str(amount_usd.quantize(Decimal("0.01"))),
                           "network_fee_usd": str(fee_usd.quantize(Decimal("0.01")))}
    if apy.apy is not None and action == "deposit":
        daily = amount_usd * ((1 + apy.apy) ** (Decimal(1) / 365) - 1)
        pnl.update({"yield_30d_usd": str((amount_usd * ((1 + apy.apy) ** (Decimal(30) / 365) - 1)).quantize(Decimal("0.01"))),
                    "yield_365d_usd": str((amount_usd * apy.apy).quantize(Decimal("0.01"))),
                    "days_to_earn_back_fee": str((fee_usd / daily).quantize(Decimal("0.1"))) if daily > 0 else None})
    else:
        pnl.update({"yield_30d_usd": None, "yield_365d_usd": None, "days_to_earn_back_fee": None,
                    "note": apy.reason})
    return {"vault": info.address, "name": info.name, "action": action, "asset": info.asset_symbol,
            "amount": format_units(amount, info.asset_decimals),
            "expected_shares": format_units(shares, info.decimals), "min_shares": format_units(min_shares, info.decimals),
            "simulated_shares": format_units(simulated, info.decimals) if simulated is not None else None,
            "slippage_bps": slippage_bps,
            "share_price": format_units(info.share_price, info.asset_decimals),
            "limits": {"max_deposit": _limit(info.max_deposit, info.asset_decimals),
                       "max_withdraw": _limit(info.max_withdraw, info.asset_decimals)},
            "tvl": format_units(info.total_assets, info.asset_decimals),
            "network_fee": {"gas": gas, "approval_gas": approve_gas, "eth": str(fee_eth.quantize(Decimal("0.000000001"))),
                            "native_symbol": session.network.native_symbol,
                            "usd": str(fee_usd.quantize(Decimal("0.01"))),
                            "l1_data_fee_eth": str(l1_eth.quantize(Decimal("0.000000001"))) if l1_fee_wei else None,
                            # the signing summaries' max fee, the same figure (gas limit × max fee + L1)
                            "max_wei": max_fee.total_wei, "max_eth": max_fee.exact.split(" ")[0],
                            "max_display": max_fee.display},
            "apy": apy.as_json(), "fees": info.fees_measured.as_json(), "pnl_preview": pnl,
            "block": info.block,
            "warnings": (slippage_warnings(slippage_bps) if action == "deposit" else [])
            + fee_warnings(fee_usd, amount_usd)}


def _exit_fees(session: ChainSession, info: VaultInfo, shares: int) -> dict[str, Any]:
    """The vault's fees with the exit fee measured at these shares (convertToAssets vs previewRedeem)."""
    calls = [{"to": info.address, "data": "0x" + (selector(sig) + encode(["uint256"], [shares])).hex()}
             for sig in ("convertToAssets(uint256)", "previewRedeem(uint256)")]
    results = session.client.batch([("eth_call", [call, "latest"]) for call in calls])
    gross, net = (None if isinstance(r, BasketryError) else int(r, 16) for r in results)
    return measured_fees(info.probe_shares, info.probe_deposit, gross, net, info.fees).as_json()


def _l1_fee(session: ChainSession, transactions: list[dict]) -> int:
    """OP-stack chains: the L1 data fee of these transactions, sent in order (0 elsewhere)."""
    if not session.network.adds_l1_data_fee:
        return 0
    from app.chain.l1_fee import l1_fees_for

    return sum(l1_fees_for(session.client, transactions, transactions[0]["from"]))


def _limit(value: int, decimals: int) -> str:
    """A vault limit; ERC-4626 uses type(uint256).max for "no limit"."""
    return "no limit" if value >= 2**255 else format_units(value, decimals)


def _finish(tx: dict, gas: int, fees, chain_id: int) -> dict:
    return {**tx, "chainId": chain_id, "gas": min(gas * 6 // 5, MAX_TX_GAS), "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas, "type": 2}



"""Planning an index buy: basket -> weights -> pools (round trip 1) -> quotes (2) -> routes ->
[requote after skips (3)] -> the exact transaction(s), estimated and simulated (4) -> preview.

Only reads: nothing is signed or sent here. ``plan_index_buy`` raises InvalidInput for bad
input (amount, slippage, basket file, balance) before any transaction exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from app.chain.multicall import MULTICALL3_ADDRESS
from app.errors import BasketryError, ChainError, InvalidInput
from app.index import routers
from app.index.baskets import Basket, load_basket, renormalise
from app.index.market import current_snapshot
from app.index.platform_fee import PLATFORM_FEE_RECIPIENT_SETTING, PLATFORM_FEE_SETTING
from app.index.preview import IndexPreview, LegInput, PreviewInput, build_index_preview, min_out
from app.index.quotes import PoolScan, RouteQuote, candidate_routes, quote_routes, scan_pools
from app.index.routing import choose_route, parse_slippage, split_amount
from app.inputs import parse_units
from app.session import ChainSession, Token
from app.trade_warnings import impact_limit, impact_pct
from app.tx.describe.amounts import NATIVE_ADDRESS
from app.tx.fees import fees_from_history
from app.units import format_units
from wallet.signer import MAX_TX_GAS

DEADLINE_SECONDS = 20 * 60
STALE_AFTER_BLOCKS = 3
SPLIT_TARGET_GAS = MAX_TX_GAS * 8 // 10    # room for estimates moving a little
MAX_IMPACT_SETTING = "max_price_impact_pct"
_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
_AGGREGATE3_VALUE = function_signature_to_4byte_selector("aggregate3Value((address,bool,uint256,bytes)[])")


@dataclass(frozen=True)
class PayAsset:
    symbol: str
    address: str          # WETH's for the native coin (what the pools trade)
    decimals: int
    native: bool


@dataclass
class IndexPlan:
    preview: IndexPreview
    basket: Basket
    pay: PayAsset
    sender: str
    legs: list[LegInput]                  # every constituent (skipped ones too)
    swap_legs: list[routers.SwapLeg]      # what the transaction(s) do, in order
    transactions: list[dict[str, Any]]    # unsigned, in sending order (approval first)
    kinds: list[str]                      # "approve" | "index_buy"
    block: int
    gas_estimates: list[int]
    round_trips: int = 0
    notes: list[str] = field(default_factory=list)
    simulated: list[int] | None = None    # per bought leg, what the exact transaction delivers
    prices: dict[str, Decimal] = field(default_factory=dict)  # USD per whole token (signing summaries)

    def is_stale(self, current_block: int) -> bool:
        return current_block - self.block > STALE_AFTER_BLOCKS


def plan_index_buy(session: ChainSession, basket_name: str, amount_text: str, pay_text: str | None,
                   slippage_text: str | None, sender: str, max_impact_text: str | None = None) -> IndexPlan:
    client, network, store = session.client, session.network, session.store
    sender = to_checksum_address(sender)
    pay = _pay_asset(session, pay_text)
    amount = parse_units(amount_text, pay.decimals)
    slippage_bps = parse_slippage(slippage_text)
    basket = load_basket(basket_name, session.tokens, choices=session.basket_choices())
    snapshot = current_snapshot(store).snapshot
    weights = basket.target_weights(snapshot.market_caps)
    max_impact = impact_limit(store.get_setting(MAX_IMPACT_SETTING), max_impact_text)  # 15% by default
    fee_bps = int(store.get_setting(PLATFORM_FEE_SETTING, 0))
    fee_recipient = store.get_setting(PLATFORM_FEE_RECIPIENT_SETTING)
    if fee_bps and not fee_recipient:
        raise InvalidInput("a platform fee is set but no recipient: set both (basketry index fee BPS --recipient ADDR)")
    platform_fee = amount * fee_bps // 10_000
    fee = (fee_recipient, platform_fee) if platform_fee else None
    swap_amount = amount - platform_fee
    weth = to_checksum_address(network.wrapped_native)
    usdc = session.token("USDC")
    tokens = {t.symbol: t for t in basket.tokens}
    spender = None if pay.native else network.swap_router

    # --- round trip 1: pools, balance, allowance -------------------------------------------
    rounds = 1
    targets = [t.address for t in basket.tokens] + [usdc.address]
    scan = scan_pools(client, network.factory, pay.address, weth, targets, sender, spender, pay.native)
    if amount > scan.balance:
        raise InvalidInput(f"{format_units(amount, pay.decimals)} {pay.symbol} is above the balance of "
                           f"{format_units(scan.balance, pay.decimals)} {pay.symbol}")

    # --- round trip 2 (and 3 if legs are skipped): quotes ----------------------------------
    def quote_all(current: dict[str, Decimal]) -> tuple[dict[str, Any], list]:
        amounts = split_amount(swap_amount, current)
        requests, owners = [], []
        for symbol, leg_amount in amounts.items():
            token = tokens[symbol]
            if _is_wrap(pay, token, weth) or leg_amount == 0:
                continue
            for route in candidate_routes(scan, pay.address, weth, token.address):
                requests.append((route, leg_amount))
                owners.append(symbol)
        extra = [("eth_feeHistory", ["0xa", "latest", [50]]), ("eth_getBlockByNumber", ["latest", False])]
        quotes, answers = quote_routes(client, network.quoter, requests, extra)
        by_leg: dict[str, list[RouteQuote | None]] = {s: [] for s in amounts}
        for owner, quote in zip(owners, quotes, strict=True):
            by_leg[owner].append(quote)
        choices = {}
        for symbol, leg_amount in amounts.items():
            if _is_wrap(pay, tokens[symbol], weth):
                choices[symbol] = (None, None, leg_amount)
            else:
                choice = choose_route(symbol, by_leg[symbol], max_impact, pay.symbol)
                choices[symbol] = (choice.quote, choice.skipped, leg_amount)
        return choices, answers

    rounds += 1
    choices, answers = quote_all(weights)
    skipped = {s for s, (q, why, _) in choices.items() if why is not None}
    if skipped:
        tradable = [s for s in weights if s not in skipped]
        if not tradable:
            raise InvalidInput("no constituent of this basket can be bought on this network: "
                               + "; ".join(f"{s}: {choices[s][1]}" for s in skipped))
        reasons = {s: choices[s][1] for s in skipped}
        weights = renormalise(weights, tradable, basket.definition.max_weight)
        rounds += 1
        choices, answers = quote_all(weights)
        for symbol, reason in reasons.items():
            choices[symbol] = (None, reason, 0)
    fees = fees_from_history(answers[0])
    latest = answers[1]
    block, timestamp = int(latest["number"], 16), int(latest["timestamp"], 16)
    deadline = timestamp + DEADLINE_SECONDS

    # --- prices at the pools' mid -------------------------------------------------------------
    eth_usd = eth_usd_from_scan(scan, weth, usdc)
    pay_usd = eth_usd if pay.native or pay.address == weth else Decimal(1)
    legs: list[LegInput] = []
    swap_legs: list[routers.SwapLeg] = []
    for symbol, (quote, why, leg_amount) in choices.items():
        token = tokens[symbol]
        weight = weights.get(symbol, Decimal(0)) if why is None else Decimal(0)
        if why is None and quote is None:  # WETH bought with ETH: wrapped, 1:1, no pool
            wrap_quote = _wrap_quote(pay.address, leg_amount)
            legs.append(LegInput(symbol, token.address, token.decimals, weight, wrap_quote, None, eth_usd))
            swap_legs.append(routers.SwapLeg(token.address, 0, leg_amount, leg_amount, sender))
            continue
        if quote is None:
            legs.append(LegInput(symbol, token.address, token.decimals, Decimal(0), None, why, None))
            continue
        price = _token_usd(quote.route.mid_out_per_in, pay.decimals, token.decimals, pay_usd)
        legs.append(LegInput(symbol, token.address, token.decimals, weight, quote, None, price))
        via = quote.route.tokens[1] if len(quote.route.fees) == 2 else None
        swap_legs.append(routers.SwapLeg(token.address, quote.route.fees[-1], quote.amount_in,
                                         min_out(quote.amount_out, slippage_bps), sender, via,
                                         quote.route.fees[0] if via else None))

    # --- the exact transaction(s) ---------------------------------------------------------------
    approval = None
    if not pay.native and (scan.allowance or 0) < amount:
        approval = {"from": sender, "to": pay.address, "value": 0,
                    "data": "0x" + routers.encode_erc20_approve(network.swap_router, amount).hex()}
    swap_txs = [_swap_tx(network, pay, weth, chunk, deadline, sender, fee=fee) for chunk in [swap_legs]]
    overrides = _allowance_override(session, pay, sender, network.swap_router, amount) if approval else None

    # --- round trip 4: estimates (one tx, each leg alone) and the simulation ------------------
    rounds += 1
    separate = [_swap_tx(network, pay, weth, [leg], deadline, sender, separate=True) for leg in swap_legs]
    requests = [_estimate(tx, overrides) for tx in swap_txs] + [_estimate(tx, overrides) for tx in separate]
    if approval:
        requests.append(("eth_estimateGas", [approval]))
    requests.append(_simulation_request(pay, weth, swap_txs[0], swap_legs, sender, overrides))
    # What the chain will charge (after refunds), not the gas limit eth_estimateGas finds:
    # the one transaction, and the separate swaps one after another, as a user would send them.
    requests.append(_gas_used_request([approval] if approval else [], swap_txs, None))
    requests.append(_gas_used_request([approval] if approval else [], separate, None))
    results = client.batch(requests)
    for result in results[:-2]:
        if isinstance(result, BasketryError):
            raise ChainError(f"the exact transaction would fail: {result}")
    estimates = [int(r, 16) for r in results[:len(swap_txs)]]
    separate_gas = sum(int(r, 16) for r in results[len(swap_txs):len(swap_txs) + len(separate)])
    approval_gas = int(results[len(swap_txs) + len(separate)], 16) if approval else 0
    simulated = _decode_simulation(pay, results[-3], swap_legs)
    used_one, used_separate = _gas_used(results[-2]), _gas_used(results[-1])
    gas_note = None
    if used_one is not None and used_separate is not None:
        approval_used = used_one[0] if approval else 0
        one_used = sum(used_one[1:] if approval else used_one)
        separate_used = sum(used_separate[1:] if approval else used_separate)
    else:
        gas_note = ("This node has no eth_simulateV1: gas figures are eth_estimateGas limits, which "
                    "count gas before refunds; the chain will charge somewhat less.")
        approval_used, one_used, separate_used = approval_gas, sum(estimates), separate_gas

    transactions_needed = 1
    if estimates[0] > SPLIT_TARGET_GAS:  # the gas cap: as few transactions as fit
        transactions_needed = math.ceil(estimates[0] / SPLIT_TARGET_GAS)
        size = math.ceil(len(swap_legs) / transactions_needed)
        chunks = [swap_legs[i:i + size] for i in range(0, len(swap_legs), size)]
        swap_txs = [_swap_tx(network, pay, weth, chunk, deadline, sender, fee=fee if i == 0 else None)
                    for i, chunk in enumerate(chunks)]
        rounds += 1
        chunk_results = client.batch([_estimate(tx, overrides) for tx in swap_txs])
        estimates = [int(r, 16) for r in chunk_results]
        transactions_needed = len(swap_txs)

    gas_price = fees.base_fee_per_gas + fees.max_priority_fee_per_gas
    gas_limit_total = sum(estimates) + approval_gas
    if pay.native and amount + gas_limit_total * fees.max_fee_per_gas > scan.balance:
        raise InvalidInput(f"{format_units(amount, 18)} {pay.symbol} plus up to "
                           f"{format_units(gas_limit_total * fees.max_fee_per_gas, 18)} {pay.symbol} in network fee "
                           f"is above the balance of {format_units(scan.balance, 18)} {pay.symbol}")
    if transactions_needed > 1:  # split: the gas used is the chunks' estimates (no simulation of chunks)
        one_used = sum(estimates)
    transactions, kinds = [], []
    for tx, gas, kind in ([(approval, approval_gas, "approve")] if approval else []) + \
            [(tx, gas, "index_buy") for tx, gas in zip(swap_txs, estimates, strict=True)]:
        transactions.append({**tx, "chainId": session.chain_id, "gas": min(gas * 6 // 5, MAX_TX_GAS),
                             "maxFeePerGas": fees.max_fee_per_gas,
                             "maxPriorityFeePerGas": fees.max_priority_fee_per_gas, "type": 2})
        kinds.append(kind)
    l1_fee = separate_l1_fee = 0
    if network.adds_l1_data_fee:  # OP-stack: the cost of posting each transaction to Ethereum
        from app.chain.l1_fee import l1_fees, read_l1_pricing

        params, next_nonce = read_l1_pricing(client, sender)  # one read for both figures
        l1_fee = sum(l1_fees(params, next_nonce, transactions))
        alone = [{**tx, "chainId": session.chain_id, "gas": transactions[-1]["gas"],
                  "maxFeePerGas": fees.max_fee_per_gas, "maxPriorityFeePerGas": fees.max_priority_fee_per_gas}
                 for tx in ([approval] if approval else []) + separate]
        separate_l1_fee = sum(l1_fees(params, next_nonce, alone))
    preview = build_index_preview(PreviewInput(
        basket=basket.name, pay_symbol=pay.symbol, pay_decimals=pay.decimals, pay_price_usd=pay_usd,
        eth_price_usd=eth_usd, amount_in=amount, platform_fee_bps=fee_bps, platform_fee=platform_fee,
        slippage_bps=slippage_bps, legs=legs, one_tx_gas=one_used + approval_used,
        separate_txs_gas=separate_used + approval_used, gas_price_wei=gas_price,
        max_gas_price_wei=fees.max_fee_per_gas, simulated_out=simulated, block=block,
        transactions=transactions_needed, approval_gas=approval_used,
        gas_limit=sum(tx["gas"] for tx in transactions),  # the signing summaries' max fee, the same figure
        l1_data_fee_wei=l1_fee, separate_l1_fee_wei=separate_l1_fee,
        fee_explanation=network.fee_explanation(),
        native_symbol=network.native_symbol, wrapped_symbol=network.wrapped_native_symbol,
        max_impact_pct=impact_pct(max_impact)))
    if gas_note:
        preview.notes.append(gas_note)
    if basket.definition.skipped:
        preview.notes.append(f"Not on {network.label}, left out of the basket: "
                             + "; ".join(map(str, basket.definition.skipped)))

    prices = {**{leg.address: leg.price_usd for leg in legs if leg.price_usd is not None},
              weth: eth_usd, NATIVE_ADDRESS: eth_usd, pay.address: pay_usd}
    return IndexPlan(preview, basket, pay, sender, legs, swap_legs, transactions, kinds, block,
                     estimates, rounds, simulated=simulated, prices=prices)


# --- helpers ----------------------------------------------------------------------------------
def _pay_asset(session: ChainSession, text: str | None) -> PayAsset:
    """``text`` None: the network's native coin (ETH; POL on Polygon)."""
    wanted = (text or session.network.native_symbol).strip().upper()
    native = session.network.native_symbol.upper()
    if wanted == native:
        return PayAsset(session.network.native_symbol, to_checksum_address(session.network.wrapped_native), 18, True)
    if wanted != "USDC":
        raise InvalidInput(f"pay with {native} or USDC (got {text!r})")
    usdc = session.token("USDC")
    return PayAsset(usdc.symbol, usdc.address, usdc.decimals, False)


def _is_wrap(pay: PayAsset, token: Token, weth: str) -> bool:
    return pay.native and token.address == weth


def _wrap_quote(weth: str, amount: int) -> RouteQuote:
    from app.index.quotes import Route  # noqa: PLC0415

    return RouteQuote(Route((weth, weth), (), Fraction(1)), amount, amount, 0)


def eth_usd_from_scan(scan: PoolScan, weth: str, usdc: Token) -> Decimal:
    mids = [mid for (a, b, _fee), mid in scan.mids.items() if a == weth and b == usdc.address]
    if not mids:
        raise ChainError("no WETH/USDC pool on this network: ETH has no on-chain USD price")
    mid = max(mids)  # USDC base units per wei; tiers agree within their fees
    value = Fraction(mid) * 10**18 / 10**usdc.decimals
    return Decimal(value.numerator) / Decimal(value.denominator)


def _token_usd(mid_out_per_in: Fraction, pay_decimals: int, token_decimals: int, pay_usd: Decimal) -> Decimal:
    whole_per_whole = mid_out_per_in * Fraction(10**pay_decimals, 10**token_decimals)
    return pay_usd / (Decimal(whole_per_whole.numerator) / Decimal(whole_per_whole.denominator))


def _swap_tx(network, pay: PayAsset, weth: str, legs: list[routers.SwapLeg], deadline: int, sender: str,
             separate: bool = False, fee: tuple[str, int] | None = None) -> dict[str, Any]:
    if pay.native:
        if separate and legs[0].token_out == weth:  # on its own, WETH is bought by wrapping
            data = function_signature_to_4byte_selector("deposit()")
            return {"from": sender, "to": weth, "value": legs[0].amount_in, "data": "0x" + data.hex()}
        if separate:  # a user buying one token with ETH, one swap at a time
            data, value = routers.encode_swaprouter02_eth_single(legs[0], deadline, weth)
            return {"from": sender, "to": network.swap_router, "value": value, "data": "0x" + data.hex()}
        router = routers.check_universal_router(network.universal_router, network.universal_router_version,
                                                network.label)
        data, value = routers.encode_universal_router_eth_buy(legs, deadline, weth, fee)
        return {"from": sender, "to": router, "value": value, "data": "0x" + data.hex()}
    data = routers.encode_swaprouter02_token_buy(legs, deadline, pay.address, fee)
    return {"from": sender, "to": network.swap_router, "value": 0, "data": "0x" + data.hex()}


def _estimate(tx: dict[str, Any], overrides: dict | None) -> tuple[str, list]:
    params: list = [_rpc_tx(tx)]
    if overrides:
        params += ["latest", overrides]
    return ("eth_estimateGas", params)


def _rpc_tx(tx: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in tx.items() if k in ("from", "to", "data")}
    out["value"] = hex(int(tx.get("value", 0)))
    return out


def _allowance_override(session: ChainSession, pay: PayAsset, owner: str, spender: str, amount: int) -> dict:
    """A state override granting the exact approval that will be sent first, so the swap can
    be estimated and simulated before the approval exists."""
    slot = allowance_slot(session, pay.address, owner, spender)
    return {pay.address: {"stateDiff": {slot: "0x" + amount.to_bytes(32, "big").hex()}}}


def allowance_slot(session: ChainSession, token: str, owner: str, spender: str) -> str:
    """The storage slot of ``allowance(owner, spender)``, found by probing (solidity and
    vyper layouts, mapping slots 0-15) in one batch; cached per token in settings."""
    key = f"allowance_slot.{session.chain_id}.{token.lower()}"
    cached = session.store.get_setting(key)
    candidates = [cached] if cached else [(base, order) for base in range(16) for order in ("sol", "vy")]
    probe = 0x1234567
    call = {"to": token, "data": "0x" + (function_signature_to_4byte_selector("allowance(address,address)")
                                         + encode(["address", "address"], [owner, spender])).hex()}
    requests = []
    for base, order in candidates:
        slot = _mapping_slot(owner, spender, base, order)
        requests.append(("eth_call", [call, "latest", {token: {"stateDiff": {slot: "0x" + probe.to_bytes(32, "big").hex()}}}]))
    for (base, order), result in zip(candidates, session.client.batch(requests), strict=True):
        if isinstance(result, str) and int(result, 16) == probe:
            session.store.set_setting(key, [base, order])
            return _mapping_slot(owner, spender, base, order)
    raise ChainError(f"cannot find where {token} stores allowances: its swap cannot be estimated "
                     "before the approval; approve first, then preview again")


def _mapping_slot(owner: str, spender: str, base: int, order: str) -> str:
    def slot_of(key: str, at: bytes) -> bytes:
        packed = [encode(["address"], [key]), at] if order == "sol" else [at, encode(["address"], [key])]
        return keccak(b"".join(packed))
    inner = slot_of(owner, base.to_bytes(32, "big"))
    return "0x" + slot_of(spender, inner).hex()


def _simulation_request(pay: PayAsset, weth: str, tx: dict[str, Any], legs: list[routers.SwapLeg],
                        sender: str, overrides: dict | None) -> tuple[str, list]:
    """The exact swap, simulated with eth_call. ETH path: through Multicall3 (balances before,
    the router call with the value, balances after: the router pays from its own WETH, so who
    calls it does not matter). Token path: the router's multicall returns each amount out."""
    if not pay.native:
        params: list = [_rpc_tx(tx), "latest"] + ([overrides] if overrides else [])
        return ("eth_call", params)
    balance_calls = [(leg.token_out, False, 0, _BALANCE_OF + encode(["address"], [sender])) for leg in legs]
    # (the platform fee, if any, goes to its recipient: it changes no balance read here)
    router_call = (tx["to"], False, int(tx["value"]), bytes.fromhex(tx["data"][2:]))
    data = _AGGREGATE3_VALUE + encode(["(address,bool,uint256,bytes)[]"],
                                      [balance_calls + [router_call] + balance_calls])
    return ("eth_call", [{"from": sender, "to": MULTICALL3_ADDRESS, "value": hex(int(tx["value"])),
                          "data": "0x" + data.hex()}, "latest"])


def _gas_used_request(first: list[dict[str, Any]], txs: list[dict[str, Any]],
                      overrides: dict | None) -> tuple[str, list]:
    """eth_simulateV1 of ``first`` then ``txs`` in sequence: the gas each would be charged."""
    block: dict[str, Any] = {"calls": [_rpc_tx(tx) for tx in first + txs]}
    if overrides:
        block["stateOverrides"] = overrides
    return ("eth_simulateV1", [{"blockStateCalls": [block], "validation": False}, "latest"])


def _gas_used(result: Any) -> list[int] | None:
    """Per call gas used from an eth_simulateV1 answer; None if the node lacks it or a call failed."""
    if isinstance(result, Exception) or not isinstance(result, list) or not result:
        return None
    calls = result[0].get("calls", [])
    if any(call.get("status") not in ("0x1", 1) for call in calls):
        return None
    return [int(call["gasUsed"], 16) for call in calls]


def _decode_simulation(pay: PayAsset, result: str, legs: list[routers.SwapLeg]) -> list[int]:
    raw = bytes.fromhex(result[2:])
    if not pay.native:  # the router's multicall answers one result per call; swaps are the last
        (outputs,) = decode(["bytes[]"], raw)
        return [int.from_bytes(o[:32], "big") for o in outputs[len(outputs) - len(legs):]]
    (answers,) = decode(["(bool,bytes)[]"], raw)
    n = len(legs)
    before = [int.from_bytes(a[1][:32], "big") for a in answers[:n]]
    after = [int.from_bytes(a[1][:32], "big") for a in answers[n + 1:]]
    return [b - a for a, b in zip(before, after, strict=True)]


"""Planning an index buy: basket -> weights -> pools (round trip 1) -> quotes (2) -> routes ->
[requote after skips (3)] -> the exact transaction(s), estimated and simulated (4) -> preview.

Routes may split a leg (app.index.split): round trip 2 quotes every route of a leg at 5% steps
of its amount (one batch, bounded by split.MAX_GRID_QUOTES), and round trip 4 estimates and
simulates the split transaction beside the single-route one; the split is kept only if its
simulation delivers more, net of its extra gas. The round trips stay at most 4 (5 when the gas
cap forces several transactions).

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
from app.index.split import SPLIT_ROUTES_SETTING, SplitQuote, best_split, grid_amounts, grid_steps
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
    route_split: dict[str, Any] = field(default_factory=dict)  # split routing: considered, taken, values
    prices: dict[str, Decimal] = field(default_factory=dict)  # USD per whole token (signing summaries)

    def is_stale(self, current_block: int) -> bool:
        return current_block - self.block > STALE_AFTER_BLOCKS


def plan_index_buy(session: ChainSession, basket_name: str, amount_text: str, pay_text: str | None,
                   slippage_text: str | None, sender: str, max_impact_text: str | None = None,
                   split_routes: bool | None = None) -> IndexPlan:
    """``max_impact_text``: the price-impact limit in percent above which a leg is skipped
    (None: the setting, default 15); ``split_routes``: may a leg be split across routes (None:
    the ``index_split_routes`` setting, on by default)."""
    client, network, store = session.client, session.network, session.store
    if split_routes is None:
        split_routes = bool(store.get_setting(SPLIT_ROUTES_SETTING, True))
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
    hubs = (weth, usdc.address)  # two-hop routes: via WETH and via USDC (never the pay token itself)
    scan = scan_pools(client, network.factory, pay.address, weth, targets, sender, spender, pay.native, hubs)
    if amount > scan.balance:
        raise InvalidInput(f"{format_units(amount, pay.decimals)} {pay.symbol} is above the balance of "
                           f"{format_units(scan.balance, pay.decimals)} {pay.symbol}")

    # --- round trip 2 (and 3 if legs are skipped): quotes ----------------------------------
    grids: dict[str, dict] = {}  # symbol -> route -> quotes at each step (the last: the whole leg)

    def quote_all(current: dict[str, Decimal]) -> tuple[dict[str, Any], list]:
        amounts = split_amount(swap_amount, current)
        routes = {symbol: candidate_routes(scan, pay.address, weth, tokens[symbol].address, hubs)
                  for symbol, leg_amount in amounts.items()
                  if leg_amount and not _is_wrap(pay, tokens[symbol], weth)}
        steps = grid_steps([len(r) for r in routes.values()]) if split_routes else None
        requests, owners = [], []
        for symbol, leg_routes in routes.items():
            sizes = grid_amounts(amounts[symbol], steps) if steps and len(leg_routes) > 1 else [amounts[symbol]]
            for route in leg_routes:
                requests += [(route, size) for size in sizes]
                owners += [(symbol, route)] * len(sizes)
        extra = [("eth_feeHistory", ["0xa", "latest", [50]]), ("eth_getBlockByNumber", ["latest", False])]
        quotes, answers = quote_routes(client, network.quoter, requests, extra)
        grids.clear()
        for (symbol, route), quote in zip(owners, quotes, strict=True):
            grids.setdefault(symbol, {}).setdefault(route, []).append(quote)
        choices = {}
        for symbol, leg_amount in amounts.items():
            if _is_wrap(pay, tokens[symbol], weth):
                choices[symbol] = (None, None, leg_amount)
            else:
                whole = [leg_quotes[-1] for leg_quotes in grids.get(symbol, {}).values()]
                choice = choose_route(symbol, whole, max_impact, pay.symbol)
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
    hub_symbols = {weth: network.wrapped_native_symbol, usdc.address: usdc.symbol}
    gas_price = fees.base_fee_per_gas + fees.max_priority_fee_per_gas
    pay_per_wei = Fraction(1) if pay.native or pay.address == weth else _usdc_per_wei(scan, weth, usdc)
    legs: list[LegInput] = []
    swap_legs: list[routers.SwapLeg] = []
    split_legs: list[LegInput] = []      # the same legs, split where a split delivers more
    split_swaps: list[routers.SwapLeg] = []
    for symbol, (quote, why, leg_amount) in choices.items():
        token = tokens[symbol]
        weight = weights.get(symbol, Decimal(0)) if why is None else Decimal(0)
        if why is None and quote is None:  # WETH bought with ETH: wrapped, 1:1, no pool
            wrap_quote = _wrap_quote(pay.address, leg_amount)
            legs.append(LegInput(symbol, token.address, token.decimals, weight, wrap_quote, None, eth_usd))
            swap_legs.append(routers.SwapLeg(token.address, 0, leg_amount, leg_amount, sender))
            split_legs.append(legs[-1])
            split_swaps.append(swap_legs[-1])
            continue
        if quote is None:
            legs.append(LegInput(symbol, token.address, token.decimals, Decimal(0), None, why, None))
            split_legs.append(legs[-1])
            continue
        price = _token_usd(quote.route.mid_out_per_in, pay.decimals, token.decimals, pay_usd)
        legs.append(LegInput(symbol, token.address, token.decimals, weight, quote, None, price, hub_symbols))
        swap_legs += _part_swaps(quote, token.address, slippage_bps, sender)
        split = best_split(leg_amount, grids.get(symbol, {}), gas_price * pay_per_wei * quote.route.mid_out_per_in) \
            if split_routes else None
        split_legs.append(LegInput(symbol, token.address, token.decimals, weight, split, None, price, hub_symbols)
                          if split else legs[-1])
        split_swaps += _part_swaps(split or quote, token.address, slippage_bps, sender)
    splitting = split_swaps != swap_legs

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
    if splitting:  # the split transaction beside it, in the same round trip
        split_tx = _swap_tx(network, pay, weth, split_swaps, deadline, sender, fee=fee)
        requests += [_estimate(split_tx, overrides),
                     _simulation_request(pay, weth, split_tx, split_swaps, sender, overrides),
                     _gas_used_request([approval] if approval else [], [split_tx], None)]
    results = client.batch(requests)
    split_results = results[-3:] if splitting else []
    results = results[:-3] if splitting else results
    for result in results[:-2]:
        if isinstance(result, BasketryError):
            raise ChainError(f"the exact transaction would fail: {result}")
    estimates = [int(r, 16) for r in results[:len(swap_txs)]]
    separate_gas = sum(int(r, 16) for r in results[len(swap_txs):len(swap_txs) + len(separate)])
    approval_gas = int(results[len(swap_txs) + len(separate)], 16) if approval else 0
    simulated = _decode_simulation(pay, results[-3], swap_legs)
    used_one, used_separate = _gas_used(results[-2]), _gas_used(results[-1])
    route_split: dict[str, Any] = {"considered": splitting, "taken": False}
    if splitting:
        taken, route_split = _split_verdict(pay, split_results, split_swaps, legs, split_legs,
                                            estimates[0], simulated, used_one, gas_price, eth_usd, bool(approval))
        if taken:
            legs, swap_legs, swap_txs = split_legs, split_swaps, [split_tx]
            estimates = [int(split_results[0], 16)]
            simulated = _decode_simulation(pay, split_results[1], split_swaps)
            used_one = _gas_used(split_results[2])
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

    if route_split.get("considered") and not route_split.get("taken"):
        preview.notes.append("Splitting legs across pools was simulated and delivered less than one "
                             f"route per leg ({route_split.get('reason')}): one route per leg.")
    prices = {**{leg.address: leg.price_usd for leg in legs if leg.price_usd is not None},
              weth: eth_usd, NATIVE_ADDRESS: eth_usd, pay.address: pay_usd}
    return IndexPlan(preview, basket, pay, sender, legs, swap_legs, transactions, kinds, block,
                     estimates, rounds, simulated=simulated, route_split=route_split, prices=prices)


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


def _part_swaps(quote: RouteQuote | SplitQuote, token: str, slippage_bps: int,
                sender: str) -> list[routers.SwapLeg]:
    """One swap per part of the leg, each with its own amount and minimum."""
    swaps = []
    for part in quote.parts:
        route = part.route
        via = route.tokens[1] if len(route.fees) == 2 else None
        swaps.append(routers.SwapLeg(token, route.fees[-1], part.amount_in, min_out(part.amount_out, slippage_bps),
                                     sender, via, route.fees[0] if via else None))
    return swaps


def _split_verdict(pay: PayAsset, results: list, split_swaps: list[routers.SwapLeg], legs: list[LegInput],
                   split_legs: list[LegInput], single_estimate: int, single_out: list[int],
                   single_used: list[int] | None, gas_price: int, eth_usd: Decimal,
                   approval: bool) -> tuple[bool, dict[str, Any]]:
    """Is the split transaction better than the single-route one, by their simulations: value
    out at mid prices less the network fee? Returns (taken, what was compared)."""
    info: dict[str, Any] = {"considered": True, "taken": False}
    failed = next((r for r in results[:2] if isinstance(r, Exception)), None)
    if failed is not None:
        return False, {**info, "reason": f"the split transaction would fail: {failed}"}
    estimate = int(results[0], 16)
    if estimate > SPLIT_TARGET_GAS:
        return False, {**info, "reason": "the split transaction needs more gas than one transaction may use"}
    split_out = _decode_simulation(pay, results[1], split_swaps)
    split_used = _gas_used(results[2])

    def swap_gas(used: list[int] | None, fallback: int) -> int:
        return fallback if used is None else sum(used[1:] if approval else used)

    def value(chosen: list[LegInput], outs: list[int]) -> Decimal:
        bought = [leg for leg in chosen if leg.quote is not None]
        return sum((Decimal(out) / Decimal(10) ** leg.decimals * (leg.price_usd or 0)
                    for leg, out in zip(bought, outs, strict=True)), Decimal(0))

    single_gas, split_gas = swap_gas(single_used, single_estimate), swap_gas(split_used, estimate)
    single_value, split_value = value(legs, single_out), value(split_legs, split_out)
    wei_usd = Decimal(gas_price) / Decimal(10**18) * eth_usd
    gain = (split_value - split_gas * wei_usd) - (single_value - single_gas * wei_usd)
    bought = [leg for leg in split_legs if leg.quote is not None]
    per_leg = {leg.symbol: {"parts": len(leg.quote.parts), "single_out": str(single), "split_out": str(split)}
               for leg, single, split in zip(bought, single_out, split_out, strict=True) if len(leg.quote.parts) > 1}
    info.update({"taken": gain > 0, "single_value_usd": str(single_value.quantize(Decimal("0.01"))),
                 "split_value_usd": str(split_value.quantize(Decimal("0.01"))),
                 "single_gas": single_gas, "split_gas": split_gas,
                 "net_gain_usd": str(gain.quantize(Decimal("0.01"))), "legs": per_leg})
    if gain <= 0:
        info["reason"] = f"${-gain.quantize(Decimal('0.01'))} less, net of its extra gas"
    return gain > 0, info


def _usdc_per_wei(scan: PoolScan, weth: str, usdc: Token) -> Fraction:
    mids = [mid for (a, b, _fee), mid in scan.mids.items() if a == weth and b == usdc.address]
    return max(mids) if mids else Fraction(0)


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
    balance_calls = [(token, False, 0, _BALANCE_OF + encode(["address"], [sender])) for token in _tokens_of(legs)]
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


def _tokens_of(legs: list[routers.SwapLeg]) -> list[str]:
    """The tokens bought, in order, each once (a split leg's parts are one token)."""
    return list(dict.fromkeys(leg.token_out for leg in legs))


def _decode_simulation(pay: PayAsset, result: str, legs: list[routers.SwapLeg]) -> list[int]:
    """Per token bought (``_tokens_of``), what the simulated transaction delivers."""
    raw = bytes.fromhex(result[2:])
    if not pay.native:  # the router's multicall answers one result per call; swaps are the last
        (outputs,) = decode(["bytes[]"], raw)
        totals = dict.fromkeys(_tokens_of(legs), 0)
        for leg, output in zip(legs, outputs[len(outputs) - len(legs):], strict=True):
            totals[leg.token_out] += int.from_bytes(output[:32], "big")
        return list(totals.values())
    (answers,) = decode(["(bool,bytes)[]"], raw)
    n = len(_tokens_of(legs))
    before = [int.from_bytes(a[1][:32], "big") for a in answers[:n]]
    after = [int.from_bytes(a[1][:32], "big") for a in answers[n + 1:]]
    return [b - a for a, b in zip(before, after, strict=True)]


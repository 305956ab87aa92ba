"""Rebalance a held basket back to its target weights, or exit it into USDC, in ONE swap
transaction through SwapRouter02 (after an exact approval per token sold, counted in the
preview). Prices are the pools' mid prices; every leg carries its minimum out."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector

from app.chain.multicall import Call
from app.errors import BasketryError, ChainError, InvalidInput
from app.index import routers
from app.index.baskets import load_basket
from app.index.market import current_snapshot
from app.index.planner import (
    DEADLINE_SECONDS,
    MAX_IMPACT_SETTING,
    STALE_AFTER_BLOCKS,
    _rpc_tx,
    allowance_slot,
    eth_usd_from_scan,
)
from app.index.preview import min_out
from app.index.quotes import RouteQuote, candidate_routes, quote_routes, scan_pools
from app.index.routing import choose_route, parse_slippage
from app.session import ChainSession, Token
from app.trade_warnings import impact_limit, impact_pct, trade_warnings
from app.tx.fees import fees_from_history
from app.units import format_units
from wallet.signer import MAX_TX_GAS

MIN_TRADE_USD = Decimal(1)          # a trade smaller than this is left alone
DRIFT_BAND = Fraction(5, 1000)      # legs within 0.5 percentage points of target are left alone
_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
_ALLOWANCE = function_signature_to_4byte_selector("allowance(address,address)")


@dataclass
class TradeLeg:
    token_in: Token
    token_out: Token
    quote: RouteQuote

    @property
    def swap_leg_fields(self) -> tuple:
        route = self.quote.route
        via = route.tokens[1] if len(route.fees) == 2 else None
        return (route.fees[-1], via, route.fees[0] if via else None)


@dataclass
class TradePlan:
    """What ``rebalance`` or ``exit`` will do: the same shape as an IndexPlan for execution."""

    kind: str                          # "rebalance" | "exit"
    basket_name: str
    sender: str
    block: int
    drift: list[dict]
    legs: list[TradeLeg]
    transactions: list[dict[str, Any]]
    kinds: list[str]
    preview: dict
    notes: list[str] = field(default_factory=list)

    def is_stale(self, current_block: int) -> bool:
        return current_block - self.block > STALE_AFTER_BLOCKS


def holdings(session: ChainSession, tokens: list[Token], owner: str) -> dict[str, tuple[int, int]]:
    """symbol -> (balance, allowance to SwapRouter02), in one Multicall3 read."""
    calls = []
    for token in tokens:
        calls.append(Call(token.address, _BALANCE_OF + encode(["address"], [owner])))
        calls.append(Call(token.address, _ALLOWANCE + encode(["address", "address"], [owner, session.network.swap_router])))
    results = session.client.multicall(calls)
    out = {}
    for i, token in enumerate(tokens):
        balance, allowance = results[2 * i], results[2 * i + 1]
        out[token.symbol] = (int.from_bytes(balance.data[:32], "big") if balance.success else 0,
                             int.from_bytes(allowance.data[:32], "big") if allowance.success else 0)
    return out


def plan_exit(session: ChainSession, basket_name: str, owner: str, slippage_text: str | None,
              max_impact_text: str | None = None) -> TradePlan:
    """Sell every held constituent of the basket into USDC in one transaction."""
    basket = load_basket(basket_name, session.tokens, choices=session.basket_choices())
    usdc, weth = session.token("USDC"), _weth(session)
    held = holdings(session, list(basket.tokens), owner)
    sells = [(t, held[t.symbol][0]) for t in basket.tokens if held[t.symbol][0] > 0 and t.address != usdc.address]
    if not sells:
        raise InvalidInput(f"this account holds none of {basket.name}'s tokens: nothing to sell")
    return _plan_trades(session, "exit", basket.name, owner, slippage_text, sells, [], usdc, weth, held, [],
                        max_impact_text)


def plan_rebalance(session: ChainSession, basket_name: str, owner: str, slippage_text: str | None,
                   max_impact_text: str | None = None) -> TradePlan:
    """Sell what is above its target weight into WETH, buy what is below with it: one transaction."""
    basket = load_basket(basket_name, session.tokens, choices=session.basket_choices())
    weth = _weth(session)
    weights = basket.target_weights(current_snapshot(session.store).snapshot.market_caps)
    held = holdings(session, list(basket.tokens), owner)
    # mid prices in WETH per token: one scan with WETH as the pay side
    usdc = session.token("USDC")  # prices in USD come from the WETH/USDC pool
    scan = scan_pools(session.client, session.network.factory, weth.address, weth.address,
                      [t.address for t in basket.tokens] + [usdc.address], owner, None, True)
    value_weth: dict[str, Fraction] = {}
    for token in basket.tokens:
        balance = held[token.symbol][0]
        if token.address == weth.address:
            value_weth[token.symbol] = Fraction(balance)
            continue
        mids = [scan.mids[(token.address, weth.address, fee)] for fee in (100, 500, 3000, 10000)
                if (token.address, weth.address, fee) in scan.mids]
        value_weth[token.symbol] = balance * max(mids) if mids and balance else Fraction(0)
    total = sum(value_weth.values())
    if total == 0:
        raise InvalidInput(f"this account holds none of {basket.name}'s tokens: buy it first")
    eth_usd = eth_usd_from_scan(scan, session.network.wrapped_native, session.token("USDC"))
    drift, sells, buys = [], [], []
    weth_spend = 0  # WETH held above its target weight: spent on the buys directly
    for token in basket.tokens:
        current = value_weth[token.symbol] / total
        target = Fraction(str(weights[token.symbol]))
        diff_weth = (current - target) * total  # > 0: overweight
        diff_usd = Decimal(abs(diff_weth).numerator) / Decimal(abs(diff_weth).denominator) / Decimal(10**18) * eth_usd
        action = "hold"
        outside = diff_usd >= MIN_TRADE_USD and abs(current - target) >= DRIFT_BAND
        if outside and token.address == weth.address:
            # WETH is the swaps' pay token: held above target it is the buys' budget as it is;
            # below target it is bought by keeping what the sells deliver beyond the buys
            if diff_weth > 0:
                weth_spend = min(held[token.symbol][0], int(diff_weth))
                action = "sell"
            else:
                action = "buy"
        elif outside:
            if diff_weth > 0:
                balance = held[token.symbol][0]
                amount = min(balance, int(balance * (diff_weth / value_weth[token.symbol])))
                if amount > 0:
                    sells.append((token, amount))
                    action = "sell"
            else:
                buys.append((token, -diff_weth))
                action = "buy"
        drift.append({"symbol": token.symbol, "current_weight": _pct(current), "target_weight": _pct(target),
                      "drift_pct": _pct(current - target), "drift_usd": str(diff_usd.quantize(Decimal("0.01"))),
                      "action": action})
    if not sells and not buys:
        raise InvalidInput(f"{basket.name} is within {float(DRIFT_BAND) * 100:g} percentage points of its "
                           "target weights: nothing to rebalance")
    return _plan_trades(session, "rebalance", basket.name, owner, slippage_text, sells, buys, weth, weth, held, drift,
                        max_impact_text, weth_spend)


def _plan_trades(session: ChainSession, kind: str, basket_name: str, owner: str, slippage_text: str | None,
                 sells: list[tuple[Token, int]], buys: list[tuple[Token, Fraction]], sell_into: Token,
                 weth: Token, held: dict[str, tuple[int, int]], drift: list[dict],
                 max_impact_text: str | None = None, weth_spend: int = 0) -> TradePlan:
    """``weth_spend``: WETH held above target, added to what the sells deliver as the buys' budget."""
    client, network = session.client, session.network
    slippage_bps = parse_slippage(slippage_text)
    max_impact = impact_limit(session.store.get_setting(MAX_IMPACT_SETTING), max_impact_text)
    targets = [t.address for t, _ in sells] + [t.address for t, _ in buys] + [session.token("USDC").address]
    scan = scan_pools(client, network.factory, sell_into.address, weth.address, targets, owner,
                      network.swap_router, False)
    notes: list[str] = []
    # sells: each held token -> the target asset (USDC on exit, WETH on rebalance)
    requests, owners = [], []
    for token, amount in sells:
        for route in candidate_routes(scan, token.address, weth.address, sell_into.address):
            requests.append((route, amount))
            owners.append(token)
    extra = [("eth_feeHistory", ["0xa", "latest", [50]]), ("eth_getBlockByNumber", ["latest", False])]
    quotes, answers = quote_routes(client, network.quoter, requests, extra)
    legs: list[TradeLeg] = []
    budget = weth_spend  # + WETH the sells are sure to deliver (their minimums): what the buys may spend
    for token, _amount in sells:
        choice = choose_route(token.symbol, [q for o, q in zip(owners, quotes, strict=True) if o is token],
                              max_impact, sell_into.symbol)
        if choice.quote is None:
            notes.append(f"{token.symbol} not sold: {choice.skipped}")
            continue
        legs.append(TradeLeg(token, sell_into, choice.quote))
        budget += min_out(choice.quote.amount_out, slippage_bps)
    if buys:
        wanted = sum(amount for _, amount in buys)
        scale = min(Fraction(1), Fraction(budget) / wanted) if wanted else Fraction(0)
        buy_requests, buy_owners = [], []
        for token, amount in buys:
            leg_amount = int(amount * scale)
            for route in candidate_routes(scan, weth.address, weth.address, token.address):
                buy_requests.append((route, leg_amount))
                buy_owners.append(token)
        buy_quotes, _ = quote_routes(client, network.quoter, buy_requests)
        for token, _amount in buys:
            choice = choose_route(token.symbol, [q for o, q in zip(buy_owners, buy_quotes, strict=True) if o is token],
                                  max_impact, "WETH")
            if choice.quote is None or choice.quote.amount_in == 0:
                notes.append(f"{token.symbol} not bought: {choice.skipped or 'no budget left'}")
                continue
            legs.append(TradeLeg(weth, token, choice.quote))
    if not legs:
        raise InvalidInput("no trade can be made: " + "; ".join(notes))
    fees = fees_from_history(answers[0])
    block, timestamp = int(answers[1]["number"], 16), int(answers[1]["timestamp"], 16)
    deadline = timestamp + DEADLINE_SECONDS

    # exact approvals: each token sold, and WETH for what the buys spend
    spend: dict[str, tuple[Token, int]] = {}
    for leg in legs:
        token, amount = leg.token_in, leg.quote.amount_in
        spend[token.address] = (token, spend.get(token.address, (token, 0))[1] + amount)
    approvals, overrides = [], {}
    for token, amount in spend.values():
        if held.get(token.symbol, (0, 0))[1] < amount:
            approvals.append({"from": owner, "to": token.address, "value": 0,
                              "data": "0x" + routers.encode_erc20_approve(network.swap_router, amount).hex()})
        slot = allowance_slot(session, token.address, owner, network.swap_router)
        overrides.setdefault(token.address, {"stateDiff": {}})["stateDiff"][slot] = "0x" + amount.to_bytes(32, "big").hex()
    calls = [routers.swap_call(routers.SwapLeg(leg.token_out.address, leg.swap_leg_fields[0], leg.quote.amount_in,
                                               min_out(leg.quote.amount_out, slippage_bps), owner,
                                               leg.swap_leg_fields[1], leg.swap_leg_fields[2]), leg.token_in.address)
             for leg in legs]
    swap = {"from": owner, "to": network.swap_router, "value": 0,
            "data": "0x" + routers.encode_swaprouter02_multicall(deadline, calls).hex()}
    separate = [{"from": owner, "to": network.swap_router, "value": 0,
                 "data": "0x" + routers.encode_swaprouter02_multicall(deadline, [call]).hex()} for call in calls]
    requests = ([("eth_estimateGas", [_rpc_tx(swap), "latest", overrides])]
                + [("eth_estimateGas", [_rpc_tx(tx), "latest", overrides]) for tx in separate]
                + [("eth_estimateGas", [_rpc_tx(tx)]) for tx in approvals]
                + [("eth_call", [_rpc_tx(swap), "latest", overrides])])
    results = client.batch(requests)
    for result in results:
        if isinstance(result, BasketryError):
            raise ChainError(f"the exact transaction would fail: {result}")
    swap_gas = int(results[0], 16)
    separate_gas = sum(int(r, 16) for r in results[1:1 + len(separate)])
    approval_gas = sum(int(r, 16) for r in results[1 + len(separate):1 + len(separate) + len(approvals)])
    (outputs,) = decode(["bytes[]"], bytes.fromhex(results[-1][2:]))
    simulated = [int.from_bytes(o[:32], "big") for o in outputs]
    if swap_gas > MAX_TX_GAS:
        raise InvalidInput(f"this {kind} needs {swap_gas:,} gas, above the {MAX_TX_GAS:,} one transaction may use")

    eth_usd = eth_usd_from_scan(scan, session.network.wrapped_native, session.token("USDC"))
    gas_price = fees.base_fee_per_gas + fees.max_priority_fee_per_gas
    fee_eth = Decimal((swap_gas + approval_gas) * gas_price) / Decimal(10**18)
    rows, value_in_usd, value_out_usd = [], Decimal(0), Decimal(0)
    impacts, sold_usd = [], Decimal(0)  # for the warnings: (leg, impact %, value in USD); what is sold
    for leg, sim in zip(legs, simulated, strict=True):
        price_in = _usd_per_unit(session, scan, leg.token_in, weth, eth_usd)
        price_out = _usd_per_unit(session, scan, leg.token_out, weth, eth_usd)
        impacts.append((f"{leg.token_in.symbol}->{leg.token_out.symbol}", impact_pct(leg.quote.price_impact),
                        leg.quote.amount_in * price_in))
        sold_usd += leg.quote.amount_in * price_in if leg.token_out.address == sell_into.address else 0
        value_in_usd += leg.quote.amount_in * price_in
        value_out_usd += leg.quote.amount_out * price_out
        rows.append({"sell": leg.token_in.symbol, "buy": leg.token_out.symbol,
                     "amount_in": format_units(leg.quote.amount_in, leg.token_in.decimals),
                     "expected_out": format_units(leg.quote.amount_out, leg.token_out.decimals),
                     "min_out": format_units(min_out(leg.quote.amount_out, slippage_bps), leg.token_out.decimals),
                     "simulated_out": format_units(sim, leg.token_out.decimals),
                     "route": ("direct " if len(leg.quote.route.fees) == 1 else f"via {session.network.wrapped_native_symbol} ") + leg.quote.route.describe(),
                     "price_impact_bps": str((Decimal(leg.quote.price_impact.numerator) / Decimal(leg.quote.price_impact.denominator) * 10_000).quantize(Decimal("0.01")))})
    fee_usd = fee_eth * eth_usd
    preview = {"kind": kind, "basket": basket_name, "block": block, "slippage_bps": slippage_bps, "drift": drift,
               "legs": rows,
               "network_fee": {"gas": swap_gas + approval_gas, "approval_gas": approval_gas,
                               "approvals": len(approvals), "eth": str(fee_eth.quantize(Decimal("0.000000001"))),
                               "native_symbol": session.network.native_symbol,
                               "usd": str(fee_usd.quantize(Decimal("0.01")))},
               "pnl_preview": {"value_sold_usd": str(value_in_usd.quantize(Decimal("0.01"))),
                               "value_received_usd": str(value_out_usd.quantize(Decimal("0.01"))),
                               "immediate_usd": str((value_out_usd - value_in_usd - fee_usd).quantize(Decimal("0.01")))},
               "vs_separate": {"one_tx_gas": swap_gas + approval_gas, "separate_txs_gas": separate_gas + approval_gas,
                               "saved_gas": separate_gas - swap_gas},
               "simulation": {"ok": all(s >= min_out(leg.quote.amount_out, slippage_bps)
                                        for s, leg in zip(simulated, legs, strict=True)),
                              "amounts_out": [r["simulated_out"] for r in rows]},
               "notes": notes,
               "warnings": trade_warnings(impacts, slippage_bps, fee_usd, sold_usd or value_in_usd,
                                          impact_pct(max_impact))}
    transactions, kinds = [], []
    for tx, kind_ in [(tx, "approve") for tx in approvals] + [(swap, kind)]:
        gas = int(client.estimate_gas(_rpc_tx_full(tx))) if kind_ == "approve" else swap_gas
        transactions.append({**tx, "chainId": session.chain_id, "gas": min(gas * 6 // 5, MAX_TX_GAS),
                             "maxFeePerGas": fees.max_fee_per_gas,
                             "maxPriorityFeePerGas": fees.max_priority_fee_per_gas, "type": 2})
        kinds.append(kind_)
    return TradePlan(kind, basket_name, owner, block, drift, legs, transactions, kinds, preview, notes)


def _rpc_tx_full(tx: dict) -> dict:
    return {k: tx[k] for k in ("from", "to", "data", "value")}


def _weth(session: ChainSession) -> Token:
    return next(t for t in session.tokens if t.address == session.network.wrapped_native) \
        if any(t.address == session.network.wrapped_native for t in session.tokens) \
        else Token(session.network.wrapped_native_symbol, session.network.wrapped_native, 18)


def _usd_per_unit(session: ChainSession, scan, token: Token, weth: Token, eth_usd: Decimal) -> Decimal:
    """USD per base unit of ``token`` at the pools' mid price (via WETH)."""
    if token.address == weth.address:
        return eth_usd / Decimal(10**18)
    if token.symbol == "USDC":
        return Decimal(1) / Decimal(10**token.decimals)
    mids = [scan.mids[(token.address, weth.address, fee)] for fee in (100, 500, 3000, 10000)
            if (token.address, weth.address, fee) in scan.mids]
    if not mids:
        return Decimal(0)
    weth_per_unit = max(mids)
    return Decimal(weth_per_unit.numerator) / Decimal(weth_per_unit.denominator) * eth_usd / Decimal(10**18)


def _pct(value: Fraction) -> str:
    return str((Decimal(value.numerator) / Decimal(value.denominator) * 100).quantize(Decimal("0.01")))

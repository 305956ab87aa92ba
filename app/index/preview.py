"""The index-buy preview: one pure function from quotes, gas and prices to everything the user
sees before signing (the CLI's JSON and the GUI's panel read the same object)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction

from app.index.quotes import RouteQuote
from app.index.split import SplitQuote
from app.trade_warnings import IMPACT_REFUSE_PCT, trade_warnings
from app.units import format_units

BPS = Decimal(10_000)


@dataclass(frozen=True)
class LegInput:
    """One constituent as the planner prepared it (amounts in base units)."""

    symbol: str
    address: str
    decimals: int
    weight: Decimal                 # target weight after renormalisation (0 if skipped)
    quote: RouteQuote | SplitQuote | None  # the best route's quote, or the split's; None if skipped
    skipped: str | None             # why the leg is not bought
    price_usd: Decimal | None       # the token's mid price in USD
    hub_symbols: dict[str, str] = field(default_factory=dict)  # address -> symbol of two-hop hubs


@dataclass(frozen=True)
class PreviewInput:
    basket: str
    pay_symbol: str
    pay_decimals: int
    pay_price_usd: Decimal          # USD per whole pay token (mid)
    eth_price_usd: Decimal
    amount_in: int                  # what the user pays, base units, platform fee included
    platform_fee_bps: int
    platform_fee: int               # base units of the pay token taken on-chain
    slippage_bps: int
    legs: list[LegInput]
    one_tx_gas: int                 # gas the exact transaction(s) will be charged, approval included
    separate_txs_gas: int           # the same legs as separate swaps, one after another
    gas_price_wei: int              # expected price: next base fee + tip
    max_gas_price_wei: int
    simulated_out: list[int] | None # per bought leg, from eth_call of the exact transaction
    block: int
    transactions: int = 1           # how many transactions the gas cap forces
    approval_gas: int = 0
    gas_limit: int = 0              # what the transactions may use at most (eth_estimateGas + margin)
    l1_data_fee_wei: int = 0        # OP-stack: posting the transaction(s) to Ethereum, on top of gas
    separate_l1_fee_wei: int = 0    # the same for the separate swaps
    fee_explanation: str | None = None  # the network's fee rule in words (L1 fee, Arbitrum's gas)
    native_symbol: str = "ETH"      # the network's coin the fee is paid in (POL on Polygon)
    wrapped_symbol: str = "WETH"    # its wrapped token, the hub of two-hop routes (WPOL on Polygon)
    max_impact_pct: Decimal = IMPACT_REFUSE_PCT  # the limit legs were chosen under (app.trade_warnings)


@dataclass(frozen=True)
class IndexPreview:
    basket: str
    pay: str
    amount_in: str
    block: int
    slippage_bps: int
    legs: list[dict]
    network_fee: dict
    platform_fee: dict
    pnl_preview: dict
    vs_separate: dict
    simulation: dict
    transactions: int
    notes: list[str] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)  # app.trade_warnings' shape, most severe first

    def to_json(self) -> dict:
        return asdict(self)


def min_out(amount_out: int, slippage_bps: int) -> int:
    """The least a leg may deliver: expected less the slippage tolerance, rounded down."""
    return amount_out * (10_000 - slippage_bps) // 10_000


def leg_min_out(quote: RouteQuote | SplitQuote, slippage_bps: int) -> int:
    """The least a leg may deliver: the sum of its parts' minimums, each enforced on chain."""
    return sum(min_out(part.amount_out, slippage_bps) for part in quote.parts)


def build_index_preview(p: PreviewInput) -> IndexPreview:
    pay_scale = Decimal(10) ** p.pay_decimals
    legs, expected_value = [], Decimal(0)
    lp_fees_usd = Decimal(0)
    impacts = []  # (leg, price impact %, value in USD) for the warnings
    bought = [leg for leg in p.legs if leg.quote is not None]
    simulated = dict(zip([leg.symbol for leg in bought], p.simulated_out or [], strict=False))
    for leg in p.legs:
        row = {"symbol": leg.symbol, "address": leg.address, "weight": str(leg.weight.quantize(Decimal("0.0001"))),
               "skipped": leg.skipped}
        if leg.quote is None:
            row.update({"amount_in": "0", "expected_out": "0", "min_out": "0", "fee_tier": None,
                        "route": None, "price_impact_bps": None, "lp_fee_usd": "0", "expected_value_usd": "0",
                        "parts": []})
            legs.append(row)
            continue
        q = leg.quote
        scale = Decimal(10) ** leg.decimals
        # "expected" is what the exact transaction delivers (legs sharing a pool move it for
        # each other); the independent quote stays beside it as "quoted_out".
        expected = simulated.get(leg.symbol, q.amount_out)
        amount_in_usd = Decimal(q.amount_in) / pay_scale * p.pay_price_usd
        lp_fee_usd = sum((Decimal(part.amount_in) / pay_scale * p.pay_price_usd * _dec(part.route.lp_fee_share)
                          for part in q.parts), Decimal(0))
        parts = _parts(q, expected, p, leg)
        value_usd = Decimal(expected) / scale * (leg.price_usd or Decimal(0))
        expected_value += value_usd
        lp_fees_usd += lp_fee_usd
        impacts.append((leg.symbol, _dec(q.price_impact) * 100, amount_in_usd))
        row.update({
            "amount_in": format_units(q.amount_in, p.pay_decimals),
            "expected_out": format_units(expected, leg.decimals),
            "quoted_out": format_units(q.amount_out, leg.decimals),
            "min_out": format_units(leg_min_out(q, p.slippage_bps), leg.decimals),
            "fee_tier": parts[0]["fee_tier"] if len(parts) == 1 else [part["fee_tier"] for part in parts],
            "route": parts[0]["route"] if len(parts) == 1 else
            "split: " + " + ".join(f"{part['share_pct']}% {part['route']}" for part in parts),
            "price_impact_bps": _bps(q.price_impact),
            "parts": parts,
            "lp_fee_usd": _usd(lp_fee_usd),
            "expected_value_usd": _usd(value_usd),
            "simulated_out": format_units(simulated[leg.symbol], leg.decimals) if leg.symbol in simulated else None,
        })
        legs.append(row)

    l1_eth = Decimal(p.l1_data_fee_wei) / Decimal(10**18)
    fee_eth = Decimal(p.one_tx_gas * p.gas_price_wei) / Decimal(10**18) + l1_eth
    max_fee_eth = Decimal((p.gas_limit or p.one_tx_gas) * p.max_gas_price_wei) / Decimal(10**18) + l1_eth
    fee_usd = fee_eth * p.eth_price_usd
    platform_usd = Decimal(p.platform_fee) / pay_scale * p.pay_price_usd
    cost_usd = Decimal(p.amount_in) / pay_scale * p.pay_price_usd + fee_usd
    immediate = expected_value - cost_usd
    saved_gas = p.separate_txs_gas - p.one_tx_gas
    saved_wei = saved_gas * p.gas_price_wei + p.separate_l1_fee_wei - p.l1_data_fee_wei
    notes = [p.fee_explanation] if p.fee_explanation else []
    if p.transactions > 1:
        notes.append(f"The basket needs more gas than one transaction may use: it is split into "
                     f"{p.transactions} transactions.")
    skipped = [leg for leg in p.legs if leg.skipped]
    if skipped:
        notes.append("Skipped: " + "; ".join(f"{leg.symbol} ({leg.skipped})" for leg in skipped)
                     + ". The other weights were renormalised.")
    sim_ok = p.simulated_out is not None
    if sim_ok:
        below = [leg.symbol for leg in bought
                 if simulated.get(leg.symbol, 0) < leg_min_out(leg.quote, p.slippage_bps)]
        if below:
            sim_ok = False
            notes.append("The simulation delivers less than the minimum for: " + ", ".join(below))
    return IndexPreview(
        basket=p.basket, pay=p.pay_symbol, amount_in=format_units(p.amount_in, p.pay_decimals), block=p.block,
        slippage_bps=p.slippage_bps, legs=legs,
        network_fee={"gas": p.one_tx_gas, "gas_limit": p.gas_limit or p.one_tx_gas,
                     "approval_gas": p.approval_gas, "eth": _eth(fee_eth), "native_symbol": p.native_symbol,
                     "max_eth": _eth(max_fee_eth), "usd": _usd(fee_usd),
                     **max_fee_fields((p.gas_limit or p.one_tx_gas) * p.max_gas_price_wei, p.l1_data_fee_wei,
                                      p.native_symbol, p.eth_price_usd),
                     "l1_data_fee_eth": _eth(l1_eth) if p.l1_data_fee_wei else None,
                     "l1_data_fee_usd": _usd(l1_eth * p.eth_price_usd) if p.l1_data_fee_wei else None,
                     "gas_price_gwei": str((Decimal(p.gas_price_wei) / Decimal(10**9)).quantize(Decimal("0.0001")))},
        platform_fee={"bps": p.platform_fee_bps, "usd": _usd(platform_usd),
                      "amount": format_units(p.platform_fee, p.pay_decimals)},
        pnl_preview={"cost_usd": _usd(cost_usd), "expected_value_usd": _usd(expected_value),
                     "immediate_usd": _usd(immediate), "lp_fees_usd": _usd(lp_fees_usd),
                     "break_even_move_pct": str((-immediate / expected_value * 100).quantize(Decimal("0.001")))
                     if expected_value else None},
        vs_separate={"one_tx_gas": p.one_tx_gas, "separate_txs_gas": p.separate_txs_gas, "saved_gas": saved_gas,
                     "saved_pct": str((Decimal(saved_gas) / Decimal(p.separate_txs_gas) * 100).quantize(Decimal("0.1")))
                     if p.separate_txs_gas else None,
                     "saved_usd": _usd(Decimal(saved_wei) / Decimal(10**18) * p.eth_price_usd)},
        simulation={"ok": sim_ok, "amounts_out": [format_units(v, leg.decimals) for leg, v in
                                                    zip(bought, p.simulated_out or [], strict=False)]},
        transactions=p.transactions, notes=notes,
        warnings=trade_warnings(impacts, p.slippage_bps, fee_usd, Decimal(p.amount_in) / pay_scale * p.pay_price_usd,
                                p.max_impact_pct))


def max_fee_fields(gas_wei: int, l1_wei: int, symbol: str, native_usd: Decimal) -> dict:
    """The max fee as the signing summary shows it (app.tx.describe.amounts.fee_figure)."""
    from app.tx.describe.amounts import fee_figure

    figure = fee_figure(gas_wei, l1_wei or None, symbol, native_usd)
    return {"max_wei": figure.total_wei, "max_display": figure.display, "max_usd": figure.usd}


def _parts(q: RouteQuote | SplitQuote, expected: int, p: PreviewInput, leg: LegInput) -> list[dict]:
    """A leg's routes: one for a plain leg, several for a split one. ``expected_out`` shares the
    leg's expected (simulated) total in proportion to the parts' quotes, so the parts add up."""
    rows, given = [], 0
    for index, part in enumerate(q.parts):
        fees = part.route.fees
        share = expected - given if index == len(q.parts) - 1 else \
            expected * part.amount_out // (q.amount_out or 1)
        given += share
        hub = leg.hub_symbols.get(part.route.tokens[1], p.wrapped_symbol) if len(fees) == 2 else None
        rows.append({
            "route": "wrap (no pool)" if not fees else
            ("direct " if len(fees) == 1 else f"via {hub} ") + part.route.describe(),
            "fee_tier": None if not fees else fees[0] if len(fees) == 1 else list(fees),
            "share_pct": _share_pct(part.amount_in, q.amount_in),
            "amount_in": format_units(part.amount_in, p.pay_decimals),
            "quoted_out": format_units(part.amount_out, leg.decimals),
            "expected_out": format_units(share, leg.decimals),
            "min_out": format_units(min_out(part.amount_out, p.slippage_bps), leg.decimals),
            "price_impact_bps": _bps(part.price_impact),
        })
    return rows


def _share_pct(part: int, whole: int) -> str:
    text = f"{(Decimal(part) * 100 / Decimal(whole or 1)).quantize(Decimal('0.1')):f}"
    return text[:-2] if text.endswith(".0") else text


def _bps(value: Fraction) -> str:
    return str((_dec(value) * BPS).quantize(Decimal("0.01")))


def _dec(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _usd(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _eth(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.000000001")))

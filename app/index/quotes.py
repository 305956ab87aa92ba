"""Quotes for every leg of a basket, in as few round trips as possible.

Round trip 1 (``scan_pools``): one Multicall3 ``eth_call`` reads ``slot0`` of every pool a leg
could use (pay token -> target in each fee tier, and pay -> hub -> target through each hub:
WETH for ERC-20 input, USDC too when the planner asks), plus the payer's balance and allowance.
Round trip 2 (``quote_routes``): QuoterV2 quotes of every route whose pools exist, chunked into
several Multicall3 calls (each under the node's gas cap for calls) sent as ONE JSON-RPC batch,
together with ``eth_feeHistory`` and the block number.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from app.chain.client import ChainClient
from app.chain.multicall import (
    MULTICALL3_ADDRESS,
    Call,
    CallResult,
    decode_aggregate3,
    encode_aggregate3,
)
from app.errors import ChainError
from app.index.routers import V3_POOL_INIT_CODE_HASH, pool_address, v3_path

FEE_TIERS = (100, 500, 3000, 10000)
QUOTES_PER_MULTICALL = 60  # ~150k gas a quote: well under the 50M gas RPC nodes allow a call

_SLOT0 = function_signature_to_4byte_selector("slot0()")
_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
_ALLOWANCE = function_signature_to_4byte_selector("allowance(address,address)")
_ETH_BALANCE = function_signature_to_4byte_selector("getEthBalance(address)")
_QUOTE_SINGLE = function_signature_to_4byte_selector(
    "quoteExactInputSingle((address,address,uint256,uint24,uint160))")
_QUOTE_PATH = function_signature_to_4byte_selector("quoteExactInput(bytes,uint256)")


@dataclass(frozen=True)
class Route:
    """A way from the pay token to a target: one hop, or two through a hub (WETH or USDC)."""

    tokens: tuple[str, ...]     # pay token, [hub], target (checksummed)
    fees: tuple[int, ...]       # one fee tier per hop
    mid_out_per_in: Fraction    # target base units per pay base unit at the pools' mid prices

    @property
    def lp_fee_share(self) -> Fraction:
        """The share of the input the pools keep as fees (1 - product of (1 - fee))."""
        kept = Fraction(1)
        for fee in self.fees:
            kept *= 1 - Fraction(fee, 1_000_000)
        return 1 - kept

    @property
    def pools(self) -> frozenset[tuple[str, str, int]]:
        """The pools it trades through, as (lower address, higher address, fee): two routes
        that share one move each other's price, so they are not independent."""
        return frozenset((*sorted((a, b), key=lambda t: int(t, 16)), fee)
                         for a, b, fee in zip(self.tokens, self.tokens[1:], self.fees, strict=False))

    def describe(self) -> str:
        return "/".join(f"{fee / 10_000:g}%" for fee in self.fees)


@dataclass(frozen=True)
class RouteQuote:
    route: Route
    amount_in: int
    amount_out: int
    gas_estimate: int

    @property
    def parts(self) -> tuple[RouteQuote, ...]:
        """The routes the leg is bought through: this one (a split leg has several)."""
        return (self,)

    @property
    def at_mid(self) -> Fraction:
        """What the input would buy at the pools' mid prices after their fees."""
        return self.amount_in * self.route.mid_out_per_in * (1 - self.route.lp_fee_share)

    @property
    def price_impact(self) -> Fraction:
        """Shortfall against the mid price after pool fees: what the trade's size costs."""
        at_mid = self.at_mid
        return Fraction(0) if at_mid == 0 else max(Fraction(0), 1 - Fraction(self.amount_out) / at_mid)


@dataclass(frozen=True)
class PoolScan:
    """What round trip 1 learned: every existing pool's mid price, the payer's funds."""

    mids: dict[tuple[str, str, int], Fraction]  # (token_in, token_out, fee) -> out per in (base units)
    balance: int                                # of the pay token (or ETH)
    allowance: int | None                       # pay token -> spender (None for ETH)
    block: int


def scan_pools(client: ChainClient, factory: str, pay_token: str, weth: str, targets: list[str],
               payer: str, spender: str | None, pay_is_native: bool,
               hubs: tuple[str, ...] | None = None) -> PoolScan:
    """``hubs``: the tokens two-hop routes may go through (default: WETH alone)."""
    pay_token = to_checksum_address(pay_token)
    hubs = tuple(to_checksum_address(h) for h in (hubs or (weth,)))
    pairs = set()
    for target in targets:
        target = to_checksum_address(target)
        if target != pay_token:
            pairs.add((pay_token, target))
        for hub in hubs:
            if pay_token != hub and target != hub:
                pairs.add((hub, target))
    for hub in hubs:
        if pay_token != hub:
            pairs.add((pay_token, hub))
    keys = [(a, b, fee) for a, b in sorted(pairs) for fee in FEE_TIERS]
    calls = [Call(pool_address(factory, a, b, fee, V3_POOL_INIT_CODE_HASH), _SLOT0) for a, b, fee in keys]
    if pay_is_native:
        calls.append(Call(MULTICALL3_ADDRESS, _ETH_BALANCE + encode(["address"], [payer])))
    else:
        calls.append(Call(pay_token, _BALANCE_OF + encode(["address"], [payer])))
        calls.append(Call(pay_token, _ALLOWANCE + encode(["address", "address"], [payer, spender])))
    calls.append(Call(MULTICALL3_ADDRESS, function_signature_to_4byte_selector("getBlockNumber()")))
    results = client.multicall(calls)
    mids: dict[tuple[str, str, int], Fraction] = {}
    for (a, b, fee), result in zip(keys, results, strict=False):
        sqrt_price = _word(result)
        if sqrt_price:  # no code (no pool) answers empty; an uninitialised pool answers 0
            raw = Fraction(sqrt_price * sqrt_price, 2**192)  # token1 per token0
            token0 = a if int(a, 16) < int(b, 16) else b
            mids[(a, b, fee)] = raw if a == token0 else 1 / raw
            mids[(b, a, fee)] = 1 / raw if a == token0 else raw
    tail = results[len(keys):]
    balance = _word(tail[0]) or 0
    allowance = None if pay_is_native else (_word(tail[1]) or 0)
    return PoolScan(mids, balance, allowance, _word(tail[-1]) or 0)


def candidate_routes(scan: PoolScan, pay_token: str, weth: str, target: str,
                     hubs: tuple[str, ...] | None = None) -> list[Route]:
    """Every route whose pools exist: direct in each fee tier, then through each hub (default
    WETH alone) in each pair of tiers. A hub is never the pay token or the target itself."""
    pay_token, target = to_checksum_address(pay_token), to_checksum_address(target)
    routes = [Route((pay_token, target), (fee,), scan.mids[(pay_token, target, fee)])
              for fee in FEE_TIERS if (pay_token, target, fee) in scan.mids]
    for hub in (to_checksum_address(h) for h in (hubs or (weth,))):
        if hub in (pay_token, target):
            continue
        for fee1 in FEE_TIERS:
            for fee2 in FEE_TIERS:
                first, second = (pay_token, hub, fee1), (hub, target, fee2)
                if first in scan.mids and second in scan.mids:
                    routes.append(Route((pay_token, hub, target), (fee1, fee2),
                                        scan.mids[first] * scan.mids[second]))
    return routes


def quote_routes(client: ChainClient, quoter: str, requests: list[tuple[Route, int]],
                 extra: list[tuple[str, list]] | None = None) -> tuple[list[RouteQuote | None], list]:
    """QuoterV2 quotes for (route, amount_in) pairs, in one JSON-RPC batch with ``extra``
    requests (e.g. eth_feeHistory). Returns the quotes (None where a quote failed) and the
    extra requests' results."""
    calls = [Call(quoter, _quote_call(route, amount)) for route, amount in requests]
    chunks = [calls[i:i + QUOTES_PER_MULTICALL] for i in range(0, len(calls), QUOTES_PER_MULTICALL)]
    batch = [("eth_call", [{"to": MULTICALL3_ADDRESS, "data": "0x" + encode_aggregate3(chunk).hex()},
                           "latest"]) for chunk in chunks]
    answers = client.batch(batch + list(extra or []))
    results: list[CallResult] = []
    for chunk, answer in zip(chunks, answers[:len(chunks)], strict=True):
        if isinstance(answer, Exception):
            raise ChainError(f"quoting failed: {answer}")
        results += decode_aggregate3(bytes.fromhex(answer[2:]), chunk)
    quotes: list[RouteQuote | None] = []
    for (route, amount), result in zip(requests, results, strict=True):
        if not result.success or len(result.data) < 128:
            quotes.append(None)
            continue
        # (amountOut, sqrtPriceX96After(s), initializedTicksCrossed(s), gasEstimate): for one hop
        # four static words; for a path the two arrays are offsets, so the first and fourth words
        # are amountOut and gasEstimate either way (read directly: eth_abi took ~0.3 ms a quote).
        out, gas = (int.from_bytes(result.data[i:i + 32], "big") for i in (0, 96))
        quotes.append(RouteQuote(route, amount, out, gas))
    return quotes, answers[len(chunks):]


def _quote_call(route: Route, amount_in: int) -> bytes:
    if len(route.fees) == 1:
        return _QUOTE_SINGLE + encode(["(address,address,uint256,uint24,uint160)"],
                                      [(route.tokens[0], route.tokens[1], amount_in, route.fees[0], 0)])
    return _QUOTE_PATH + encode(["bytes", "uint256"], [v3_path(list(route.tokens), list(route.fees)), amount_in])


def _word(result: CallResult) -> int | None:
    if not result.success or len(result.data) < 32:
        return None
    return int.from_bytes(result.data[:32], "big")

"""Calldata for index buys through Uniswap's canonical routers. Pure functions, no I/O.

Two routes, each ONE transaction for the whole basket, with a deadline and a per-leg
``amountOutMinimum`` (a leg that would get less reverts the whole transaction):

- **ETH in -> Universal Router** ``execute(commands, inputs, deadline)``: ``WRAP_ETH`` once for
  the sum of the legs (the WETH stays in the router), then one ``V3_SWAP_EXACT_IN`` per leg
  with ``payerIsUser = false`` (the router pays each pool from the WETH it holds). ETH input
  never touches Permit2. SwapRouter02 cannot do this: its ``pay`` wraps ETH per leg, and WETH
  wrapped up front by ``wrapETH`` can only be spent by a leg whose amount is "the router's whole
  balance", so a multi-leg buy through it wraps once per leg (``encode_swaprouter02_eth_buy``,
  kept as the naive baseline).
- **ERC-20 in (USDC) -> SwapRouter02** ``multicall(deadline, data)``: one ``exactInputSingle``
  (or ``exactInput`` for a two-hop path through ``via``) per leg, paid by the user from an
  exact-amount ``approve`` (``encode_erc20_approve`` refuses an unlimited one).

The single-leg encoders are what a user sends when buying the same tokens one transaction at
a time; they exist for the "one tx vs N txs" comparison.

Encodings follow universal-router 2.1.0 (``contracts/libraries/Commands.sol``,
``contracts/base/Dispatcher.sol``); the V3_SWAP_EXACT_IN and WRAP_ETH inputs are the same in
2.0.0, the version the Uniswap docs list for public chains. (2.1.1 appends a
``uint256[] minHopPriceX36`` to the swap input: not this encoding.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address
from hexbytes import HexBytes

from app.errors import InvalidInput

# Universal Router command bytes (Commands.sol, universal-router 2.1.0).
UR_V3_SWAP_EXACT_IN = 0x00
UR_WRAP_ETH = 0x0B
UR_TRANSFER = 0x05                  # Commands.TRANSFER: pay(token, recipient, value) from the router
UR_ETH = "0x0000000000000000000000000000000000000000"  # Constants.ETH
# Recipient sentinels the Universal Router maps (v4-periphery ActionConstants).
UR_MSG_SENDER = "0x0000000000000000000000000000000000000001"
UR_ADDRESS_THIS = "0x0000000000000000000000000000000000000002"
# keccak256 of UniswapV3Pool's creation code: v3-periphery's PoolAddress.POOL_INIT_CODE_HASH.
V3_POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"
MAX_UINT256 = 2**256 - 1

_UR_EXECUTE = function_signature_to_4byte_selector("execute(bytes,bytes[],uint256)")
_SR02_PULL = function_signature_to_4byte_selector("pull(address,uint256)")
_SR02_SWEEP = function_signature_to_4byte_selector("sweepToken(address,uint256,address)")
_SR02_MULTICALL = function_signature_to_4byte_selector("multicall(uint256,bytes[])")
_SR02_EXACT_INPUT_SINGLE = function_signature_to_4byte_selector(
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))")
_SR02_EXACT_INPUT = function_signature_to_4byte_selector(
    "exactInput((bytes,address,uint256,uint256))")
_ERC20_APPROVE = function_signature_to_4byte_selector("approve(address,uint256)")
_RESERVED_RECIPIENTS = {0, 1, 2}  # zero, and the routers' "msg.sender"/"this" sentinels


class SwapLeg(NamedTuple):
    """One leg of a basket buy: ``amount_in`` of the pay token into ``token_out``.

    ``fee`` is the fee tier of the pool that delivers ``token_out``. A two-hop leg goes
    pay token -[via_fee]-> ``via`` -[fee]-> ``token_out``. A plain 5-tuple
    ``(token_out, fee, amount_in, amount_out_min, recipient)`` is accepted wherever a leg is.
    """

    token_out: str
    fee: int
    amount_in: int
    amount_out_min: int
    recipient: str
    via: str | None = None
    via_fee: int | None = None

    def path(self, token_in: str) -> bytes:
        if self.via is None:
            return v3_path([token_in, self.token_out], [self.fee])
        if self.via_fee is None:
            raise ValueError(f"leg to {self.token_out}: a two-hop leg needs via_fee")
        return v3_path([token_in, self.via, self.token_out], [self.via_fee, self.fee])


# --- helpers -----------------------------------------------------------------------------------
def v3_path(tokens: Sequence[str], fees: Sequence[int]) -> bytes:
    """A Uniswap V3 path: token (20 bytes), fee (3 bytes), token, ... (exact-input order)."""
    if len(tokens) < 2 or len(fees) != len(tokens) - 1:
        raise ValueError(f"a V3 path needs n >= 2 tokens and n - 1 fees, got {len(tokens)} and {len(fees)}")
    out = bytearray(_address_bytes(tokens[0]))
    for fee, token in zip(fees, tokens[1:], strict=True):
        out += _fee_bytes(fee) + _address_bytes(token)
    return bytes(out)


def pool_address(factory: str, token_a: str, token_b: str, fee: int,
                 init_code_hash: str | bytes = V3_POOL_INIT_CODE_HASH) -> str:
    """The V3 pool's address by CREATE2 (as PoolAddress.computeAddress), checksummed."""
    a, b = _address_bytes(token_a), _address_bytes(token_b)
    if a == b:
        raise ValueError("a pool needs two different tokens")
    token0, token1 = (a, b) if a < b else (b, a)
    salt = keccak(encode(["address", "address", "uint24"],
                         [to_checksum_address(token0), to_checksum_address(token1), _fee(fee)]))
    code_hash = bytes(HexBytes(init_code_hash))
    if len(code_hash) != 32:
        raise ValueError("init_code_hash must be 32 bytes")
    digest = keccak(b"\xff" + _address_bytes(factory) + salt + code_hash)
    return to_checksum_address(digest[12:])


def total_amount_in(legs: Iterable[SwapLeg | tuple]) -> int:
    return sum(_leg(leg).amount_in for leg in legs)


def encode_erc20_approve(spender: str, amount: int) -> bytes:
    """``approve(spender, amount)`` for exactly what the transaction spends; never unlimited."""
    if not 0 < amount < MAX_UINT256:
        raise ValueError("approve an exact, positive amount (unlimited approvals are refused)")
    return _ERC20_APPROVE + encode(["address", "uint256"], [to_checksum_address(spender), amount])


# --- Universal Router (ETH in) -------------------------------------------------------------------
# Universal Router releases whose V3_SWAP_EXACT_IN and WRAP_ETH inputs are the ones encoded
# here. 2.1.1 added a uint256[] minHopPriceX36 input to the V3 swap commands: sending it this
# encoding would be decoded wrongly, so it (and any release not listed) is refused.
UNIVERSAL_ROUTER_ENCODES = ("2.0.0", "2.1.0")


def check_universal_router(address: str | None, version: str | None, network_label: str) -> str:
    """The router's address if this module encodes for its release; InvalidInput otherwise."""
    if not address:
        raise InvalidInput(f"{network_label} has no Universal Router configured: an ETH-paid basket "
                           "cannot be bought in one transaction there")
    if version not in UNIVERSAL_ROUTER_ENCODES:
        raise InvalidInput(
            f"the Universal Router at {address} on {network_label} is "
            f"{'version ' + version if version else 'of an unknown version'}; Basketry encodes calls "
            f"for versions {', '.join(UNIVERSAL_ROUTER_ENCODES)} only and will not send a call "
            "that router could read differently")
    return address


def encode_universal_router_eth_buy(legs: Sequence[SwapLeg | tuple], deadline: int,
                                    weth: str, fee: tuple[str, int] | None = None) -> tuple[bytes, int]:
    """``execute(commands, inputs, deadline)`` buying every leg with ETH; returns (calldata, value).

    Commands: WRAP_ETH(recipient = the router, amount = the sum of the legs), then
    V3_SWAP_EXACT_IN(recipient, amountIn, amountOutMin, path WETH->...->token, payerIsUser=false)
    per leg. ``value`` (the ETH to send) equals the sum, so nothing is left in the router.
    """
    checked = _checked_legs(legs, deadline, wrap_token=weth)
    value = sum(leg.amount_in for leg in checked)
    swaps = [leg for leg in checked if not _is_wrap(leg, weth)]
    wraps = [leg for leg in checked if _is_wrap(leg, weth)]
    commands, inputs = [], []
    if fee is not None and fee[1] > 0:  # the platform fee, in ETH, before anything is wrapped
        commands.append(UR_TRANSFER)
        inputs.append(encode(["address", "address", "uint256"], [UR_ETH, to_checksum_address(fee[0]), fee[1]]))
        value += fee[1]
    if swaps:
        commands.append(UR_WRAP_ETH)
        inputs.append(encode(["address", "uint256"], [UR_ADDRESS_THIS, sum(leg.amount_in for leg in swaps)]))
    for leg in wraps:  # WETH itself needs no pool: wrapped straight to the buyer
        commands.append(UR_WRAP_ETH)
        inputs.append(encode(["address", "uint256"], [to_checksum_address(leg.recipient), leg.amount_in]))
    for leg in swaps:
        commands.append(UR_V3_SWAP_EXACT_IN)
        inputs.append(encode(["address", "uint256", "uint256", "bytes", "bool"],
                             [to_checksum_address(leg.recipient), leg.amount_in, leg.amount_out_min,
                              leg.path(weth), False]))
    commands = bytes(commands)
    calldata = _UR_EXECUTE + encode(["bytes", "bytes[]", "uint256"], [commands, inputs, deadline])
    return calldata, value


def encode_universal_router_eth_single(leg: SwapLeg | tuple, deadline: int,
                                       weth: str) -> tuple[bytes, int]:
    """One ETH -> token swap through the Universal Router (wrap, swap): one leg, one tx."""
    return encode_universal_router_eth_buy([leg], deadline, weth)


# --- SwapRouter02 ---------------------------------------------------------------------------------
def encode_swaprouter02_token_buy(legs: Sequence[SwapLeg | tuple], deadline: int,
                                  token_in: str, fee: tuple[str, int] | None = None) -> bytes:
    """``multicall(deadline, [exactInputSingle | exactInput per leg])`` paid in ``token_in``.

    The router pulls each leg's ``amount_in`` from the sender: approve exactly
    ``total_amount_in(legs)`` to the router first (``encode_erc20_approve``).
    """
    checked = _checked_legs(legs, deadline)
    calls = [swap_call(leg, token_in) for leg in checked]
    if fee is not None and fee[1] > 0:  # the platform fee: pulled into the router, swept to its recipient
        calls = [_SR02_PULL + encode(["address", "uint256"], [to_checksum_address(token_in), fee[1]]),
                 _SR02_SWEEP + encode(["address", "uint256", "address"],
                                      [to_checksum_address(token_in), fee[1], to_checksum_address(fee[0])])] + calls
    return _multicall(deadline, calls)


def encode_swaprouter02_multicall(deadline: int, calls: Sequence[bytes]) -> bytes:
    """``multicall(deadline, calls)``: SwapRouter02 calls (e.g. ``swap_call`` of legs paid in
    different tokens, as a rebalance or an exit sells several tokens) under one deadline."""
    if not calls:
        raise ValueError("a multicall needs at least one call")
    if not 0 < deadline < 2**256:
        raise ValueError("a deadline (unix seconds) is required")
    return _multicall(deadline, list(calls))


def encode_swaprouter02_token_single(leg: SwapLeg | tuple, deadline: int, token_in: str) -> bytes:
    """One token -> token swap through SwapRouter02 (with its deadline): one leg, one tx."""
    return encode_swaprouter02_token_buy([leg], deadline, token_in)


def encode_swaprouter02_eth_buy(legs: Sequence[SwapLeg | tuple], deadline: int,
                                weth: str) -> tuple[bytes, int]:
    """The naive ETH basket through SwapRouter02: ``multicall(deadline, [exactInputSingle...])``
    with ``value`` = the sum; the router wraps each leg's ETH separately. Returns (calldata, value).
    """
    checked = _checked_legs(legs, deadline)
    value = sum(leg.amount_in for leg in checked)
    return _multicall(deadline, [swap_call(leg, weth) for leg in checked]), value


def encode_swaprouter02_eth_single(leg: SwapLeg | tuple, deadline: int,
                                   weth: str) -> tuple[bytes, int]:
    """One ETH -> token swap through SwapRouter02, as ``multicall(deadline, [exactInputSingle])``
    with the ETH as ``value`` (SwapRouter02's swap functions carry no deadline of their own)."""
    return encode_swaprouter02_eth_buy([leg], deadline, weth)


def swap_call(leg: SwapLeg | tuple, token_in: str) -> bytes:
    """SwapRouter02's inner call for one leg: ``exactInputSingle`` (one hop, no price limit) or
    ``exactInput`` (two hops). Without a deadline: wrap it in ``multicall(deadline, ...)``."""
    leg = _leg(leg)
    if leg.via is None:
        return _SR02_EXACT_INPUT_SINGLE + encode(
            ["(address,address,uint24,address,uint256,uint256,uint160)"],
            [(to_checksum_address(token_in), to_checksum_address(leg.token_out), _fee(leg.fee),
              to_checksum_address(leg.recipient), leg.amount_in, leg.amount_out_min, 0)])
    return _SR02_EXACT_INPUT + encode(
        ["(bytes,address,uint256,uint256)"],
        [(leg.path(token_in), to_checksum_address(leg.recipient), leg.amount_in, leg.amount_out_min)])


# --- internals -----------------------------------------------------------------------------------
def _multicall(deadline: int, calls: list[bytes]) -> bytes:
    return _SR02_MULTICALL + encode(["uint256", "bytes[]"], [deadline, calls])


def _leg(leg: SwapLeg | tuple) -> SwapLeg:
    return leg if isinstance(leg, SwapLeg) else SwapLeg(*leg)


def _is_wrap(leg: SwapLeg, weth: str | None) -> bool:
    return weth is not None and to_checksum_address(leg.token_out) == to_checksum_address(weth)


def _checked_legs(legs: Sequence[SwapLeg | tuple], deadline: int,
                  wrap_token: str | None = None) -> list[SwapLeg]:
    """Every leg well-formed, with a real minimum out and a real recipient; a real deadline.
    A leg to ``wrap_token`` (WETH, paid in ETH) is a wrap: it has no fee tier."""
    if not legs:
        raise ValueError("a buy needs at least one leg")
    if not 0 < deadline < 2**256:
        raise ValueError("a deadline (unix seconds) is required")
    checked = []
    for leg in map(_leg, legs):
        if not 0 < leg.amount_in < 2**255:
            raise ValueError(f"leg to {leg.token_out}: amount_in must be positive")
        if not 0 < leg.amount_out_min < 2**256:
            raise ValueError(f"leg to {leg.token_out}: amount_out_min must be positive "
                             "(zero would mean no slippage protection)")
        if int(_address_bytes(leg.recipient).hex(), 16) in _RESERVED_RECIPIENTS:
            raise ValueError(f"leg to {leg.token_out}: recipient must be a real address")
        if not _is_wrap(leg, wrap_token):
            _fee(leg.fee)
        checked.append(leg)
    return checked


def _address_bytes(address: str) -> bytes:
    raw = bytes(HexBytes(address))
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte address: {address!r}")
    return raw


def _fee(fee: int) -> int:
    if not isinstance(fee, int) or not 0 < fee < 2**24:
        raise ValueError(f"fee tier must be a uint24 in hundredths of a bip, got {fee!r}")
    return fee


def _fee_bytes(fee: int) -> bytes:
    return _fee(fee).to_bytes(3, "big")

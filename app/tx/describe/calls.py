"""Call data -> decoded steps (pure): addresses checksummed, amounts in base units.

What is decoded: the Universal Router's ``execute`` commands (WRAP_ETH, V3_SWAP_EXACT_IN,
TRANSFER, PAY_PORTION, SWEEP, UNWRAP_WETH), SwapRouter02's ``multicall`` legs (exactInputSingle,
exactInput, pull, sweepToken, unwrapWETH9, refundETH, wrapETH), ERC-20 approve/transfer/
transferFrom, WETH deposit/withdraw and ERC-4626 deposit/mint/withdraw/redeem. Anything else is
a ``Step("unknown", ...)`` the summary warns about: never a guess. Which contract a call went
to (a token, WETH, a vault, a router) is the summary's business (``render``): the same
selector means one thing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

# Universal Router commands (universal-router 2.x, contracts/libraries/Commands.sol).
UR_COMMAND_MASK = 0x3F
UR_ALLOW_REVERT = 0x80
UR_COMMANDS = {
    0x00: "V3_SWAP_EXACT_IN", 0x01: "V3_SWAP_EXACT_OUT", 0x02: "PERMIT2_TRANSFER_FROM",
    0x03: "PERMIT2_PERMIT_BATCH", 0x04: "SWEEP", 0x05: "TRANSFER", 0x06: "PAY_PORTION",
    0x08: "V2_SWAP_EXACT_IN", 0x09: "V2_SWAP_EXACT_OUT", 0x0A: "PERMIT2_PERMIT", 0x0B: "WRAP_ETH",
    0x0C: "UNWRAP_WETH", 0x0D: "PERMIT2_TRANSFER_FROM_BATCH", 0x0E: "BALANCE_CHECK_ERC20",
    0x10: "V4_SWAP",
}
# The routers' recipient sentinels (ActionConstants / SwapRouter02 Constants).
MSG_SENDER = "0x0000000000000000000000000000000000000001"
ADDRESS_THIS = "0x0000000000000000000000000000000000000002"
NATIVE_SENTINEL = "0x0000000000000000000000000000000000000000"   # Constants.ETH in TRANSFER/SWEEP
CONTRACT_BALANCE = 1 << 255                  # "everything the router holds" (ActionConstants)

_UR_INPUTS = {
    0x00: ["address", "uint256", "uint256", "bytes", "bool"],     # recipient, in, min out, path, payerIsUser
    0x04: ["address", "address", "uint256"],                      # token, recipient, amountMin
    0x05: ["address", "address", "uint256"],                      # token, recipient, value
    0x06: ["address", "address", "uint256"],                      # token, recipient, bips
    0x0B: ["address", "uint256"],                                 # recipient, amount
    0x0C: ["address", "uint256"],                                 # recipient, amountMin
}


def _sel(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


# signature -> step kind, argument names
PLAIN_FUNCTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "transfer(address,uint256)": ("transfer", ("recipient", "amount")),
    "approve(address,uint256)": ("approve", ("spender", "amount")),
    "transferFrom(address,address,uint256)": ("transfer_from", ("owner", "recipient", "amount")),
    "deposit()": ("wrap", ()),
    "withdraw(uint256)": ("unwrap", ("amount",)),
    "deposit(uint256,address)": ("vault_deposit", ("assets", "receiver")),
    "mint(uint256,address)": ("vault_mint", ("shares", "receiver")),
    "withdraw(uint256,address,address)": ("vault_withdraw", ("assets", "receiver", "owner")),
    "redeem(uint256,address,address)": ("vault_redeem", ("shares", "receiver", "owner")),
}
_PLAIN = {_sel(sig): sig for sig in PLAIN_FUNCTIONS}
UR_EXECUTE = {_sel("execute(bytes,bytes[],uint256)"): "execute(bytes,bytes[],uint256)",
              _sel("execute(bytes,bytes[])"): "execute(bytes,bytes[])"}
SR02_MULTICALL = {_sel("multicall(uint256,bytes[])"): "multicall(uint256,bytes[])",
                  _sel("multicall(bytes[])"): "multicall(bytes[])",
                  _sel("multicall(bytes32,bytes[])"): "multicall(bytes32,bytes[])"}
_SR02 = {
    _sel("exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"): "exactInputSingle",
    _sel("exactInput((bytes,address,uint256,uint256))"): "exactInput",
    _sel("pull(address,uint256)"): "pull",
    _sel("sweepToken(address,uint256,address)"): "sweepToken",
    _sel("sweepToken(address,uint256)"): "sweepToken(msg.sender)",
    _sel("unwrapWETH9(uint256,address)"): "unwrapWETH9",
    _sel("unwrapWETH9(uint256)"): "unwrapWETH9(msg.sender)",
    _sel("refundETH()"): "refundETH",
    _sel("wrapETH(uint256)"): "wrapETH",
}


@dataclass(frozen=True)
class Step:
    """One thing the call does. ``args``: addresses checksummed, amounts int, a path as
    ``tokens`` (tuple) and ``fees`` (tuple of fee tiers in hundredths of a bip)."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DecodedCall:
    method: str | None                   # the function's signature; None for no data
    steps: tuple[Step, ...]
    deadline: int | None = None
    problems: tuple[str, ...] = ()       # what could not be decoded (the summary warns)


def decode_call(data: bytes) -> DecodedCall:
    """The steps of one call's data (see the module docstring)."""
    if not data:
        return DecodedCall(None, ())
    selector = data[:4]
    try:
        if selector in UR_EXECUTE:
            return _universal_router(UR_EXECUTE[selector], data[4:])
        if selector in SR02_MULTICALL:
            return _multicall(SR02_MULTICALL[selector], data[4:])
        if selector in _PLAIN:
            signature = _PLAIN[selector]
            kind, names = PLAIN_FUNCTIONS[signature]
            return DecodedCall(signature, (Step(kind, _plain_args(signature, names, data[4:])),))
        if selector in _SR02:  # a SwapRouter02 call sent on its own
            step = _sr02_step(data)
            return DecodedCall(_SR02[selector], (step,))
    except (DecodingError, ValueError, OverflowError) as exc:
        return DecodedCall(f"0x{selector.hex()}", (_unknown(data),),
                           problems=(f"the call data does not decode as its function says ({exc})",))
    return DecodedCall(f"unknown function 0x{selector.hex()}", (_unknown(data),),
                       problems=(f"unknown function 0x{selector.hex()} ({len(data)} bytes of data)",))


def parse_v3_path(path: bytes) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A Uniswap V3 path (token, fee, token, ...) -> (tokens, fees). ValueError if malformed."""
    if len(path) < 43 or (len(path) - 20) % 23:
        raise ValueError(f"a V3 path of {len(path)} bytes is not token (fee token)+")
    tokens = [to_checksum_address(path[:20])]
    fees = []
    for offset in range(20, len(path), 23):
        fees.append(int.from_bytes(path[offset:offset + 3], "big"))
        tokens.append(to_checksum_address(path[offset + 3:offset + 23]))
    return tuple(tokens), tuple(fees)


# --- Universal Router ---------------------------------------------------------------------------
def _universal_router(signature: str, body: bytes) -> DecodedCall:
    if signature == "execute(bytes,bytes[],uint256)":
        commands, inputs, deadline = decode(["bytes", "bytes[]", "uint256"], body)
    else:
        (commands, inputs), deadline = decode(["bytes", "bytes[]"], body), None
    problems = []
    if len(commands) != len(inputs):
        problems.append(f"{len(commands)} commands but {len(inputs)} inputs: the router would refuse it")
    steps = []
    for byte, raw in zip(commands, inputs, strict=False):
        command = byte & UR_COMMAND_MASK
        name = UR_COMMANDS.get(command, f"0x{command:02x}")
        types = _UR_INPUTS.get(command)
        if types is None:
            steps.append(Step("unknown", {"command": name, "bytes": len(raw)}))
            problems.append(f"Universal Router command {name} is not decoded by Basketry")
            continue
        try:
            values = decode(types, raw)
        except (DecodingError, OverflowError) as exc:
            steps.append(Step("unknown", {"command": name, "bytes": len(raw)}))
            problems.append(f"the input of Universal Router command {name} does not decode ({exc})")
            continue
        allow_revert = bool(byte & UR_ALLOW_REVERT)
        steps.append(_ur_step(command, values, allow_revert))
        if allow_revert:
            problems.append(f"command {name} may fail without undoing the rest (its allow-revert flag is set)")
    return DecodedCall(signature, tuple(steps), deadline, tuple(problems))


def _ur_step(command: int, values: tuple, allow_revert: bool) -> Step:
    if command == 0x00:
        recipient, amount_in, min_out, path, payer_is_user = values
        tokens, fees = parse_v3_path(path)
        return Step("swap", {"recipient": _addr(recipient), "amount_in": amount_in, "min_out": min_out,
                             "tokens": tokens, "fees": fees, "payer_is_user": payer_is_user,
                             "allow_revert": allow_revert})
    if command == 0x0B:
        recipient, amount = values
        return Step("wrap", {"recipient": _addr(recipient), "amount": amount})
    if command == 0x0C:
        recipient, minimum = values
        return Step("unwrap", {"recipient": _addr(recipient), "min_amount": minimum})
    token, recipient, number = values
    token = None if _addr(token) == NATIVE_SENTINEL else _addr(token)
    if command == 0x05:
        return Step("pay", {"token": token, "recipient": _addr(recipient), "amount": number})
    if command == 0x06:
        return Step("pay_portion", {"token": token, "recipient": _addr(recipient), "bips": number})
    return Step("sweep", {"token": token, "recipient": _addr(recipient), "min_amount": number})


# --- SwapRouter02 -------------------------------------------------------------------------------
def _multicall(signature: str, body: bytes) -> DecodedCall:
    deadline = None
    if signature == "multicall(uint256,bytes[])":
        deadline, calls = decode(["uint256", "bytes[]"], body)
    elif signature == "multicall(bytes32,bytes[])":
        _block_hash, calls = decode(["bytes32", "bytes[]"], body)
    else:
        (calls,) = decode(["bytes[]"], body)
    steps, problems = [], []
    for call in calls:
        if call[:4] in _SR02:
            try:
                steps.append(_sr02_step(call))
                continue
            except (DecodingError, ValueError, OverflowError) as exc:
                problems.append(f"a multicall leg 0x{call[:4].hex()} does not decode ({exc})")
        else:
            problems.append(f"a multicall leg calls unknown function 0x{call[:4].hex()} ({len(call)} bytes)")
        steps.append(_unknown(call))
    return DecodedCall(signature, tuple(steps), deadline, tuple(problems))


def _sr02_step(call: bytes) -> Step:
    name, body = _SR02[call[:4]], call[4:]
    if name == "exactInputSingle":
        ((token_in, token_out, fee, recipient, amount_in, min_out, _limit),) = decode(
            ["(address,address,uint24,address,uint256,uint256,uint160)"], body)
        return Step("swap", {"recipient": _addr(recipient), "amount_in": amount_in, "min_out": min_out,
                             "tokens": (_addr(token_in), _addr(token_out)), "fees": (fee,),
                             "payer_is_user": True, "price_limit": _limit})
    if name == "exactInput":
        ((path, recipient, amount_in, min_out),) = decode(["(bytes,address,uint256,uint256)"], body)
        tokens, fees = parse_v3_path(path)
        return Step("swap", {"recipient": _addr(recipient), "amount_in": amount_in, "min_out": min_out,
                             "tokens": tokens, "fees": fees, "payer_is_user": True})
    if name == "pull":
        token, value = decode(["address", "uint256"], body)
        return Step("pull", {"token": _addr(token), "amount": value})
    if name == "sweepToken":
        token, minimum, recipient = decode(["address", "uint256", "address"], body)
        return Step("sweep", {"token": _addr(token), "recipient": _addr(recipient), "min_amount": minimum})
    if name == "sweepToken(msg.sender)":
        token, minimum = decode(["address", "uint256"], body)
        return Step("sweep", {"token": _addr(token), "recipient": MSG_SENDER, "min_amount": minimum})
    if name == "unwrapWETH9":
        minimum, recipient = decode(["uint256", "address"], body)
        return Step("unwrap", {"recipient": _addr(recipient), "min_amount": minimum})
    if name == "unwrapWETH9(msg.sender)":
        (minimum,) = decode(["uint256"], body)
        return Step("unwrap", {"recipient": MSG_SENDER, "min_amount": minimum})
    if name == "wrapETH":
        (value,) = decode(["uint256"], body)
        return Step("wrap", {"recipient": ADDRESS_THIS, "amount": value})
    return Step("refund", {"recipient": MSG_SENDER})


# --- internals ----------------------------------------------------------------------------------
def _plain_args(signature: str, names: tuple[str, ...], body: bytes) -> dict[str, Any]:
    types = signature[signature.index("(") + 1:-1]
    values = decode(types.split(","), body) if types else ()
    return {name: _addr(v) if isinstance(v, str) else v for name, v in zip(names, values, strict=True)}


def _unknown(data: bytes) -> Step:
    return Step("unknown", {"selector": f"0x{data[:4].hex()}", "bytes": len(data)})


def _addr(value: str | bytes) -> str:
    return to_checksum_address(value)

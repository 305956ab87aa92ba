"""Multicall3 ``aggregate3``: encode many calls into one, decode the results. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from hexbytes import HexBytes

# Deployed at this address on every public chain, and on the demo network by the app.
MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11"
_AGGREGATE3 = function_signature_to_4byte_selector("aggregate3((address,bool,bytes)[])")


@dataclass(frozen=True)
class Call:
    target: str
    data: bytes | str  # calldata, as bytes or 0x-hex (what web3's encode_abi returns)
    allow_failure: bool = True


@dataclass(frozen=True)
class CallResult:
    success: bool
    data: bytes


def encode_aggregate3(calls: list[Call] | tuple[Call, ...]) -> bytes:
    encoded = encode(["(address,bool,bytes)[]"],
                     [[(to_checksum_address(c.target), c.allow_failure, bytes(HexBytes(c.data))) for c in calls]])
    return _AGGREGATE3 + encoded


def decode_aggregate3(raw: bytes, calls: list[Call] | tuple[Call, ...]) -> list[CallResult]:
    (results,) = decode(["(bool,bytes)[]"], raw)
    if len(results) != len(calls):
        raise ValueError(f"Multicall3 returned {len(results)} results for {len(calls)} calls")
    return [CallResult(bool(ok), bytes(data)) for ok, data in results]

"""The L1 data fee of OP-stack chains (Base, Optimism), as the node charges it after Fjord.

An OP-stack transaction pays its L2 gas plus the cost of posting its signed bytes to Ethereum:
``fee = max(100e6, -42_585_600 + 836_500 * fastlz(signed tx)) * (16 * baseFeeScalar * l1BaseFee
+ blobBaseFeeScalar * blobBaseFee) / 1e12``, where ``fastlz`` is the length of the FastLZ
(level 1) compression of the signed transaction. The four prices come from the
GasPriceOracle predeploy, which reads the L1Block predeploy the sequencer updates every L1 block.

The GasPriceOracle's own ``getL1Fee(unsigned tx)`` adds a flat 68 bytes for the missing
signature. The node instead compresses the real signed bytes, so ``getL1Fee`` is off by the
difference (0.9% on a 1 KB transaction, measured). Here the fee is computed for the exact
transaction signed with a placeholder signature of full-entropy bytes: a real signature is
also incompressible, so the length (and the fee) comes out the same. ``fastlz_length`` is
checked in the tests against the GasPriceOracle's on-chain compression.

Pure except ``read_l1_pricing`` (and ``l1_fees_for``, which uses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import rlp

if TYPE_CHECKING:
    from app.chain.client import ChainClient

GAS_PRICE_ORACLE = "0x420000000000000000000000000000000000000F"
COST_INTERCEPT = -42_585_600
COST_FASTLZ_COEF = 836_500
MIN_TRANSACTION_SIZE = 100
SCALE = 10**12  # the oracle's 6 decimals, twice

_HASH_MULTIPLIER = 2654435769
_HASH_BITS_SHIFT = 19
_HASH_MASK = 8191            # a 13-bit table: 8192 slots
_MAX_DISTANCE = 8192
_MAX_LITERAL_RUN = 32
_MAX_MATCH_CHUNK = 262
_LONG_MATCH = 6             # from this many bytes a match takes 3 bytes, not 2


def fastlz_length(data: bytes) -> int:
    """Length of the FastLZ level-1 compression of ``data``, in the variant the OP-stack uses
    (Solady's LibZip.flzCompress, which the GasPriceOracle runs and the node mirrors)."""
    end = len(data) - 4
    table: dict[int, int] = {}
    out = 0
    anchor = 0
    i = 2

    def u24(at: int) -> int:
        return data[at] | data[at + 1] << 8 | data[at + 2] << 16

    def slot(value: int) -> int:
        return ((_HASH_MULTIPLIER * value) >> _HASH_BITS_SHIFT) & _HASH_MASK

    def literals(count: int) -> int:
        full, rest = divmod(count, _MAX_LITERAL_RUN)
        return full * (_MAX_LITERAL_RUN + 1) + (rest + 1 if rest else 0)

    while i < end - 9:
        # find the next position whose 3 bytes were seen within the window
        while True:
            seq = u24(i)
            h = slot(seq)
            ref = table.get(h, 0)
            table[h] = i
            distance = i - ref
            if i >= end - 9:
                break
            i += 1
            if distance < _MAX_DISTANCE and seq == u24(ref):
                break
        if i >= end - 9:
            break
        i -= 1
        if i > anchor:
            out += literals(i - anchor)
        # bytes after the 3 that matched; the scan also steps over the first differing byte
        matched = 0
        limit = end - (i + 3)
        while matched < limit and data[ref + 3 + matched] == data[i + 3 + matched]:
            matched += 1
        step = min(matched + 1, limit)  # limit > 6 here: i < end - 9
        i += step
        chunks, rest = divmod(step - 1, _MAX_MATCH_CHUNK)
        out += 3 * chunks + (3 if rest >= _LONG_MATCH else 2)
        table[slot(u24(i))] = i
        i += 1
        table[slot(u24(i))] = i
        i += 1
        anchor = i
    return out + literals(len(data) - anchor)


@dataclass(frozen=True)
class L1FeeParams:
    """The oracle's prices at one block (wei and the oracle's 6-decimal scalars)."""

    l1_base_fee: int
    blob_base_fee: int
    base_fee_scalar: int
    blob_base_fee_scalar: int

    def fee_for_size(self, compressed_size: int) -> int:
        estimated = max(MIN_TRANSACTION_SIZE * 10**6, COST_INTERCEPT + COST_FASTLZ_COEF * compressed_size)
        scaled = self.base_fee_scalar * 16 * self.l1_base_fee + self.blob_base_fee_scalar * self.blob_base_fee
        return estimated * scaled // SCALE

    def fee_for_signed(self, signed_tx: bytes) -> int:
        """What the node charges for these exact signed bytes."""
        return self.fee_for_size(fastlz_length(signed_tx))


# Full-entropy stand-ins for r and s (a real signature is as incompressible).
_PLACEHOLDER_R = bytes.fromhex("9c1f6ad2e3b47058c2a9e1d43f7b6c05a8e2d91b4c7f03e65d8a1b9c2e4f7a36")
_PLACEHOLDER_S = bytes.fromhex("3e7d5b19a6c4f28e0b9d7c3a51e6f84d2c0b9a7e63f15d48b2a9c7e05f1d3b62")


def placeholder_signed(tx: dict[str, Any]) -> bytes:
    """``tx`` (an EIP-1559 dict as the app builds it) serialized as if signed."""
    to = bytes.fromhex(tx["to"][2:]) if tx.get("to") else b""
    data = tx.get("data") or "0x"
    payload = data if isinstance(data, bytes) else bytes.fromhex(data[2:])
    access = [[bytes.fromhex(e["address"][2:]), [bytes.fromhex(k[2:]) for k in e["storageKeys"]]]
              for e in tx.get("accessList") or []]
    fields = [int(tx["chainId"]), int(tx["nonce"]), int(tx["maxPriorityFeePerGas"]),
              int(tx["maxFeePerGas"]), int(tx["gas"]), to, int(tx.get("value", 0)), payload, access,
              1, int.from_bytes(_PLACEHOLDER_R, "big"), int.from_bytes(_PLACEHOLDER_S, "big")]
    return b"\x02" + rlp.encode(fields)


def l1_fee_for(params: L1FeeParams, tx: dict[str, Any]) -> int:
    return params.fee_for_signed(placeholder_signed(tx))


_SELECTORS = {  # GasPriceOracle view functions
    "isFjord": "0x960e3a23",
    "l1BaseFee": "0x519b4bd3",
    "blobBaseFee": "0xf8206140",
    "baseFeeScalar": "0xc5985918",
    "blobBaseFeeScalar": "0x68d5dca6",
}


def read_l1_pricing(client: ChainClient, sender: str) -> tuple[L1FeeParams, int]:
    """The oracle's prices and ``sender``'s next nonce, in one round trip."""
    from app.chain.multicall import MULTICALL3_ADDRESS, Call, decode_aggregate3, encode_aggregate3
    from app.errors import ChainError

    names = list(_SELECTORS)
    calls = [Call(GAS_PRICE_ORACLE, bytes.fromhex(_SELECTORS[n][2:])) for n in names]
    nonce_hex, raw = client.batch([
        ("eth_getTransactionCount", [sender, "pending"]),
        ("eth_call", [{"to": MULTICALL3_ADDRESS, "data": "0x" + encode_aggregate3(calls).hex()}, "latest"]),
    ])
    for answer in (nonce_hex, raw):
        if isinstance(answer, Exception):
            raise ChainError(f"cannot price the L1 data fee: {answer}")
    values = {}
    for name, result in zip(names, decode_aggregate3(bytes.fromhex(raw[2:]), calls), strict=True):
        if not result.success or len(result.data) != 32:
            raise ChainError(f"the GasPriceOracle at {GAS_PRICE_ORACLE} did not answer {name}(): "
                             "the L1 data fee cannot be priced on this chain")
        values[name] = int.from_bytes(result.data, "big")
    if values["isFjord"] != 1:
        raise ChainError("the GasPriceOracle is not on the Fjord fee rules this app prices")
    params = L1FeeParams(values["l1BaseFee"], values["blobBaseFee"], values["baseFeeScalar"],
                         values["blobBaseFeeScalar"])
    return params, int(nonce_hex, 16)


def l1_fees(params: L1FeeParams, next_nonce: int, txs: list[dict[str, Any]]) -> list[int]:
    """The L1 data fee of each transaction, sent in this order from ``next_nonce`` (where a
    transaction has no nonce yet)."""
    fees = []
    for offset, tx in enumerate(txs):
        filled = {"nonce": next_nonce + offset, "gas": 0, "maxFeePerGas": 0, "maxPriorityFeePerGas": 0,
                  "chainId": 0, **{k: v for k, v in tx.items() if v is not None}}
        fees.append(l1_fee_for(params, filled))
    return fees


def l1_fees_for(client: ChainClient, txs: list[dict[str, Any]], sender: str) -> list[int]:
    """``l1_fees`` at the chain's current prices and ``sender``'s next nonce."""
    return l1_fees(*read_l1_pricing(client, sender), txs)

"""What the user approves: a transaction decoded into words (pure).

Known functions are decoded by selector (ERC-20, WETH, ERC-4626; routers arrive with the
index buy); anything else shows its selector and size, with a warning, never a guess.
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from app.units import format_units
from wallet.prompts import SigningSummary

# signature -> argument names, for the functions a summary can name
KNOWN_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "transfer(address,uint256)": ("to", "amount"),
    "approve(address,uint256)": ("spender", "amount"),
    "transferFrom(address,address,uint256)": ("from", "to", "amount"),
    "deposit()": (),
    "withdraw(uint256)": ("amount",),
    "deposit(uint256,address)": ("assets", "receiver"),
    "mint(uint256,address)": ("shares", "receiver"),
    "withdraw(uint256,address,address)": ("assets", "receiver", "owner"),
    "redeem(uint256,address,address)": ("shares", "receiver", "owner"),
}
_BY_SELECTOR = {function_signature_to_4byte_selector(sig): sig for sig in KNOWN_FUNCTIONS}
TOKEN_AMOUNT_ARGS = {"amount", "assets"}


def describe_transaction(tx: dict[str, Any], network_label: str, native_symbol: str,
                         tokens: dict[str, tuple[str, int]] | None = None,
                         notes: tuple[str, ...] = (), l1_fee_wei: int | None = None) -> SigningSummary:
    """``tokens`` maps checksummed address -> (symbol, decimals) for amounts in words;
    ``l1_fee_wei``: the L1 data fee of an OP-stack chain (app/chain/l1_fee.py), shown apart."""
    tokens = tokens or {}
    data = bytes.fromhex(str(tx.get("data") or "0x")[2:])
    to = to_checksum_address(tx["to"]) if tx.get("to") else None
    method, arguments, extra = None, {}, list(notes)
    if data:
        signature = _BY_SELECTOR.get(data[:4])
        if signature is None:
            method = f"unknown function 0x{data[:4].hex()} ({len(data)} bytes of data)"
            extra.insert(0, "Basketry cannot decode this call: sign only if you trust where it came from.")
        else:
            method = signature
            types = signature[signature.index("(") + 1:-1]
            values = decode(types.split(","), data[4:]) if types else ()
            token = tokens.get(to) if to else None
            for name, value in zip(KNOWN_FUNCTIONS[signature], values, strict=True):
                if isinstance(value, str):
                    arguments[name] = to_checksum_address(value)
                elif name in TOKEN_AMOUNT_ARGS and token is not None:
                    arguments[name] = f"{format_units(int(value), token[1])} {token[0]}"
                else:
                    arguments[name] = str(value)
    max_fee = None
    if tx.get("maxFeePerGas") is not None and tx.get("gas") is not None:
        wei = int(tx["maxFeePerGas"]) * int(tx["gas"])
        max_fee = f"{format_units(wei, 18)} {native_symbol}"
    label = tokens.get(to, (None,))[0] if to else None
    return SigningSummary(
        network=network_label, chain_id=int(tx["chainId"]), sender=to_checksum_address(tx["from"]),
        to=f"{to} ({label})" if label else to,
        value=f"{format_units(int(tx.get('value', 0)), 18)} {native_symbol}",
        method=method, arguments=arguments, max_fee=max_fee,
        l1_fee=(f"{format_units(l1_fee_wei, 18)} {native_symbol} (posting it to Ethereum; "
                "charged on top of the gas)") if l1_fee_wei else None,
        notes=tuple(extra))



"""Balances of many accounts in one Multicall3 read: the native coin and every known token."""

from __future__ import annotations

from decimal import Decimal

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from app.chain.client import ChainClient
from app.chain.multicall import MULTICALL3_ADDRESS, Call
from app.session import Token

_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")
_ETH_BALANCE = function_signature_to_4byte_selector("getEthBalance(address)")  # Multicall3's own


def read_balances(client: ChainClient, addresses: list[str], tokens: list[Token],
                  native_symbol: str = "ETH") -> dict[str, dict[str, Decimal]]:
    """{address: {symbol: balance}}; a token whose call fails is left out for that address."""
    addresses = [to_checksum_address(a) for a in addresses]
    calls, keys = [], []
    for address in addresses:
        calls.append(Call(MULTICALL3_ADDRESS, _ETH_BALANCE + encode(["address"], [address])))
        keys.append((address, native_symbol, 18))
        for token in tokens:
            calls.append(Call(token.address, _BALANCE_OF + encode(["address"], [address])))
            keys.append((address, token.symbol, token.decimals))
    result: dict[str, dict[str, Decimal]] = {a: {} for a in addresses}
    for (address, symbol, decimals), answer in zip(keys, client.multicall(calls), strict=True):
        if answer.success and len(answer.data) >= 32:
            result[address][symbol] = Decimal(int.from_bytes(answer.data[:32], "big")).scaleb(-decimals)
    return result

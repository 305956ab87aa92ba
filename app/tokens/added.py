"""Tokens a person adds by address: checked to be an ERC-20 on chain, stored per chain id and
genesis hash (table ``added_tokens``), and part of the network's known tokens from then on.

The check is ONE Multicall3 read of ``symbol()``, ``name()``, ``decimals()`` and
``totalSupply()``; only when nothing answered is ``eth_getCode`` asked, to tell "no contract
here" (an account) from "a contract that is not a token". Refused, each with its reason: no
code, ``decimals()`` or ``totalSupply()`` reverting or answering nothing, decimals above 36,
a ``symbol()`` that is not an ABI string (old bytes32 symbols included) or is empty, too long
or holds control characters or spaces. ``name()`` is optional (stored as "").
"""

from __future__ import annotations

import time
import unicodedata

from app.errors import InvalidInput
from app.tokens.tokenlist import MAX_DECIMALS
from app.tokens.universe import ADDED, Token

MAX_SYMBOL_LENGTH = 32
MAX_NAME_LENGTH = 100


class NotAToken(InvalidInput):
    """The address holds no ERC-20 token."""


def stored(store, chain_id: int, genesis_hash: str | None) -> list[Token]:
    """The added tokens of this chain, oldest first ([] without a known genesis)."""
    if genesis_hash is None:
        return []
    rows = store.db.execute(
        "SELECT symbol, address, decimals, name FROM added_tokens WHERE chain_id = ? AND genesis_hash = ?"
        " ORDER BY added_at, address", [chain_id, genesis_hash]).fetchall()
    return [Token(symbol, address, int(decimals), name, ADDED) for symbol, address, decimals, name in rows]


def save(store, chain_id: int, genesis_hash: str, token: Token, now: int | None = None) -> None:
    with store.lock, store.db.conn:
        store.db.conn.execute(
            "INSERT OR REPLACE INTO added_tokens (chain_id, genesis_hash, address, symbol, name, decimals,"
            " added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [chain_id, genesis_hash, token.address, token.symbol, token.name, token.decimals,
             int(time.time()) if now is None else now])


def read_erc20(client, address: str) -> Token:
    """Symbol, name and decimals of the ERC-20 at ``address`` (checksummed). Raises NotAToken."""
    from eth_utils import function_signature_to_4byte_selector as selector  # the chain code

    from app.chain.multicall import Call

    signatures = ("symbol()", "name()", "decimals()", "totalSupply()")
    symbol_r, name_r, decimals_r, supply_r = client.multicall([Call(address, selector(s)) for s in signatures])
    results = (symbol_r, name_r, decimals_r, supply_r)
    if all(r.success and not r.data for r in results) and not client.code(address):
        raise NotAToken(f"{address} has no contract code: it is an account (or nothing), not a token")
    for result, what in ((decimals_r, "decimals()"), (supply_r, "totalSupply()")):
        if not result.success:
            raise NotAToken(f"{address} is not an ERC-20 token: {what} reverted")
        if len(result.data) != 32:
            raise NotAToken(f"{address} is not an ERC-20 token: {what} answered "
                            f"{len(result.data)} bytes, not one 32-byte number")
    decimals = int.from_bytes(decimals_r.data, "big")
    if decimals > MAX_DECIMALS:
        raise NotAToken(f"{address}: decimals() is {decimals}, above {MAX_DECIMALS}: refused "
                        "(no real token has that many; amounts would be unreadable)")
    if not symbol_r.success:
        raise NotAToken(f"{address} is not an ERC-20 token: symbol() reverted")
    symbol = _abi_string(symbol_r.data)
    if symbol is None:
        raise NotAToken(f"{address}: symbol() did not answer a string (an old bytes32 symbol, or "
                        "not a token): refused")
    problem = _symbol_problem(symbol)
    if problem:
        raise NotAToken(f"{address}: symbol() answered {symbol!r}, which {problem}: refused")
    name = (_abi_string(name_r.data) if name_r.success else None) or ""
    if any(unicodedata.category(char)[0] == "C" for char in name):
        name = ""  # the name is only shown: one with control characters is dropped, not refused
    return Token(symbol, address, decimals, name[:MAX_NAME_LENGTH].strip(), ADDED)


def _abi_string(data: bytes) -> str | None:
    """An ABI-encoded ``string`` return value, strictly: head offset 32, length, UTF-8 body."""
    if len(data) < 64 or int.from_bytes(data[:32], "big") != 32:
        return None
    length = int.from_bytes(data[32:64], "big")
    if len(data) < 64 + length:
        return None
    try:
        return data[64:64 + length].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _symbol_problem(text: str) -> str | None:
    if not text:
        return "is empty"
    if len(text) > MAX_SYMBOL_LENGTH:
        return f"is longer than {MAX_SYMBOL_LENGTH} characters"
    for char in text:
        if char.isspace() or unicodedata.category(char)[0] in ("C", "Z"):
            return f"holds a space or an invisible/control character (U+{ord(char):04X})"
    return None

"""Which tokens a network knows, and which one a symbol or an address means. Pure.

A network's universe is, in this order of precedence:

1. ``network``: its own tokens (the wrapped native coin and USDC of networks.json; on the demo
   network, every token its devnet deployed);
2. ``list``: the bundled token list's tokens for its chain id, and the few basket tokens the
   canonical-token file adds with a cited source (``resources/canonical_tokens.json``);
3. ``added``: the tokens the person added by address (stored per chain id and genesis).

An address appears once: the first of these that has it names it (Polygon's wrapped native is
WPOL from networks.json, not the list's older "WMATIC"). A symbol may appear more than once
(bridged and native, or two lists' tokens): a symbol then picks the network's own token if
exactly one of the candidates is one (the native USDC wins "USDC"), and otherwise nothing: the
refusal lists every candidate's address, and an address always works.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.errors import InvalidInput

NETWORK, LIST, ADDED = "network", "list", "added"


@dataclass(frozen=True)
class Token:
    symbol: str
    address: str  # EIP-55
    decimals: int
    name: str = ""
    origin: str = NETWORK  # NETWORK, LIST or ADDED (see the module's docstring)


def merge(*groups: Iterable[Token]) -> list[Token]:
    """The groups in order of precedence, each address kept once (the first one's)."""
    seen: set[str] = set()
    merged = []
    for group in groups:
        for token in group:
            key = token.address.lower()
            if key not in seen:
                seen.add(key)
                merged.append(token)
    return merged


def candidates(tokens: Iterable, symbol: str) -> list:
    """The tokens ``symbol`` may mean: exact-case matches if any, else case-insensitive ones;
    of several, the network's own if exactly one is. One item: resolved; none: unknown; more:
    ambiguous."""
    tokens = list(tokens)
    matches = [t for t in tokens if t.symbol == symbol] \
        or [t for t in tokens if t.symbol.lower() == symbol.lower()]
    if len(matches) > 1:
        own = [t for t in matches if getattr(t, "origin", NETWORK) == NETWORK]
        if len(own) == 1:
            return own
    return matches


def ambiguity(matches: list) -> str:
    return ("ambiguous symbol (" + ", ".join(f"{t.symbol} {t.address}" for t in matches)
            + "): give the token's address")


def find(tokens: list[Token], wanted: str, where: str) -> Token:
    """The token ``wanted`` (a symbol, or an address already parsed by app.inputs) names.
    Raises InvalidInput: unknown (with the symbols known, shortened) or ambiguous."""
    if wanted[:2].lower() == "0x":
        for token in tokens:
            if token.address.lower() == wanted.lower():
                return token
        raise InvalidInput(f"no known token at {wanted} on {where}; add it with "
                           "`basketry token add ADDRESS` (or Settings > Tokens)")
    matches = candidates(tokens, wanted)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InvalidInput(f"{wanted!r} on {where}: {ambiguity(matches)}")
    symbols = sorted({t.symbol for t in tokens}, key=str.lower)
    shown = ", ".join(symbols[:40]) + (f" and {len(symbols) - 40} more" if len(symbols) > 40 else "")
    raise InvalidInput(f"unknown token {wanted!r} on {where}; known: {shown}")

"""Logs -> what leaves and what arrives in one account (pure).

ERC-20 ``Transfer(from, to, value)`` logs, and the native coin's moves that ``eth_simulateV1``
reports with ``traceTransfers`` as Transfer logs from 0xEeee…EeE (EIP-7528). A token that both
leaves and arrives is shown by its net change; ERC-721 Transfers (4 topics) move no amount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eth_utils import keccak, to_checksum_address

from app.portfolio.assets import NATIVE_ADDRESS

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
NATIVE_LOG_ADDRESS = NATIVE_ADDRESS   # EIP-7528: the address traceTransfers logs the coin's moves from


def net_changes(logs: Iterable[Mapping[str, Any]], account: str) -> dict[str, int]:
    """Token address (NATIVE_LOG_ADDRESS for the coin) -> net change for ``account``, in base
    units (negative: it leaves). Tokens whose moves cancel out are left out."""
    me = account.lower()[2:]
    totals: dict[str, int] = {}
    for log in logs:
        topics = [_hex(t).lower() for t in log.get("topics") or []]
        if len(topics) != 3 or topics[0] != TRANSFER_TOPIC:
            continue
        sender, recipient = topics[1][-40:], topics[2][-40:]
        if me not in (sender, recipient) or sender == recipient:
            continue
        data = _hex(log.get("data") or "0x")
        value = int(data, 16) if len(data) > 2 else 0
        token = to_checksum_address(_hex(log["address"]))
        totals[token] = totals.get(token, 0) + (value if recipient == me else -value)
    return {token: change for token, change in totals.items() if change}


def native_moves_traced(logs: Iterable[Mapping[str, Any]]) -> bool:
    """Whether these logs include any native-coin move (the node traced transfers)."""
    return any(to_checksum_address(_hex(log["address"])) == NATIVE_LOG_ADDRESS for log in logs)


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") else "0x" + text

"""Block-explorer links of a network (``explorer`` in networks.json): pure, no I/O. The demo
network has no explorer (None). Only a well-formed hash or address becomes a link, so a typo or
a placeholder ("—") never turns into a URL."""

from __future__ import annotations

import re

from app.networks import Network

_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def _base(network: Network) -> str | None:
    return network.explorer.rstrip("/") if network.explorer else None


def tx_url(network: Network, tx_hash: str | None) -> str | None:
    """``<explorer>/tx/<hash>``, or None (no explorer, or not a transaction hash)."""
    base = _base(network)
    if base is None or not tx_hash or not _HASH.fullmatch(tx_hash):
        return None
    return f"{base}/tx/{tx_hash}"


def address_url(network: Network, address: str | None) -> str | None:
    """``<explorer>/address/<address>``, or None (no explorer, or not an address)."""
    base = _base(network)
    if base is None or not address or not _ADDRESS.fullmatch(address):
        return None
    return f"{base}/address/{address}"


def with_explorer_url(network: Network, result: dict, key: str = "tx_hash") -> dict:
    """``result`` with ``explorer_url`` next to its hash (None on the demo network): for the
    CLI's --json output."""
    return {**result, "explorer_url": tx_url(network, result.get(key))}

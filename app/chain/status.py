"""A cheap, never-raising look at an RPC endpoint, for status bars and health checks."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class ChainStatus:
    network: str
    rpc_url: str
    connected: bool
    chain_id: int | None = None
    block: int | None = None
    error: str | None = None  # a user-facing sentence when not connected
    checked_at: float = 0.0   # time.time() of the probe


def probe_status(network: str, rpc_url: str, timeout: float = 2.0) -> ChainStatus:
    """Ask the endpoint for chain id and latest block in one JSON-RPC batch.

    Never raises: an unreachable or broken endpoint gives ``connected=False`` with the reason.
    Runs off the GUI thread (it blocks for up to ``timeout`` seconds).
    """
    body = json.dumps([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []},
    ]).encode()
    request = urllib.request.Request(rpc_url, data=body, headers={"Content-Type": "application/json"})
    now = time.time()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            replies = {item["id"]: item for item in json.loads(response.read())}
        chain_id = int(replies[1]["result"], 16)
        block = int(replies[2]["result"], 16)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return ChainStatus(network, rpc_url, False, error=f"cannot reach {rpc_url}: {reason}", checked_at=now)
    except (ValueError, KeyError, TypeError) as exc:
        return ChainStatus(network, rpc_url, False, error=f"{rpc_url} gave an invalid answer ({exc})", checked_at=now)
    return ChainStatus(network, rpc_url, True, chain_id=chain_id, block=block, checked_at=now)

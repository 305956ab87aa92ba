"""Chain time on the demo network: every block 12 s after the one before, and a way to
jump ahead (to watch vault yield accrue without waiting a year)."""

from __future__ import annotations

import time

from app.chain.client import ChainClient
from app.devnet.node import BLOCK_TIMESTAMP_INTERVAL


def pin_block_timestamps(client: ChainClient, now: float | None = None) -> None:
    """Make the next block 12 s after the latest (or at the wall clock, if the chain was
    stopped for longer), and every later one 12 s after its parent.

    Needed at every start: anvil restarts its clock from the wall clock, so without this,
    timestamps could repeat or run backwards across a restart. It also refuses a next
    timestamp before the moment it started, so a chain stopped for a while resumes at the
    present, like a real chain that kept going (time ahead of the wall clock, after
    ``advance_time``, stays ahead).
    """
    latest = int(client.block("latest")["timestamp"])
    wall = int(time.time() if now is None else now) + 1
    client.rpc("evm_setNextBlockTimestamp", [max(latest + BLOCK_TIMESTAMP_INTERVAL, wall)])
    client.rpc("anvil_setBlockTimestampInterval", [BLOCK_TIMESTAMP_INTERVAL])


def advance_time(client: ChainClient, seconds: int) -> int:
    """Mine one block ``seconds`` after the latest (the interval rule resumes after it).

    ``evm_increaseTime`` is ignored while a timestamp interval is set, hence this.
    Returns the new block's timestamp.
    """
    if seconds < BLOCK_TIMESTAMP_INTERVAL:
        raise ValueError(f"advance by at least {BLOCK_TIMESTAMP_INTERVAL} s")
    target = int(client.block("latest")["timestamp"]) + seconds
    client.rpc("evm_setNextBlockTimestamp", [target])
    client.rpc("anvil_mine", ["0x1"])
    return target

"""EIP-1559 fees from ``eth_feeHistory`` (pure computation over the node's answer)."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from app.chain.client import ChainClient

HISTORY_BLOCKS = 10
REWARD_PERCENTILE = 50
MIN_PRIORITY_FEE = 10**8  # 0.1 gwei: a tip every block builder still includes
# A node refuses a replacement unless both fees rise by at least 10% (geth's default);
# we bump by 12.5% so rounding never lands below that.
REPLACEMENT_BUMP_NUM, REPLACEMENT_BUMP_DEN = 9, 8


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    base_fee_per_gas: int  # the next block's base fee, for "expected" (not maximum) costs


def fees_from_history(history: dict) -> Fees:
    """Tip: the median of the recent blocks' median tips (at least MIN_PRIORITY_FEE).
    Max fee: twice the next base fee plus the tip, which survives six full blocks in a row."""
    next_base = int(history["baseFeePerGas"][-1], 16) if isinstance(history["baseFeePerGas"][-1], str) \
        else int(history["baseFeePerGas"][-1])
    rewards = [int(r[0], 16) if isinstance(r[0], str) else int(r[0])
               for r in history.get("reward") or [] if r]
    tip = max(int(median(rewards)) if rewards else 0, MIN_PRIORITY_FEE)
    return Fees(max_fee_per_gas=2 * next_base + tip, max_priority_fee_per_gas=tip, base_fee_per_gas=next_base)


def suggest_fees(client: ChainClient) -> Fees:
    history = client.rpc("eth_feeHistory", [hex(HISTORY_BLOCKS), "latest", [REWARD_PERCENTILE]])
    return fees_from_history(history)


def bumped(fees: Fees, current: Fees) -> Fees:
    """Fees for a replacement: at least 12.5% above the old ones, and at least today's."""
    tip = max(fees.max_priority_fee_per_gas * REPLACEMENT_BUMP_NUM // REPLACEMENT_BUMP_DEN + 1,
              current.max_priority_fee_per_gas)
    max_fee = max(fees.max_fee_per_gas * REPLACEMENT_BUMP_NUM // REPLACEMENT_BUMP_DEN + 1,
                  current.max_fee_per_gas, tip)
    return Fees(max_fee, tip, current.base_fee_per_gas)


def fee_paid_wei(receipt: dict) -> int:
    """What a mined transaction cost in the native coin: gas used x effective price, plus the
    L1 data fee OP-stack nodes report in the receipt (``l1Fee``; anvil's OP mode charges it
    but does not report it)."""
    def number(value) -> int:
        return int(value, 16) if isinstance(value, str) else int(value or 0)

    return number(receipt.get("gasUsed")) * number(receipt.get("effectiveGasPrice")) + number(receipt.get("l1Fee"))

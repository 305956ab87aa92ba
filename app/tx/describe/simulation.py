"""The exact transaction simulated on our own node before signing (``eth_simulateV1``, one
request): its logs, for the balance changes a summary shows.

The earlier transactions of the same action (an approval before its swap) run first in the
same simulated block. ``traceTransfers: true`` makes the node report native-coin moves as
Transfer logs from 0xEeee…EeE; a probe call (1 wei between two unused addresses, funded by a
state override) in the same request shows whether the node really does, so a node that ignores
the flag is named in the summary instead of silently showing no ETH moving. anvil 1.7.1 and
geth trace transfers; a node without ``eth_simulateV1`` gets a note and no balance changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import BasketryError
from app.tx.describe.balance_changes import native_moves_traced

PROBE_FROM = "0x000000000000000000000000000000000000b45e"
PROBE_TO = "0x000000000000000000000000000000000000b45f"


@dataclass(frozen=True)
class SimulationOutcome:
    logs: list[dict[str, Any]] | None   # the transaction's logs; None: not simulated
    native_traced: bool                 # native-coin moves are in ``logs``
    note: str | None = None             # what is missing and why (shown in the summary)
    reverted: str | None = None         # the simulation reverted: why
    gas_used: int | None = None


def simulate_for_summary(client, tx: dict[str, Any], prior: Sequence[dict[str, Any]] = ()) -> SimulationOutcome:
    """``prior`` then ``tx`` in one simulated block on the latest state. Never raises for the
    node's sake: what could not be learnt is said in ``note``."""
    calls = [_call(t) for t in (*prior, tx)]
    probe = {"from": PROBE_FROM, "to": PROBE_TO, "value": "0x1"}
    block = {"calls": [*calls, probe], "stateOverrides": {PROBE_FROM: {"balance": hex(10**18)}}}
    try:
        result = client.rpc("eth_simulateV1", [{"blockStateCalls": [block], "traceTransfers": True,
                                                 "validation": False}, "latest"])
    except BasketryError as exc:
        if "traceTransfers" in str(exc) or "unknown field" in str(exc).lower():
            return _without_traces(client, calls)
        return SimulationOutcome(None, False, note=(
            f"This node cannot simulate the transaction (eth_simulateV1: {_short(exc)}): balance changes "
            "are not predicted; check the decoded steps."))
    outcome = _outcome(result, len(calls))
    if isinstance(outcome, str):
        return SimulationOutcome(None, False, note=outcome)
    logs, reverted, gas, probe_logs = outcome
    traced = native_moves_traced(probe_logs)
    note = None if traced else ("This node's simulation does not report ETH moving (no traceTransfers): "
                                "only token transfers are shown.")
    return SimulationOutcome(logs, traced, note=note, reverted=reverted, gas_used=gas)


def _without_traces(client, calls: list[dict[str, Any]]) -> SimulationOutcome:
    try:
        result = client.rpc("eth_simulateV1", [{"blockStateCalls": [{"calls": calls}], "validation": False},
                                               "latest"])
    except BasketryError as exc:
        return SimulationOutcome(None, False, note=f"This node cannot simulate the transaction ({_short(exc)}).")
    outcome = _outcome(result, len(calls), probe=False)
    if isinstance(outcome, str):
        return SimulationOutcome(None, False, note=outcome)
    logs, reverted, gas, _ = outcome
    return SimulationOutcome(logs, False, reverted=reverted, gas_used=gas, note=(
        "This node's simulation does not report ETH moving (no traceTransfers): only token transfers are shown."))


def _outcome(result: Any, n_calls: int, probe: bool = True):
    """(logs of the last call, revert reason, its gas, probe logs) or a note (str)."""
    try:
        calls = result[0]["calls"]
    except (TypeError, KeyError, IndexError):
        return "The node's eth_simulateV1 answer has no calls: balance changes are not predicted."
    if len(calls) < n_calls + (1 if probe else 0):
        return "The node's eth_simulateV1 answer is incomplete: balance changes are not predicted."
    for index, call in enumerate(calls[:n_calls - 1]):
        if call.get("status") not in ("0x1", 1):
            return (f"An earlier transaction of this action (number {index + 1}) fails in the simulation: "
                    "balance changes are not predicted.")
    mine = calls[n_calls - 1]
    reverted = None
    if mine.get("status") not in ("0x1", 1):
        error = mine.get("error") or {}
        reverted = str(error.get("message") or error or "reverted")
    gas = int(mine["gasUsed"], 16) if isinstance(mine.get("gasUsed"), str) else mine.get("gasUsed")
    probe_logs = calls[n_calls].get("logs") or [] if probe else []
    return list(mine.get("logs") or []), reverted, gas, probe_logs


def _call(tx: dict[str, Any]) -> dict[str, Any]:
    """The transaction as a simulated call: sender, recipient, value, data, gas limit."""
    call: dict[str, Any] = {"from": tx["from"], "value": hex(int(tx.get("value") or 0)),
                            "data": tx.get("data") or "0x"}
    if tx.get("to"):
        call["to"] = tx["to"]
    if tx.get("gas") is not None:
        call["gas"] = hex(int(tx["gas"]))
    return call


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."

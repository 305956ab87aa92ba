"""One transaction -> the ``SigningSummary`` the user approves (pure: the caller brings the
names, the prices and the simulation; ``app.tx.describe.session`` gathers them from a session)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from eth_utils import to_checksum_address

from app.tx.describe.amounts import NATIVE_ADDRESS, fee_figure, make_amount, unknown_token_amount
from app.tx.describe.balance_changes import net_changes
from app.tx.describe.calls import decode_call
from app.tx.describe.names import AddressBook
from app.tx.describe.render import UNDECODED, CallContext, render_steps, swap_totals
from app.tx.describe.simulation import SimulationOutcome
from app.units import format_units
from wallet.prompts import Action, BalanceChange, SigningSummary


def describe_transaction(tx: dict[str, Any], network_label: str, native_symbol: str,
                         tokens: dict[str, tuple[str, int]] | None = None,
                         notes: tuple[str, ...] = (), l1_fee_wei: int | None = None, *,
                         book: AddressBook | None = None, prices: Mapping[str, Decimal] | None = None,
                         simulation: SimulationOutcome | None = None,
                         warnings: tuple[str, ...] = ()) -> SigningSummary:
    """``tokens`` maps checksummed address -> (symbol, decimals) (when no ``book`` names more);
    ``prices`` USD per whole token by address (NATIVE_ADDRESS for the coin); ``l1_fee_wei``: the
    L1 data fee of an OP-stack chain (app/chain/l1_fee.py), part of the one max-fee figure;
    ``simulation``: the exact transaction simulated (app.tx.describe.simulation), or None."""
    book = book or AddressBook(native_symbol=native_symbol, tokens=dict(tokens or {}))
    if tokens:
        book.tokens = {**{to_checksum_address(a): t for a, t in tokens.items()}, **book.tokens}
    prices = dict(prices or {})
    sender = to_checksum_address(tx["from"])
    to = to_checksum_address(tx["to"]) if tx.get("to") else None
    value = int(tx.get("value") or 0)
    data = bytes.fromhex(str(tx.get("data") or "0x")[2:])
    ctx = CallContext(sender, to, value, book, prices)
    decoded = decode_call(data)
    actions = render_steps(decoded.steps, ctx)
    for problem in decoded.problems:
        ctx.warn(problem)
    if UNDECODED in ctx.warnings:  # an undecoded step: the first thing the person reads
        ctx.warnings.remove(UNDECODED)
        ctx.warnings.insert(0, UNDECODED)
    if not data:
        if to is None:
            actions.append(Action("create", "Create a contract (no code given)"))
        else:
            recipient = ctx.party(to)
            amount = ctx.native(value)
            actions.append(Action("send", f"Send {amount.display} to {recipient.text()}",
                                  {"recipient": recipient}, {"amount": amount}))
    elif value and not any(a.kind in ("wrap", "swap") for a in actions):
        ctx.warn(f"This call also sends {ctx.native(value).display} to {ctx.party(to).text() if to else 'a new contract'}.")
    arguments = _arguments(decoded, actions)
    gas_wei = _gas_wei(tx)
    fee = fee_figure(gas_wei, l1_fee_wei, native_symbol, prices.get(NATIVE_ADDRESS)) if gas_wei is not None else None
    changes, simulation_text, sim_warnings = _balance_changes(simulation, sender, ctx)
    value_amount = make_amount(value, native_symbol, 18, None, prices)
    return SigningSummary(
        network=network_label, chain_id=int(tx["chainId"]), sender=sender, to=to,
        value=f"{format_units(value, 18)} {native_symbol}", method=decoded.method, arguments=arguments,
        max_fee=f"{format_units(gas_wei, 18)} {native_symbol}" if gas_wei is not None else None,
        l1_fee=f"{format_units(l1_fee_wei, 18)} {native_symbol}" if l1_fee_wei else None,
        notes=tuple(notes), warnings=tuple(dict.fromkeys((*warnings, *sim_warnings, *ctx.warnings))),
        sender_name=book.accounts.get(sender), to_name=book.name(to) if to else None,
        value_usd=value_amount.usd, actions=tuple(actions), totals=tuple(swap_totals(actions, prices)),
        balance_changes=tuple(changes), simulation=simulation_text, fee=fee)


def _gas_wei(tx: dict[str, Any]) -> int | None:
    per_gas = tx.get("maxFeePerGas", tx.get("gasPrice"))
    if per_gas is None or tx.get("gas") is None:
        return None
    return int(per_gas) * int(tx["gas"])


def _arguments(decoded, actions: list[Action]) -> dict[str, str]:
    """The call's own arguments in words (the structured steps are in ``actions``)."""
    out: dict[str, str] = {}
    if decoded.deadline is not None:
        when = datetime.fromtimestamp(min(decoded.deadline, 253402300799), UTC)
        out["deadline"] = f"{when:%Y-%m-%d %H:%M:%S} UTC (unix {decoded.deadline})"
    if len(actions) > 1 or decoded.deadline is not None:
        out["steps"] = str(len(actions))
        return out
    for action in actions:
        for role, party in action.parties.items():
            out[role] = party.address + (f" ({party.name})" if party.name else "")
        for role, amount in action.amounts.items():
            out[role] = amount.display
    return out


def _balance_changes(simulation: SimulationOutcome | None, sender: str, ctx: CallContext):
    if simulation is None:
        return [], "Not simulated: balance changes are not predicted.", []
    if simulation.logs is None:
        return [], simulation.note or "Not simulated.", []
    warnings = []
    if simulation.reverted:
        warnings.append(f"The simulation of this exact transaction FAILS ({simulation.reverted}): "
                        "signing it would only pay the network fee.")
    changes = []
    for token, change in sorted(net_changes(simulation.logs, sender).items(), key=lambda item: item[1] > 0):
        raw = abs(change)
        if token == NATIVE_ADDRESS:
            amount = ctx.native(raw)
        elif ctx.book.token(token) is not None:
            amount = ctx.token_amount(raw, token)
        else:
            amount = unknown_token_amount(raw, token)
        changes.append(BalanceChange("in" if change > 0 else "out", amount))
    text = "Simulated on this node (eth_simulateV1, latest block); the network fee comes on top."
    if simulation.note:
        text += " " + simulation.note
    if not changes and not simulation.reverted:
        text += " No balance of yours changes."
    return changes, text, warnings

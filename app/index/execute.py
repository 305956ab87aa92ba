"""Executing an index plan: stored preview -> approval (if any) -> the one swap transaction ->
realised amounts from the Transfer logs -> predicted vs realised and cost-basis lots in SQLite."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils import keccak, to_checksum_address

from app.errors import BasketryError
from app.index.planner import IndexPlan
from app.session import ChainSession
from app.trade_warnings import as_notes, refuse_unaccepted_warnings
from app.tx import lifecycle
from app.tx.builder import next_nonce, simulate
from app.tx.describe.session import summary_for
from app.tx.fees import fee_paid_wei
from app.tx.journal import JournalEntry
from app.units import format_units
from wallet.prompts import Prompts
from wallet.signer import Signer

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


class StaleQuote(BasketryError):
    """The quotes are older than a few blocks: preview again before signing."""


@dataclass(frozen=True)
class IndexResult:
    entries: list[JournalEntry]
    preview_id: int
    realised: dict[str, Any]


def execute_index_plan(session: ChainSession, plan: IndexPlan, signer: Signer, prompts: Prompts,
                       accept_impact: bool = False) -> IndexResult:
    """Send the plan's transactions in order. Raises InvalidInput (nothing sent) while the
    preview has a confirm-level warning not accepted (``accept_impact``: the CLI's
    --accept-impact, the GUI's ticked box) or any refuse-level one; StaleQuote (nothing sent) if the chain
    moved more than a few blocks since the quotes, ContractReverted (nothing sent) if the
    simulation just before signing fails (e.g. a price moved past a leg's minimum); stops at
    the first transaction that fails on chain (the minimums protect the funds: a revert
    costs only gas)."""
    client, journal, store = session.client, session.journal, session.store
    refuse_unaccepted_warnings("index buy", plan.preview.warnings, accept_impact)
    if plan.is_stale(client.block_number()):
        raise StaleQuote(f"the quotes are from block {plan.block}; the chain has moved on: preview again")
    preview_id = _store_preview(session, plan)
    entries: list[JournalEntry] = []
    notes = (f"Index buy '{plan.basket.name}': {len(plan.swap_legs)} legs, each with its minimum "
             f"enforced on chain.",)
    warnings = as_notes(plan.preview.warnings)  # price impact, slippage, fee: shown first, in the warning colour
    for tx, kind in zip(plan.transactions, plan.kinds, strict=True):
        tx = {**tx, "nonce": next_nonce(client, journal, plan.sender)}
        simulate(client, tx)  # right before signing: a price moved past a minimum refuses here
        summary = summary_for(session, tx, prices=plan.prices, notes=notes if kind == "index_buy" else (),
                              warnings=warnings if kind == "index_buy" else ())
        entry = lifecycle.send(client, journal, signer, tx, session.chain_id, prompts, kind, summary)
        entries.append(entry)
        if kind == "index_buy":
            with store.lock, store.db.conn:
                store.db.execute("UPDATE transactions SET preview_id = ? WHERE id = ?", [preview_id, entry.id])
                store.db.execute("UPDATE previews SET transaction_id = ? WHERE id = ?", [entry.id, preview_id])
        if entry.status != "confirmed":
            break
    realised = record_realised(session, plan, preview_id, entries)
    return IndexResult(entries, preview_id, realised)


def _store_preview(session: ChainSession, plan: IndexPlan) -> int:
    store = session.store
    with store.lock, store.db.conn:
        cursor = store.db.execute(
            "INSERT INTO previews (chain_id, genesis_hash, kind, created_at, block, preview_json)"
            " VALUES (?, ?, 'index_buy', ?, ?, ?)",
            [session.chain_id, session.connection.genesis_hash, int(time.time()), plan.block,
             json.dumps(plan.preview.to_json())])
    return int(cursor.lastrowid)


def received_by_token(receipt: dict[str, Any], recipient: str) -> dict[str, int]:
    """Token -> amount that reached ``recipient`` in this receipt (ERC-20 Transfer logs)."""
    recipient_topic = "0x" + "0" * 24 + recipient.lower()[2:]
    totals: dict[str, int] = {}
    for log in receipt.get("logs", []):
        topics = [t if isinstance(t, str) else "0x" + bytes(t).hex() for t in log.get("topics", [])]
        if len(topics) == 3 and topics[0] == TRANSFER_TOPIC and topics[2].lower() == recipient_topic:
            data = log["data"] if isinstance(log["data"], str) else "0x" + bytes(log["data"]).hex()
            token = to_checksum_address(log["address"])
            totals[token] = totals.get(token, 0) + int(data, 16)
    return totals


def record_realised(session: ChainSession, plan: IndexPlan, preview_id: int,
                    entries: list[JournalEntry]) -> dict[str, Any]:
    """Predicted vs realised per leg, gas used vs estimated; transfers and lots stored."""
    swaps = [e for e in entries if e.kind == "index_buy"]
    approvals = [e for e in entries if e.kind == "approve"]
    received: dict[str, int] = {}
    gas_used = 0
    for entry in swaps:
        if entry.status == "confirmed" and entry.receipt:
            for token, amount in received_by_token(entry.receipt, plan.sender).items():
                received[token] = received.get(token, 0) + amount
    total_gas = sum(int((e.receipt or {}).get("gasUsed", 0)) for e in entries)
    total_fee_wei = sum(fee_paid_wei(e.receipt or {}) for e in entries)
    gas_used = sum(int((e.receipt or {}).get("gasUsed", 0)) for e in swaps)
    eth_usd = Decimal(plan.preview.network_fee["usd"]) / Decimal(plan.preview.network_fee["eth"]) \
        if Decimal(plan.preview.network_fee["eth"]) else Decimal(0)
    pay_usd = _pay_usd(plan)
    fee_usd = Decimal(total_fee_wei) / Decimal(10**18) * eth_usd
    bought = [leg for leg in plan.legs if leg.quote is not None]
    total_in = sum(leg.quote.amount_in for leg in bought) or 1
    legs, now = [], int(time.time())
    confirmed = bool(swaps) and all(e.status == "confirmed" for e in swaps)
    store = session.store
    simulated = dict(zip([leg.symbol for leg in bought], plan.simulated or [], strict=False))
    with store.lock, store.db.conn:
        for leg in bought:
            got = received.get(leg.address, 0)
            expected = simulated.get(leg.symbol, leg.quote.amount_out)
            slippage_bps = (Decimal(expected - got) / Decimal(expected) * 10_000) if expected else Decimal(0)
            legs.append({"symbol": leg.symbol, "address": leg.address,
                         "expected_out": format_units(expected, leg.decimals), "received": format_units(got, leg.decimals),
                         "min_out": format_units(_min_out(plan, leg), leg.decimals),
                         "realized_slippage_bps": str(slippage_bps.quantize(Decimal("0.01")))})
            if confirmed and got:
                share = Decimal(leg.quote.amount_in) / Decimal(total_in)
                cost = Decimal(leg.quote.amount_in) / Decimal(10**plan.pay.decimals) * pay_usd + fee_usd * share
                store.db.execute(
                    "INSERT INTO lots (chain_id, genesis_hash, account_address, token_address, acquired_at,"
                    " quantity, remaining, cost_usd, transaction_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [session.chain_id, session.connection.genesis_hash, plan.sender, leg.address, now,
                     str(got), str(got), str(cost.quantize(Decimal("0.000001"))), swaps[-1].id])
        for entry in swaps:
            for index, log in enumerate((entry.receipt or {}).get("logs", [])):
                _store_transfer(session, entry, index, log)
        realised = {"status": "confirmed" if confirmed else (swaps[-1].status if swaps else "not sent"),
                    "tx_hash": swaps[-1].tx_hash if swaps else None, "gas_used": gas_used,
                    "gas_estimate": sum(plan.gas_estimates), "approval_gas_used": sum(
                        int((e.receipt or {}).get("gasUsed", 0)) for e in approvals),
                    "total_gas_used": total_gas, "network_fee_usd": str(fee_usd.quantize(Decimal("0.01"))),
                    "legs": legs}
        store.db.execute("UPDATE previews SET realized_json = ? WHERE id = ?", [json.dumps(realised), preview_id])
    return realised


def _store_transfer(session: ChainSession, entry: JournalEntry, index: int, log: dict) -> None:
    topics = [t if isinstance(t, str) else "0x" + bytes(t).hex() for t in log.get("topics", [])]
    if len(topics) != 3 or topics[0] != TRANSFER_TOPIC:
        return
    data = log["data"] if isinstance(log["data"], str) else "0x" + bytes(log["data"]).hex()
    session.store.db.execute(
        "INSERT OR IGNORE INTO transfers (chain_id, genesis_hash, tx_hash, log_index, token_address,"
        " from_address, to_address, amount, block) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [session.chain_id, session.connection.genesis_hash, entry.tx_hash, int(log.get("logIndex", index)),
         to_checksum_address(log["address"]), to_checksum_address("0x" + topics[1][-40:]),
         to_checksum_address("0x" + topics[2][-40:]), str(int(data, 16)),
         int((entry.receipt or {}).get("blockNumber", 0))])


def _pay_usd(plan: IndexPlan) -> Decimal:
    amount = Decimal(plan.preview.amount_in)
    cost = Decimal(plan.preview.pnl_preview["cost_usd"]) - Decimal(plan.preview.network_fee["usd"])
    return cost / amount if amount else Decimal(0)


def _min_out(plan: IndexPlan, leg) -> int:
    from app.index.preview import leg_min_out  # noqa: PLC0415

    return leg_min_out(leg.quote, plan.preview.slippage_bps)  # a split leg: its parts' minimums

"""Executing a rebalance or exit plan: approvals, then the one swap transaction; realised
amounts from the Transfer logs, stored next to the preview."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

from app.index.execute import StaleQuote, received_by_token
from app.index.preview import min_out
from app.index.rebalance import TradePlan
from app.session import ChainSession
from app.trade_warnings import as_notes, refuse_unaccepted_warnings
from app.tx import lifecycle
from app.tx.builder import next_nonce, simulate
from app.tx.describe.session import summary_for
from app.units import format_units
from wallet.prompts import Prompts
from wallet.signer import Signer


def execute_trade_plan(session: ChainSession, plan: TradePlan, signer: Signer, prompts: Prompts,
                       accept_impact: bool = False) -> dict[str, Any]:
    """A rebalance or exit; refused (nothing sent) like an index buy while a confirm-level
    warning is not accepted."""
    client, journal, store = session.client, session.journal, session.store
    refuse_unaccepted_warnings(plan.kind, plan.preview.get("warnings", []), accept_impact)
    if plan.is_stale(client.block_number()):
        raise StaleQuote(f"the quotes are from block {plan.block}; the chain has moved on: preview again")
    with store.lock, store.db.conn:
        preview_id = int(store.db.execute(
            "INSERT INTO previews (chain_id, genesis_hash, kind, created_at, block, preview_json)"
            " VALUES (?, ?, ?, ?, ?, ?)", [session.chain_id, session.connection.genesis_hash, plan.kind,
                                          int(time.time()), plan.block, json.dumps(plan.preview)]).lastrowid)
    entries = []
    for tx, kind in zip(plan.transactions, plan.kinds, strict=True):
        tx = {**tx, "nonce": next_nonce(client, journal, plan.sender)}
        if kind != "approve":
            simulate(client, tx)  # the approvals are mined now: the exact swap must still pass
        summary = summary_for(session, tx, notes=(
            f"{plan.kind.capitalize()} of '{plan.basket_name}': {len(plan.legs)} swaps, each with its minimum "
            "enforced on chain.",) if kind != "approve" else (),
            warnings=as_notes(plan.preview.get("warnings", [])) if kind != "approve" else ())
        entry = lifecycle.send(client, journal, signer, tx, session.chain_id, prompts, kind, summary)
        entries.append(entry)
        if entry.status != "confirmed":
            break
    swap = entries[-1] if entries and entries[-1].kind == plan.kind else None
    received = received_by_token(swap.receipt, plan.sender) if swap and swap.receipt else {}
    legs, per_token = [], {}
    for leg in plan.legs:
        per_token.setdefault(leg.token_out.address, []).append(leg)
    for address, token_legs in per_token.items():  # several sells into one asset share its total
        got = received.get(address, 0)
        expected = sum(leg.quote.amount_out for leg in token_legs)
        token = token_legs[0].token_out
        legs.append({"symbol": token.symbol, "received": format_units(got, token.decimals),
                     "expected_out": format_units(expected, token.decimals),
                     "min_out": format_units(sum(min_out(leg.quote.amount_out, plan.preview["slippage_bps"])
                                           for leg in token_legs), token.decimals),
                     "realized_slippage_bps": str((Decimal(expected - got) / Decimal(expected) * 10_000)
                                                  .quantize(Decimal("0.01"))) if expected else "0"})
    realised = {"status": swap.status if swap else (entries[-1].status if entries else "not sent"),
                "tx_hash": swap.tx_hash if swap else None,
                "gas_used": int((swap.receipt or {}).get("gasUsed", 0)) if swap else 0,
                "approvals": sum(1 for e in entries if e.kind == "approve"), "legs": legs}
    with store.lock, store.db.conn:
        store.db.execute("UPDATE previews SET realized_json = ?, transaction_id = ? WHERE id = ?",
                         [json.dumps(realised), swap.id if swap else None, preview_id])
        if swap:
            store.db.execute("UPDATE transactions SET preview_id = ? WHERE id = ?", [preview_id, swap.id])
    return realised

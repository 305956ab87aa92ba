"""A deposit held to what the person saw: its quote stored and bound, its share price checked
right before sending (the chain side of app/vaults/share_price_guard.py).

- ``store_deposit_quote``: ``vault quote`` stores its preview and the binding (account, vault,
  amount, slippage, expected and minimum shares, share price) and prints the ``quote_id``.
- ``bind_deposit_to_quote``: ``vault deposit --quote ID`` re-plans (fresh transactions and gas)
  but takes the minimum shares and the reference share price from the quote; a fresh plan whose
  expected shares are below the quote's minimum refuses (QuoteMoved): nothing sent.
- ``check_before_send``: right before the approval and again right before the deposit, one batch
  of ``previewDeposit(amount)`` and ``convertToAssets(one share)``: fewer shares than the minimum,
  or a share price above the reference by more than the slippage tolerance, refuses.
- ``refuse_unsafe_plan``: a deposit with no minimum or no expected shares is never sent, and
  "confirm" share-price flags need the person's acceptance.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector as selector

from app.errors import BasketryError, ChainError
from app.quote_binding import QuoteMoved, load_quote, require_same, store_quote
from app.session import ChainSession
from app.units import format_units
from app.vaults.share_price_guard import (
    SharePriceFlagged,
    moved_pct,
    moved_text,
    refuse_unaccepted,
)

KIND = "vault_deposit"


def binding_of(plan) -> dict:
    """What a deposit quote is made for, and what it promised (integers in base units)."""
    return {"account": plan.owner, "vault": plan.info.address, "amount_units": str(plan.amount),
            "amount": format_units(plan.amount, plan.info.asset_decimals), "slippage_bps": plan.slippage_bps,
            "expected_shares_units": str(plan.shares), "min_shares_units": str(plan.min_shares),
            "share_price_units": str(plan.info.share_price), "decimals": plan.info.decimals}


def store_deposit_quote(session: ChainSession, plan) -> int:
    """Store the plan's preview as a quote; the preview gets its ``quote_id``."""
    quote_id = store_quote(session, KIND, plan.info.block, plan.preview, binding_of(plan))
    plan.preview["quote_id"] = quote_id
    return quote_id


def bind_deposit_to_quote(session: ChainSession, plan, quote_id: int):
    """The fresh ``plan`` with the quote's minimum shares and reference share price.

    Raises QuoteMismatch (another network, account, vault, amount or slippage) or QuoteMoved
    (the fresh expected shares are below the quote's minimum). Nothing is sent either way."""
    quote = load_quote(session, quote_id, KIND)
    require_same(quote, {"account": plan.owner, "vault": plan.info.address, "amount_units": str(plan.amount),
                         "slippage_bps": plan.slippage_bps})
    binding = quote.binding
    quoted_min, quoted_expected = int(binding["min_shares_units"]), int(binding["expected_shares_units"])
    if plan.shares < quoted_min:
        raise QuoteMoved(_moved_message(quoted_expected, plan.shares, plan.slippage_bps, f"quote {quote.id}",
                                        "quote again"))
    preview = {**plan.preview, "quote_id": quote.id, "min_shares": format_units(quoted_min, plan.info.decimals),
               "quoted": {"quote_id": quote.id, "block": quote.block,
                          "expected_shares": format_units(quoted_expected, plan.info.decimals),
                          "min_shares": format_units(quoted_min, plan.info.decimals)}}
    return dataclasses.replace(plan, min_shares=quoted_min, preview=preview, quote_id=quote.id,
                               reference_price=int(binding["share_price_units"]))


def refuse_unsafe_plan(plan, accept_share_price: bool) -> None:
    """Raises SharePriceFlagged for a deposit that must not be sent as it is."""
    refuse_unaccepted(plan.preview.get("warnings", []), accept_share_price,
                      "--accept-share-price (in the app: tick the box under the warning)")
    if plan.shares <= 0 or plan.min_shares <= 0:
        raise SharePriceFlagged(f"refused: this deposit's {'expected' if plan.shares <= 0 else 'minimum'} shares "
                                f"are 0, so nothing would protect the {plan.info.asset_symbol} sent: nothing sent")


def check_before_send(session: ChainSession, plan, approval_sent: bool = False) -> None:
    """One batch: the shares the deposit gives now and the price of one share now, against the
    plan's minimum and reference price. Raises QuoteMoved (nothing more is sent)."""
    nothing = "the deposit was not sent (the exact approval was)" if approval_sent else "nothing sent"
    info = plan.info
    calls = [{"to": info.address, "data": "0x" + (selector(sig) + encode(["uint256"], [arg])).hex()}
             for sig, arg in (("previewDeposit(uint256)", plan.amount), ("convertToAssets(uint256)", 10**info.decimals))]
    results = session.client.batch([("eth_call", [call, "latest"]) for call in calls])
    for result in results:
        if isinstance(result, BasketryError):
            raise ChainError(f"the vault could not be read right before the deposit: {result}; {nothing}")
    shares_now, price_now = int(results[0], 16), int(results[1], 16)
    what = f"quote {plan.quote_id}" if plan.quote_id is not None else "the preview"
    again = "quote again" if plan.quote_id is not None else "preview again"
    if shares_now < plan.min_shares:
        raise QuoteMoved(_moved_message(plan.shares, shares_now, plan.slippage_bps, what, again, nothing))
    reference = plan.reference_price or info.share_price
    if reference > 0 and price_now * 10_000 > reference * (10_000 + plan.slippage_bps):
        pct = ((Decimal(price_now) / Decimal(reference) - 1) * 100).quantize(Decimal("0.01"))
        raise QuoteMoved(f"the share price moved {moved_text(pct)} since {what} "
                         f"({format_units(reference, info.asset_decimals)} -> {format_units(price_now, info.asset_decimals)} "
                         f"{info.asset_symbol}), past your {plan.slippage_bps / 100:g}% tolerance: {nothing}; {again}")


def _moved_message(before: int, after: int, slippage_bps: int, what: str, again: str,
                   nothing: str = "nothing sent") -> str:
    return (f"the share price moved {moved_text(moved_pct(before, after))} since {what}, past your "
            f"{slippage_bps / 100:g}% tolerance: {nothing}; {again}")

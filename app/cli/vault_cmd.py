"""`basketry vault list|quote|deposit|withdraw|position`."""

from __future__ import annotations

import argparse

from app.accounting import METHODS
from app.accounts import AccountRegistry
from app.cli.arguments import whole_number
from app.cli.context import CliContext
from app.cli.output import emit
from app.cli.prompts import CliPrompts
from app.cli.secrets_input import StdinLines, read_password
from app.errors import InvalidInput
from app.explorer import with_explorer_url
from app.fee_text import fee_line
from app.vaults.apy import trailing_apy
from app.wallets import WalletService


def register(commands: argparse._SubParsersAction) -> None:
    vault = commands.add_parser("vault", help="ERC-4626 vaults: list, quote, deposit, withdraw")
    actions = vault.add_subparsers(dest="vault_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="vaults on this network, with APY and your position")
    quote = actions.add_parser("quote", help="preview a deposit (stored: prints its quote_id)")
    quote.add_argument("vault", help="name, share symbol or address (any ERC-4626 vault)")
    quote.add_argument("--amount", required=True)
    quote.add_argument("--slippage", help="percent (default 0.5): the least shares accepted")
    deposit = actions.add_parser("deposit", help="approve exactly, then deposit")
    deposit.add_argument("vault")
    deposit.add_argument("--amount", required=True)
    deposit.add_argument("--slippage", help="percent (default 0.5, or the quote's with --quote)")
    deposit.add_argument("--quote", type=whole_number(minimum=1, maximum=2**62), metavar="QUOTE_ID",
                         help="hold the deposit to this quote: its minimum shares, refused if the share "
                         "price moved past its tolerance since")
    deposit.add_argument("--accept-share-price", action="store_true",
                         help="deposit although the share price is flagged (a tiny supply, a jump from "
                         "its history, too few shares for the amount)")
    withdraw = actions.add_parser("withdraw", help="withdraw part or all")
    withdraw.add_argument("vault")
    amount = withdraw.add_mutually_exclusive_group(required=True)
    amount.add_argument("--amount")
    amount.add_argument("--all", action="store_true", help="redeem every share (refused, saying how much is "
                        "available, when the vault limits withdrawals now)")
    amount.add_argument("--available-now", action="store_true",
                        help="redeem what the vault pays out now (maxRedeem), which may be less than all")
    withdraw.add_argument("--method", default=None, choices=sorted(METHODS),
                          help="cost-basis method of the realised yield (default: the one saved by the "
                          "Portfolio page, else fifo)")
    for action in (deposit, withdraw):
        action.add_argument("--yes", action="store_true")
        action.add_argument("--password-stdin", action="store_true")
    vault.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.session import ChainSession
    from app.store import Store
    from app.vaults.actions import execute_vault_plan, plan_deposit, plan_withdraw, position
    from app.vaults.catalog import catalog, resolve
    from app.vaults.deposit_guard import (
        bind_deposit_to_quote,
        refuse_unsafe_plan,
        store_deposit_quote,
    )
    from app.vaults.reader import read_vault, samples

    with Store.open(ctx.home) as store:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        account = AccountRegistry(store).active()
        if args.vault_command == "list":
            rows = []
            for entry in catalog(session):
                try:
                    info = read_vault(session, entry.address, account.address)
                except InvalidInput as exc:
                    rows.append({"name": entry.name, "address": entry.address, "asset": entry.asset,
                                 "apy": None, "error": str(exc)})
                    continue
                apy = trailing_apy(samples(session, info.address), info.timestamp)
                rows.append({"name": info.name, "address": info.address, "asset": info.asset_symbol,
                             "apy": apy.as_json(), "tvl": str(info.total_assets / 10**info.asset_decimals),
                             "fees": info.fees_measured.as_json(), "source": entry.source,
                             "position": position(session, info, account.address)})
            emit({"vaults": rows}, ctx.as_json, "\n".join(
                f"{r['name']:<20} {r['asset']:<6} APY {(r['apy'] or {}).get('value_pct') or 'n/a':>6}%  "
                f"{r['address']}" + _fees(r) + _limited(r) for r in rows) or "No vaults on this network.")
            return 0
        address = resolve(session, args.vault)
        if args.vault_command == "quote":
            plan = plan_deposit(session, address, args.amount, args.slippage, account.address)
            store_deposit_quote(session, plan)
            emit(plan.preview, ctx.as_json, _text(plan.preview))
            return 0
        accept = False
        if args.vault_command == "deposit":
            slippage = args.slippage
            if args.quote is not None and slippage is None:  # the quote's tolerance
                from app.quote_binding import load_quote

                slippage = str(load_quote(session, args.quote, "vault_deposit").binding["slippage_bps"] / 100)
            plan = plan_deposit(session, address, args.amount, slippage, account.address)
            if args.quote is not None:
                plan = bind_deposit_to_quote(session, plan, args.quote)
            accept = args.accept_share_price
            refuse_unsafe_plan(plan, accept)  # before any password is asked
        else:
            plan = plan_withdraw(session, address, None if args.all or args.available_now else args.amount,
                                 account.address, available_now=args.available_now)
        if not account.can_sign:
            raise InvalidInput(f"{account.label} is watch-only: it cannot sign here")
        prompts = CliPrompts(args.yes, ctx.as_json)
        password = read_password(args.password_stdin, StdinLines()) if account.kind == "local" else None
        signer = WalletService(store).signer(account, prompts, password)
        realised = execute_vault_plan(session, plan, signer, prompts, accept_share_price=accept,
                                      method=getattr(args, "method", None))
        after = position(session, read_vault(session, address, account.address), account.address)
    emit({**with_explorer_url(session.network, realised), "preview": plan.preview, "position": after,
          "signing_summaries": prompts.summaries_json()}, ctx.as_json,
         f"{realised['status']}: {realised['tx_hash']}\n" + "\n".join(f"{k}: {v}" for k, v in realised.items()
                                                                       if k not in ("status", "tx_hash")))
    return 0 if realised["status"] == "confirmed" else 3


def _fees(row: dict) -> str:
    fees = row.get("fees")
    return f"  fees: {fees['text']}" if isinstance(fees, dict) else ""


def _limited(row: dict) -> str:
    """A position the vault will not pay out in full now says how much it will."""
    text = (row.get("position") or {}).get("withdrawable_text")
    return f"  [{text}]" if text else ""


def _text(p: dict) -> str:
    pnl, apy = p["pnl_preview"], p["apy"]
    fees = p["fees"]["text"] if isinstance(p["fees"], dict) else p["fees"]
    lines = [f"quote_id: {p['quote_id']} (deposit with --quote {p['quote_id']} to hold it to this quote's minimum)"] \
        if p.get("quote_id") is not None else []
    lines += [f"{w['level'].upper()}: {w['text']}" for w in p.get("warnings", [])]
    return "\n".join(lines + [
        f"{p['action']} {p['amount']} {p['asset']} into {p['name']} ({p['vault']})",
        f"shares: expected {p['expected_shares']}, minimum {p['min_shares']}; share price {p['share_price']} {p['asset']}",
        f"limits: max deposit {p['limits']['max_deposit']}, max withdraw {p['limits']['max_withdraw']}; TVL {p['tvl']}",
        f"fees: {fees}",
        "APY: " + (f"{apy['value_pct']}% over {apy['window_days']} days ({apy['samples']} samples)"
                   if apy["value_pct"] else apy["note"]),
        fee_line(p["network_fee"], "approve + deposit" if p["action"] == "deposit" else ""),
        "projected yield: " + (f"${pnl['yield_30d_usd']} in 30 days, ${pnl['yield_365d_usd']} in a year; "
                               f"the network fee is earned back in {pnl['days_to_earn_back_fee']} days"
                               if pnl.get("yield_30d_usd") else "n/a (" + str(pnl.get("note")) + ")")]
        + [f"{'WARNING' if w['level'] == 'warn' else w['level'].upper()}: {w['text']}" for w in p.get("warnings") or []])

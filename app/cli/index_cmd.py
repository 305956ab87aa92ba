"""`basketry index list|show|quote|buy|rebalance|exit`."""

from __future__ import annotations

import argparse

from app.accounts import AccountRegistry
from app.cli.arguments import whole_number
from app.cli.context import CliContext
from app.cli.output import emit
from app.cli.prompts import CliPrompts
from app.cli.secrets_input import StdinLines, read_password
from app.errors import InvalidInput
from app.explorer import tx_url, with_explorer_url
from app.fee_text import fee_amount, fee_line
from app.index.platform_fee import (
    MAX_PLATFORM_FEE_BPS,
    PLATFORM_FEE_RECIPIENT_SETTING,
    set_platform_fee,
)
from app.wallets import WalletService


def register(commands: argparse._SubParsersAction) -> None:
    index = commands.add_parser("index", help="baskets: list, quote and buy in one transaction")
    actions = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="the built-in baskets")
    show = actions.add_parser("show", help="a basket's constituents and target weights")
    show.add_argument("basket", help="a built-in name (\"Top 10\") or a JSON file")
    for name, text in (("quote", "preview a buy: legs, fees, P&L, one tx vs N"),
                       ("buy", "preview, then buy in one transaction")):
        action = actions.add_parser(name, help=text)
        action.add_argument("basket")
        action.add_argument("--amount", required=True)
        action.add_argument("--pay", help="the network's native coin (ETH; POL on Polygon) or USDC "
                            "(default: the native coin)")
        action.add_argument("--slippage", help="percent, 0 < s <= 50 (default 0.5)")
        action.add_argument("--no-split", dest="split_routes", action="store_false", default=None,
                            help="buy each leg through one route (default: split a leg across "
                            "pools when the simulation shows that delivers more)")
        _impact_arguments(action, name == "buy")
        if name == "buy":
            action.add_argument("--yes", action="store_true")
            action.add_argument("--password-stdin", action="store_true")
            action.add_argument("--quote", type=whole_number(minimum=1, maximum=2**62), metavar="QUOTE_ID",
                                help="hold the buy to this quote: refused if any token's minimum would be "
                                "below the quoted one (default slippage: the quote's)")
    fee = actions.add_parser("fee", help="the platform fee taken on-chain in the same transaction")
    fee.add_argument("bps", type=whole_number(maximum=MAX_PLATFORM_FEE_BPS), help=f"basis points, 0 to {MAX_PLATFORM_FEE_BPS} (0: none)")
    fee.add_argument("--recipient", help="the address that receives it")
    for name, text in (("rebalance", "back to the target weights, in one transaction"),
                       ("exit", "sell the whole basket into USDC, in one transaction")):
        action = actions.add_parser(name, help=text)
        action.add_argument("basket")
        action.add_argument("--slippage", help="percent, 0 < s <= 50 (default 0.5)")
        _impact_arguments(action, True)
        action.add_argument("--yes", action="store_true", help="execute (without it: preview only)")
        action.add_argument("--password-stdin", action="store_true")
    index.set_defaults(handler=run)


def _impact_arguments(action: argparse.ArgumentParser, sends: bool) -> None:
    action.add_argument("--max-impact", metavar="PCT", help="skip a leg whose price impact is above this "
                        "percent (default 15, or the max_price_impact_pct setting; at most 50)")
    if sends:
        action.add_argument("--accept-impact", action="store_true",
                            help="trade although a leg's price impact is 5%% or more (needed with --yes then)")


def _refuse_unaccepted(warnings: list[dict], args: argparse.Namespace) -> None:
    """Nothing is signed while a "confirm" warning is not accepted with --accept-impact."""
    from app.trade_warnings import blocking_reason

    reason = blocking_reason(warnings, args.accept_impact)
    if reason:
        raise InvalidInput(f"this {args.index_command} {reason}")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.index.baskets import list_baskets, load_basket
    from app.index.market import current_snapshot
    from app.session import ChainSession, known_tokens, network_for
    from app.store import Store

    if args.index_command in ("list", "show"):
        from app.index.canonical import choices as canonical_choices

        network = network_for(ctx.home, ctx.network)
        choices = canonical_choices(network.key)
        if args.index_command == "list":  # built-ins only: no store (it may be the app's, locked)
            tokens = known_tokens(ctx.home, network)
            definitions = list_baskets(tokens or None, choices=choices if tokens else None)
            rows = [_list_row(d) for d in definitions]
            emit({"network": network.key, "indices": rows}, ctx.as_json,
                 "\n".join(_list_text(r, network.label) for r in rows))
            return 0
        with Store.open(ctx.home) as store:
            tokens = known_tokens(ctx.home, network, store)
            basket = load_basket(args.basket, tokens, choices=choices)
            definition = basket.definition
            weights = {} if definition.unavailable else \
                basket.target_weights(current_snapshot(store).snapshot.market_caps)
        rows = [{"symbol": c.symbol, "constituent": c.constituent, "address": c.address,
                 "weight": str(weights[c.symbol]) if weights else None} for c in definition.constituents]
        skipped = [{"symbol": s.symbol, "reason": s.reason} for s in definition.skipped]
        lines = [f"{r['symbol']:<8} " + (f"{float(r['weight']) * 100:6.2f}%" if r["weight"] else "     -")
                 + f"  {r['address']}" + (f"  (for {r['constituent']})" if r["constituent"] != r["symbol"] else "")
                 for r in rows]
        lines += [f"skipped  {s['symbol']}: {s['reason']}" for s in skipped]
        if definition.unavailable:
            lines.append(f"unavailable on {network.label}: {definition.unavailable}")
        emit({"network": network.key, "name": basket.name, "description": definition.description,
              "weighting": definition.weighting, "constituents": rows, "skipped": skipped,
              "unavailable": definition.unavailable}, ctx.as_json, "\n".join(lines))
        return 0
    if args.index_command in ("rebalance", "exit"):
        return _trade(args, ctx)
    if args.index_command == "fee":
        with Store.open(ctx.home) as store:
            set_platform_fee(store, args.bps, args.recipient)
            recipient = store.get_setting(PLATFORM_FEE_RECIPIENT_SETTING)
        emit({"platform_fee_bps": args.bps, "recipient": recipient}, ctx.as_json,
             f"Platform fee: {args.bps} bps" + (f" to {recipient}" if recipient else ""))
        return 0
    # quote and buy: the chain and signing code is imported here, not by the parser
    from app.index.execute import StaleQuote, execute_index_plan
    from app.index.planner import plan_index_buy
    from app.index.quote_guard import check_index_quote, store_index_quote

    with Store.open(ctx.home) as store:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        account = AccountRegistry(store).active()
        quote_id = getattr(args, "quote", None)
        slippage = args.slippage
        if quote_id is not None and slippage is None:  # the quote's tolerance
            from app.quote_binding import load_quote

            slippage = str(load_quote(session, quote_id, "index_buy").preview["slippage_bps"] / 100)
        plan = plan_index_buy(session, args.basket, args.amount, args.pay, slippage, account.address,
                              args.max_impact, split_routes=args.split_routes)
        if args.index_command == "quote":
            shown = {**plan.preview.to_json(), "quote_id": store_index_quote(session, plan, account.address)}
            emit(shown, ctx.as_json, f"quote_id: {shown['quote_id']} (buy with --quote {shown['quote_id']} to hold "
                 "the buy to these minimums)\n" + _preview_text(shown))
            return 0
        if quote_id is not None:
            check_index_quote(session, quote_id, plan, account.address)
        if not account.can_sign:
            raise InvalidInput(f"{account.label} is watch-only: it cannot buy here")
        _refuse_unaccepted(plan.preview.warnings, args)
        prompts = CliPrompts(args.yes, ctx.as_json)
        password = read_password(args.password_stdin, StdinLines()) if account.kind == "local" else None
        signer = WalletService(store).signer(account, prompts, password)
        try:
            result = execute_index_plan(session, plan, signer, prompts, accept_impact=args.accept_impact)
        except StaleQuote:  # quotes aged while unlocking: quote again, once, and show the new one
            plan = plan_index_buy(session, args.basket, args.amount, args.pay, slippage, account.address,
                                  args.max_impact, split_routes=args.split_routes)
            if quote_id is not None:
                check_index_quote(session, quote_id, plan, account.address)
            _refuse_unaccepted(plan.preview.warnings, args)
            result = execute_index_plan(session, plan, signer, prompts, accept_impact=args.accept_impact)
        sent = _sent_via(session)  # (reads the setting: while the store is open)
    realised = result.realised
    out = {"tx_hash": realised["tx_hash"], "explorer_url": tx_url(session.network, realised["tx_hash"]),
           "status": realised["status"], "gas_used": realised["gas_used"],
           "gas_estimate": realised["gas_estimate"], "approval_gas_used": realised["approval_gas_used"],
           "network_fee_usd": realised["network_fee_usd"], "legs": realised["legs"],
           "preview": plan.preview.to_json(), "sent_via": sent, "signing_summaries": prompts.summaries_json()}
    emit(out, ctx.as_json, _result_text(out))
    return 0 if realised["status"] == "confirmed" else 3


def _trade(args: argparse.Namespace, ctx: CliContext) -> int:
    """Rebalance or exit: without --yes, the preview; with it, the transactions."""
    from app.index.execute import StaleQuote
    from app.index.rebalance import plan_exit, plan_rebalance
    from app.index.trade_execute import execute_trade_plan
    from app.session import ChainSession
    from app.store import Store

    with Store.open(ctx.home) as store:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        account = AccountRegistry(store).active()
        planner = plan_rebalance if args.index_command == "rebalance" else plan_exit
        plan = planner(session, args.basket, account.address, args.slippage, args.max_impact)
        if not args.yes:
            emit(plan.preview, ctx.as_json, _trade_text(plan.preview))
            return 0
        if not account.can_sign:
            raise InvalidInput(f"{account.label} is watch-only: it cannot trade here")
        _refuse_unaccepted(plan.preview["warnings"], args)
        prompts = CliPrompts(True, ctx.as_json)
        password = read_password(args.password_stdin, StdinLines()) if account.kind == "local" else None
        signer = WalletService(store).signer(account, prompts, password)
        try:
            realised = execute_trade_plan(session, plan, signer, prompts, accept_impact=args.accept_impact)
        except StaleQuote:
            plan = planner(session, args.basket, account.address, args.slippage, args.max_impact)
            _refuse_unaccepted(plan.preview["warnings"], args)
            realised = execute_trade_plan(session, plan, signer, prompts, accept_impact=args.accept_impact)
        sent = _sent_via(session)
    emit({**with_explorer_url(session.network, realised), "preview": plan.preview,
          "sent_via": sent, "signing_summaries": prompts.summaries_json()}, ctx.as_json,
         f"{realised['status']}: {realised['tx_hash']} ({realised['gas_used']:,} gas, "
         f"{realised['approvals']} approvals)\n" + "\n".join(
             f"{leg['symbol']:<8} received {leg['received']} (expected {leg['expected_out']}, minimum {leg['min_out']})"
             for leg in realised["legs"]))
    return 0 if realised["status"] == "confirmed" else 3


def _sent_via(session) -> dict:
    from app.tx.submission import private_route, sent_via

    return sent_via(private_route(session.client))


def _list_row(definition) -> dict:
    return {"name": definition.name, "description": definition.description,
            "weighting": definition.weighting,
            "constituents": [c.symbol for c in definition.constituents],
            "tokens": [{"symbol": c.symbol, "constituent": c.constituent, "address": c.address}
                       for c in definition.constituents],
            "skipped": [{"symbol": s.symbol, "reason": s.reason} for s in definition.skipped],
            "unavailable": definition.unavailable}


def _list_text(row: dict, network_label: str) -> str:
    lines = [f"{row['name']:<16} {row['description']}"]
    by_reason: dict[str, list[str]] = {}
    for skipped in row["skipped"]:
        by_reason.setdefault(skipped["reason"], []).append(skipped["symbol"])
    lines += [f"{'':<16} skipped on {network_label}: {', '.join(symbols)} ({reason})"
              for reason, symbols in by_reason.items()]
    if row["unavailable"]:
        lines.append(f"{'':<16} unavailable on {network_label}: {row['unavailable']}")
    return "\n".join(lines)


def _trade_text(p: dict) -> str:
    lines = [f"{p['kind']} of {p['basket']} at block {p['block']}"]
    lines += [f"  {d['symbol']:<8} now {d['current_weight']}% target {d['target_weight']}% "
              f"drift {d['drift_pct']}% ({d['action']})" for d in p["drift"]]
    lines += [f"  sell {leg['amount_in']} {leg['sell']} -> {leg['expected_out']} {leg['buy']} "
              f"(min {leg['min_out']}, {leg['route']}, impact {leg['price_impact_bps']} bps)" for leg in p["legs"]]
    fee = p["network_fee"]
    lines.append(f"network fee {fee['gas']:,} gas incl. {fee['approvals']} approvals "
                 f"({fee['approval_gas']:,} gas) = {fee_amount(fee)}; immediate "
                 f"P&L ${p['pnl_preview']['immediate_usd']}")
    return "\n".join(lines + p["notes"] + _warning_lines(p))


def _preview_text(p: dict) -> str:
    lines = [f"{p['basket']}: {p['amount_in']} {p['pay']} at block {p['block']}, slippage {p['slippage_bps'] / 100}%",
             f"{'leg':<8}{'weight':>8}{'in':>14}{'expected':>24}{'minimum':>24}  route, impact"]
    for leg in p["legs"]:
        if leg["skipped"]:
            lines.append(f"{leg['symbol']:<8} skipped: {leg['skipped']}")
        else:
            lines.append(f"{leg['symbol']:<8}{float(leg['weight']) * 100:7.2f}%{leg['amount_in']:>14.14}"
                         f"{leg['expected_out']:>24.22}{leg['min_out']:>24.22}  {leg['route']}, "
                         f"{leg['price_impact_bps']} bps")
            if len(leg.get("parts") or []) > 1:  # a split leg: one swap per part, each with its minimum
                lines += [f"{'':<8}{part['share_pct'] + '%':>8} {part['amount_in']:>13.13}{part['expected_out']:>24.22}"
                          f"{part['min_out']:>24.22}  {part['route']}, {part['price_impact_bps']} bps"
                          for part in leg["parts"]]
    fee, pnl, vs = p["network_fee"], p["pnl_preview"], p["vs_separate"]
    lines += [f"{fee_line(fee)}; platform fee ${p['platform_fee']['usd']}",
              f"cost ${pnl['cost_usd']}, worth ${pnl['expected_value_usd']} at mid prices: "
              f"${pnl['immediate_usd']} at once, break-even after a {pnl['break_even_move_pct']}% rise",
              f"one transaction: {vs['one_tx_gas']:,} gas vs {vs['separate_txs_gas']:,} as separate swaps "
              f"(saves {vs['saved_pct']}%, ${vs['saved_usd']})",
              f"simulation: {'ok' if p['simulation']['ok'] else 'NOT OK'}"] + p["notes"] + _warning_lines(p)
    return "\n".join(lines)


def _warning_lines(p: dict) -> list[str]:
    """One line per warning, its level first ("CONFIRM", "WARNING", "REFUSED")."""
    label = {"confirm": "CONFIRM (--accept-impact)", "refuse": "REFUSED", "warn": "WARNING"}
    return [f"{label.get(w['level'], 'WARNING')}: {w['text']}" for w in p.get("warnings") or []]


def _result_text(out: dict) -> str:
    lines = _warning_lines(out["preview"]) + [
             f"{out['status']}: {out['tx_hash']} ({out['gas_used']:,} gas, estimated {out['gas_estimate']:,})",
             f"{'leg':<8}{'received':>26}{'expected':>26}{'slippage bps':>14}"]
    lines += [f"{leg['symbol']:<8}{leg['received']:>26.24}{leg['expected_out']:>26.24}{leg['realized_slippage_bps']:>14}"
              for leg in out["legs"]]
    if out.get("sent_via", {}).get("private"):
        lines.append(f"sent privately via {out['sent_via']['host']}")
    return "\n".join(lines)

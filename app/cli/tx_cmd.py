"""`basketry send`, `basketry activity`, `basketry tx export-unsigned|sign|broadcast|speedup|cancel`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.accounts import AccountRegistry
from app.cli.arguments import tx_hash, whole_number
from app.cli.context import CliContext
from app.cli.output import emit
from app.cli.prompts import CliPrompts
from app.cli.secrets_input import StdinLines, read_password
from app.errors import ChainUnavailable, InvalidInput
from app.explorer import tx_url
from app.networks import Network, get_network
from app.units import format_units
from app.wallets import WalletService

if TYPE_CHECKING:
    from app.portfolio.activity import ActivityItem

UNUSUAL_RECIPIENT_HELP = ("send even to a burn, reserved or contract address, or to yourself "
                          "(refused without it, with the reason)")


def register(commands: argparse._SubParsersAction) -> None:
    send = commands.add_parser("send", help="send the native coin (ETH; POL on Polygon) or a token from the active account")
    send.add_argument("to")
    send.add_argument("amount")
    send.add_argument("--token", help="token symbol or address (default: the native coin)")
    send.add_argument("--yes", action="store_true", help="approve without asking")
    send.add_argument("--allow-unusual-recipient", action="store_true", help=UNUSUAL_RECIPIENT_HELP)
    send.add_argument("--password-stdin", action="store_true")
    send.set_defaults(handler=run_send)

    activity = commands.add_parser("activity", help="the journal and the transactions found in the history, "
                                    "each trade with predicted against realised")
    activity.add_argument("--limit", type=whole_number(minimum=1, maximum=1_000_000), default=100, help="at most this many, newest first (default 100)")
    activity.add_argument("--offline", action="store_true",
                          help="from the local store only (also used when the RPC cannot be reached)")
    activity.set_defaults(handler=run_activity)

    tx = commands.add_parser("tx", help="air-gapped signing, speed-up and cancel")
    actions = tx.add_subparsers(dest="tx_command", required=True, metavar="ACTION")
    export = actions.add_parser("export-unsigned", help="write the unsigned transaction to a file")
    export.add_argument("--to", required=True)
    export.add_argument("--amount", required=True)
    export.add_argument("--token")
    export.add_argument("--allow-unusual-recipient", action="store_true", help=UNUSUAL_RECIPIENT_HELP)
    export.add_argument("--out", type=Path, required=True)
    sign = actions.add_parser("sign", help="sign an exported file (works with no network)")
    sign.add_argument("file", type=Path)
    sign.add_argument("--out", type=Path, required=True)
    sign.add_argument("--yes", action="store_true")
    sign.add_argument("--password-stdin", action="store_true")
    broadcast = actions.add_parser("broadcast", help="verify a signed file against its export, then send")
    broadcast.add_argument("file", type=Path)
    for name in ("speedup", "cancel"):
        replace = actions.add_parser(name, help=f"{name} a pending transaction (same nonce, higher fees)")
        replace.add_argument("hash", type=tx_hash)
        replace.add_argument("--yes", action="store_true")
        replace.add_argument("--password-stdin", action="store_true")
    tx.set_defaults(handler=run_tx)


def item_json(item: ActivityItem, network: Network | None = None) -> dict:
    """One activity row: the journal's fields, plus where it comes from (app or external), its
    time, fee, token movements and, for a trade the app made, predicted-vs-realised rows; with
    ``network``, its explorer link (None on the demo network)."""
    summary = item.summary or {}
    return {"hash": item.hash, "explorer_url": tx_url(network, item.hash) if network else None, "kind": item.kind, "status": item.status, "source": item.source,
            "time": item.time, "time_utc": _utc(item.time), "nonce": item.nonce, "from": item.account,
            "to": item.to, "value": summary.get("value"), "method": summary.get("method"),
            "gas_used": item.gas_used, "fee": format_units(int(item.fee.scaleb(18)), 18) if item.fee is not None else None,
            "block": item.block,
            "error": item.error, "replaces": item.replaces_id, "created_at": item.created_at,
            "movements": [m.to_json() for m in item.movements],
            "comparison_kind": item.comparison_kind, "comparison": [r.to_json() for r in item.comparison]}


def run_send(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.session import ChainSession
    from app.store import Store
    from app.transfers import plan_send
    from app.tx import lifecycle
    from app.tx.submission import private_route, sent_text, sent_via

    with Store.open(ctx.home) as store:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        service = WalletService(store)
        account = service.accounts.active()
        if not account.can_sign:
            raise InvalidInput(f"{account.label} is watch-only: use `tx export-unsigned` and sign elsewhere")
        plan = plan_send(session, account.address, args.to, args.amount, args.token,
                         allow_unusual_recipient=args.allow_unusual_recipient)
        prompts = CliPrompts(args.yes, ctx.as_json)
        summary = plan.summary(session)
        password = read_password(args.password_stdin, StdinLines()) if account.kind == "local" else None
        signer = service.signer(account, prompts, password)
        entry = lifecycle.send(session.client, session.journal, signer, plan.tx, session.chain_id,
                               prompts, "send", summary)
        route = private_route(session.client)
    result = {"tx_hash": entry.tx_hash, "explorer_url": tx_url(session.network, entry.tx_hash),
              "status": entry.status, "nonce": entry.nonce, "sent_via": sent_via(route),
              "amount": plan.describe_amount(session.network.native_symbol), "to": plan.recipient,
              "gas_used": (entry.receipt or {}).get("gasUsed"), "signing_summaries": prompts.summaries_json()}
    emit(result, ctx.as_json, f"Sent {result['amount']} to {plan.recipient}: {entry.tx_hash} ({entry.status})"
         + sent_text(route))
    return 0 if entry.status == "confirmed" else 3


def run_activity(args: argparse.Namespace, ctx: CliContext) -> int:
    """Online: the session is opened as for any command (journal entries left open settle), but
    the history is not read here (`basketry portfolio` does). Offline (asked, or the RPC cannot
    be reached): the chain this network served last, from SQLite alone."""
    from app.portfolio.activity import load_activity
    from app.portfolio.view import chain_key_offline
    from app.session import ChainSession
    from app.store import Store
    from app.tx.journal import ChainKey

    with Store.open(ctx.home) as store:
        accounts = [a.address for a in AccountRegistry(store).all()]
        reason = "offline (asked)" if args.offline or ctx.offline else None
        session = None
        if reason is None:
            try:
                session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
            except (ChainUnavailable, InvalidInput) as exc:  # unreachable, or no RPC (demo not running)
                if store.known_genesis(get_network(ctx.network).chain_id, ctx.network) is None:
                    raise  # nothing stored to fall back on: the real reason
                reason = f"offline: {exc}"
                print(f"basketry: {reason}; showing what was last stored", file=sys.stderr)
        if session is not None:
            key = ChainKey(session.chain_id, session.connection.genesis_hash)
            items = load_activity(store, key, accounts, limit=args.limit, journal=session.journal,
                                  token_names=session.token_labels())
        else:
            key = chain_key_offline(store, get_network(ctx.network))
            items = load_activity(store, key, accounts, limit=args.limit)
    lines = [f"[{reason}]"] if reason else []
    lines += [_activity_line(i) for i in items] or ["No transactions yet."]
    emit({"network": ctx.network, "chain_id": key.chain_id, "offline": reason is not None,
          "offline_reason": reason, "transactions": [item_json(i, get_network(ctx.network)) for i in items]}, ctx.as_json, "\n".join(lines))
    return 0


def _utc(timestamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _activity_line(item: ActivityItem) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.time))
    moved = ", ".join(f"{'+' if m.direction == 'in' else '-'}{m.amount:f} {m.symbol or m.token}"
                      for m in item.movements)
    text = f"{when}  {item.status:<9} {item.kind:<14} {item.hash or '(unsigned)'}  {moved}"
    for row in item.comparison:
        text += (f"\n    {row.what:<22} predicted {row.predicted or '-':>22}  realised {row.realised or '-':>22}"
                 + (f"  ({row.difference})" if row.difference is not None else ""))
    return text


def run_tx(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.tx_command in ("speedup", "cancel"):
        return _replace(args, ctx, cancel=args.tx_command == "cancel")
    from app.cli import airgap_cmd  # noqa: PLC0415

    return airgap_cmd.run(args, ctx)


def _replace(args: argparse.Namespace, ctx: CliContext, cancel: bool) -> int:
    from app.session import ChainSession
    from app.store import Store
    from app.tx import lifecycle
    from app.tx.describe.session import summary_for
    from app.tx.submission import sent_text, sent_via, with_route_note

    with Store.open(ctx.home) as store:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        entry = session.journal.by_hash(args.hash)
        if entry is None:
            raise InvalidInput(f"{args.hash} is not in this app's journal on {session.network.label}")
        service = WalletService(store)
        accounts = [a for a in AccountRegistry(store).by_address(entry.account) if a.can_sign]
        if not accounts:
            raise InvalidInput(f"no account here can sign for {entry.account}")
        tx, _fees = lifecycle.replacement(session.client, entry, cancel)
        prompts = CliPrompts(args.yes, ctx.as_json)
        summary = summary_for(session, tx, warnings=(
            f"This {'CANCELS' if cancel else 'replaces'} {entry.tx_hash} (nonce {entry.nonce}) if it is mined first.",))
        summary = with_route_note(summary, session.client)
        password = read_password(args.password_stdin, StdinLines()) if accounts[0].kind == "local" else None
        signer = service.signer(accounts[0], prompts, password)
        new = lifecycle.sign_and_journal(signer, tx, session.chain_id, session.journal, prompts,
                                         "cancel" if cancel else "speedup", summary, replaces_id=entry.id)
        route = lifecycle.broadcast(session.client, session.journal, new)
        final = lifecycle.wait_for_final(session.client, session.journal, new)
        old = session.journal.get(entry.id)
    emit({"tx_hash": final.tx_hash, "explorer_url": tx_url(session.network, final.tx_hash),
          "status": final.status, "replaced": old.tx_hash,
          "replaced_status": old.status, "sent_via": sent_via(route),
          "signing_summaries": prompts.summaries_json()}, ctx.as_json,
         f"{'Cancelled' if cancel else 'Sped up'}: {final.tx_hash} ({final.status}); {old.tx_hash} is {old.status}"
         + sent_text(route))
    return 0

"""`basketry send`, `basketry activity`, `basketry tx export-unsigned|sign|broadcast|speedup|cancel`."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.accounts import AccountRegistry
from app.cli.context import CliContext
from app.cli.output import emit
from app.cli.prompts import CliPrompts
from app.cli.secrets_input import StdinLines, read_password
from app.errors import InvalidInput
from app.session import ChainSession
from app.store import Store
from app.transfers import plan_send
from app.tx import lifecycle
from app.tx.describe import describe_transaction
from app.tx.journal import JournalEntry
from app.wallets import WalletService


def register(commands: argparse._SubParsersAction) -> None:
    send = commands.add_parser("send", help="send ETH or a token from the active account")
    send.add_argument("to")
    send.add_argument("amount")
    send.add_argument("--token", help="token symbol or address (default: the native coin)")
    send.add_argument("--yes", action="store_true", help="approve without asking")
    send.add_argument("--password-stdin", action="store_true")
    send.set_defaults(handler=run_send)

    activity = commands.add_parser("activity", help="the transaction journal")
    activity.add_argument("--limit", type=int, default=100)
    activity.set_defaults(handler=run_activity)

    tx = commands.add_parser("tx", help="air-gapped signing, speed-up and cancel")
    actions = tx.add_subparsers(dest="tx_command", required=True, metavar="ACTION")
    export = actions.add_parser("export-unsigned", help="write the unsigned transaction to a file")
    export.add_argument("--to", required=True)
    export.add_argument("--amount", required=True)
    export.add_argument("--token")
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
        replace.add_argument("hash")
        replace.add_argument("--yes", action="store_true")
        replace.add_argument("--password-stdin", action="store_true")
    tx.set_defaults(handler=run_tx)


def entry_json(entry: JournalEntry) -> dict:
    receipt = entry.receipt or {}
    summary = entry.summary or {}
    return {"hash": entry.tx_hash, "kind": entry.kind, "status": entry.status, "nonce": entry.nonce,
            "from": entry.account, "to": summary.get("to"), "value": summary.get("value"),
            "method": summary.get("method"), "gas_used": receipt.get("gasUsed"),
            "block": receipt.get("blockNumber"), "error": entry.error, "replaces": entry.replaces_id,
            "created_at": entry.created_at}


def run_send(args: argparse.Namespace, ctx: CliContext) -> int:
    with Store.open(ctx.home) as store:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        service = WalletService(store)
        account = service.accounts.active()
        if not account.can_sign:
            raise InvalidInput(f"{account.label} is watch-only: use `tx export-unsigned` and sign elsewhere")
        plan = plan_send(session, account.address, args.to, args.amount, args.token)
        prompts = CliPrompts(args.yes)
        summary = describe_transaction(plan.tx, session.network.label, session.network.native_symbol,
                                       session.token_labels())
        password = read_password(args.password_stdin, StdinLines()) if account.kind == "local" else None
        signer = service.signer(account, prompts, password)
        entry = lifecycle.send(session.client, session.journal, signer, plan.tx, session.chain_id,
                               prompts, "send", summary)
    result = {"tx_hash": entry.tx_hash, "status": entry.status, "nonce": entry.nonce,
              "amount": plan.describe_amount(session.network.native_symbol), "to": plan.recipient,
              "gas_used": (entry.receipt or {}).get("gasUsed")}
    emit(result, ctx.as_json, f"Sent {result['amount']} to {plan.recipient}: {entry.tx_hash} ({entry.status})")
    return 0 if entry.status == "confirmed" else 3


def run_activity(args: argparse.Namespace, ctx: CliContext) -> int:
    with Store.open(ctx.home) as store:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        rows = [entry_json(e) for e in session.journal.entries(limit=args.limit)]
    text = "\n".join(f"{r['status']:<10} {r['kind']:<8} nonce {r['nonce']:<4} {r['hash']}  {r['value'] or ''}"
                     for r in rows) or "No transactions yet."
    emit({"transactions": rows}, ctx.as_json, text)
    return 0


def run_tx(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.tx_command in ("speedup", "cancel"):
        return _replace(args, ctx, cancel=args.tx_command == "cancel")
    from app.cli import airgap_cmd  # noqa: PLC0415

    return airgap_cmd.run(args, ctx)


def _replace(args: argparse.Namespace, ctx: CliContext, cancel: bool) -> int:
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
        prompts = CliPrompts(args.yes)
        summary = describe_transaction(tx, session.network.label, session.network.native_symbol,
                                       session.token_labels(),
                                       notes=(f"replaces {entry.tx_hash} (nonce {entry.nonce})",))
        password = read_password(args.password_stdin, StdinLines()) if accounts[0].kind == "local" else None
        signer = service.signer(accounts[0], prompts, password)
        new = lifecycle.sign_and_journal(signer, tx, session.chain_id, session.journal, prompts,
                                         "cancel" if cancel else "speedup", summary, replaces_id=entry.id)
        lifecycle.broadcast(session.client, session.journal, new)
        final = lifecycle.wait_for_final(session.client, session.journal, new)
        old = session.journal.get(entry.id)
    emit({"tx_hash": final.tx_hash, "status": final.status, "replaced": old.tx_hash,
          "replaced_status": old.status}, ctx.as_json,
         f"{'Cancelled' if cancel else 'Sped up'}: {final.tx_hash} ({final.status}); {old.tx_hash} is {old.status}")
    return 0

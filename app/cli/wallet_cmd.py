"""`basketry wallet create|import|watch|ledger|trezor|list|use|demo|next|export`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.arguments import whole_number
from app.cli.context import CliContext
from app.cli.output import emit
from app.cli.prompts import CliPrompts
from app.cli.secrets_input import StdinLines, read_password
from app.errors import ChainError, InvalidInput
from app.wallets import DEFAULT_LEDGER_DEVICE, DEFAULT_TREZOR_DEVICE, WalletService

if TYPE_CHECKING:
    from app.store import Store

DEFAULT_PATH = "m/44'/60'/0'/0/0"


def register(commands: argparse._SubParsersAction) -> None:
    wallet = commands.add_parser("wallet", help="accounts: create, import, watch, hardware, list")
    actions = wallet.add_subparsers(dest="wallet_command", required=True, metavar="ACTION")

    def with_password(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument("--password-stdin", action="store_true",
                            help="read the password from stdin (after the secret, if one is read too)")
        return parser

    create = with_password(actions.add_parser("create", help="a new recovery phrase (shown once)"))
    create.add_argument("name")
    create.add_argument("--words", type=whole_number(maximum=24), choices=(12, 24), default=12)
    imp = with_password(actions.add_parser("import", help="a recovery phrase, private key or keystore file"))
    imp.add_argument("name")
    source = imp.add_mutually_exclusive_group(required=True)
    source.add_argument("--mnemonic-stdin", action="store_true", help="the phrase on the first line of stdin")
    source.add_argument("--key-stdin", action="store_true", help="the hex private key on the first line of stdin")
    source.add_argument("--keystore", type=Path, help="a standard v3 keystore file (its password)")
    imp.add_argument("--index", type=whole_number(maximum=2**31 - 1), default=0, help="BIP-44 account index of the phrase (default 0)")
    watch = actions.add_parser("watch", help="a watch-only address")
    watch.add_argument("name")
    watch.add_argument("address")
    for kind, default_device in (("ledger", DEFAULT_LEDGER_DEVICE), ("trezor", DEFAULT_TREZOR_DEVICE)):
        hw = actions.add_parser(kind, help=f"an account on a {kind.capitalize()}")
        hw.add_argument("name")
        hw.add_argument("--path", default=DEFAULT_PATH, help=f"derivation path (default {DEFAULT_PATH})")
        hw.add_argument("--device", default=default_device,
                        help=f"default {default_device}; "
                             + ("tcp:HOST:PORT for speculos" if kind == "ledger" else "udp:HOST:PORT for the emulator"))
    actions.add_parser("list", help="accounts with balances")
    use = actions.add_parser("use", help="make an account the active one")
    use.add_argument("name")
    demo = with_password(actions.add_parser("demo", help="the demo network's funded account"))
    demo.add_argument("name", nargs="?", default="demo")
    following = with_password(actions.add_parser("next", help="the next account of a recovery phrase"))
    following.add_argument("name", help="an existing recovery-phrase account")
    following.add_argument("new_name")
    export = with_password(actions.add_parser("export", help="a standard v3 keystore of an account"))
    export.add_argument("name")
    export.add_argument("--out", type=Path, required=True)
    wallet.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.store import Store

    stdin = StdinLines()
    with Store.open(ctx.home) as store:
        service = WalletService(store)
        command = args.wallet_command
        if command == "create":
            created = service.create(args.name, read_password(args.password_stdin, stdin, "new password"),
                                     args.words)
            emit({**_account_json(created.account), "mnemonic": created.mnemonic}, ctx.as_json,
                 f"Created {created.account.label}: {created.account.address}\n"
                 f"Write down your recovery phrase; it is shown only now:\n\n  {created.mnemonic}\n")
        elif command == "import":
            if args.mnemonic_stdin:
                phrase = stdin.next("recovery phrase")
                record = service.import_mnemonic(args.name, phrase,
                                                 read_password(args.password_stdin, stdin, "new password"),
                                                 args.index)
            elif args.key_stdin:
                key = stdin.next("private key")
                record = service.import_private_key(args.name, key,
                                                    read_password(args.password_stdin, stdin, "new password"))
            else:
                text = _read_file(args.keystore)
                record = service.import_keystore_file(args.name, text,
                                                      read_password(args.password_stdin, stdin, "keystore password"))
            emit(_account_json(record), ctx.as_json, f"Imported {record.label}: {record.address}")
        elif command == "watch":
            record = service.watch(args.name, args.address)
            emit(_account_json(record), ctx.as_json, f"Watching {record.label}: {record.address}")
        elif command == "ledger":
            record = service.add_ledger(args.name, args.device, args.path)
            emit(_account_json(record), ctx.as_json, f"Ledger account {record.label}: {record.address}")
        elif command == "trezor":
            record = service.add_trezor(args.name, CliPrompts(yes=False), args.device, args.path)
            emit(_account_json(record), ctx.as_json, f"Trezor account {record.label}: {record.address}")
        elif command == "list":
            _list(ctx, store, service)
        elif command == "use":
            record = service.accounts.set_active(args.name)
            emit(_account_json(record), ctx.as_json, f"Active account: {record.label} ({record.address})")
        elif command == "demo":
            from app.devnet.manager import REPLICA_NETWORKS, Devnet

            # on a public network: the funded account of this home's local replica of it
            replica = ctx.network if ctx.network in REPLICA_NETWORKS else None
            deployment = Devnet(ctx.home, replica=replica).deployment()
            if deployment is None:
                start = f"devnet start --replica {replica}" if replica else "devnet start"
                raise InvalidInput(f"{'a local replica of ' + replica if replica else 'the demo network'} "
                                   f"is not set up here: run `basketry {start}` first")
            index = deployment["demo_account_mnemonic_index"]
            from app.devnet.deploy import ANVIL_MNEMONIC
            from wallet.keys import hd

            key = hd.derive(ANVIL_MNEMONIC, index)[1]
            record = service.import_private_key(args.name, "0x" + key.hex(),
                                                read_password(args.password_stdin, stdin, "new password"))
            emit(_account_json(record), ctx.as_json, f"Demo account {record.label}: {record.address}")
        elif command == "next":
            record = service.add_hd_account(args.name, args.new_name,
                                            read_password(args.password_stdin, stdin, "password"))
            emit(_account_json(record), ctx.as_json, f"Added {record.label}: {record.address} ({record.derivation_path})")
        elif command == "export":
            text = service.export_keystore(args.name, read_password(args.password_stdin, stdin, "password"))
            args.out.write_text(text)
            args.out.chmod(0o600)
            emit({"name": args.name, "file": str(args.out)}, ctx.as_json, f"Wrote {args.out}")
    return 0


def _list(ctx: CliContext, store: Store, service: WalletService) -> None:
    from app.balances import read_balances
    from app.session import ChainSession
    from app.units import format_decimal

    records = service.accounts.all()
    active = store.get_setting("active_account")
    balances: dict[str, dict] = {}
    offline = None
    try:
        session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        balances = read_balances(session.client, [r.address for r in records],
                                 [t for t in session.tokens if t.symbol == "USDC"], session.network.native_symbol)
    except (ChainError, InvalidInput) as exc:
        offline = str(exc)
    rows = []
    for record in records:
        row = {**_account_json(record), "active": record.label == active}
        row["balances"] = {k: format_decimal(v) for k, v in balances.get(record.address, {}).items()} if not offline else None
        rows.append(row)
    result = {"accounts": rows, "network": ctx.network, "offline": offline}
    text = "\n".join(
        f"{'*' if r['active'] else ' '} {r['name']:<16} {r['kind']:<7} {r['address']}  "
        + (", ".join(f"{v} {k}" for k, v in (r["balances"] or {}).items()) if r["balances"] is not None else "(offline)")
        for r in rows) or "No accounts yet: `basketry wallet create NAME`."
    emit(result, ctx.as_json, text)


def _account_json(record) -> dict:
    return {"name": record.label, "address": record.address, "kind": record.kind,
            "derivation_path": record.derivation_path, "device": record.device}


def _read_file(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None

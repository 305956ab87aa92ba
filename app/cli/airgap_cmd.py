"""`basketry tx export-unsigned|sign|broadcast`: air-gapped signing."""

from __future__ import annotations

import argparse
from pathlib import Path

from app import airgap_flow
from app.accounts import AccountRegistry
from app.cli.context import CliContext
from app.cli.output import emit
from app.cli.prompts import CliPrompts
from app.cli.secrets_input import StdinLines, read_password
from app.errors import InvalidInput
from app.explorer import tx_url
from app.session import ChainSession
from app.store import Store
from app.wallets import WalletService
from wallet import airgap


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.tx_command == "export-unsigned":
        with Store.open(ctx.home) as store:
            session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
            account = AccountRegistry(store).active()
            exported = airgap_flow.export_unsigned(session, account.address, args.to, args.amount, args.token,
                                                   allow_unusual_recipient=args.allow_unusual_recipient)
        _write(args.out, exported.file_text)
        emit({"file": str(args.out), "nonce": exported.tx["nonce"], "from": account.address,
              "qr": exported.qr_text, "signing_summaries": [exported.summary.to_json()]}, ctx.as_json, f"Wrote the unsigned transaction to {args.out}")
    elif args.tx_command == "sign":  # offline: no session, no RPC
        text = _read(args.file)
        unsigned = airgap.load_unsigned(text)
        with Store.open(ctx.home) as store:
            service = WalletService(store)
            signers = [a for a in service.accounts.by_address(unsigned.sender) if a.can_sign]
            if not signers:
                raise InvalidInput(f"no account here holds the key of {unsigned.sender}")
            prompts = CliPrompts(args.yes, ctx.as_json)
            password = read_password(args.password_stdin, StdinLines()) if signers[0].kind == "local" else None
            signed_text = airgap_flow.sign_file(text, service.signer(signers[0], prompts, password), prompts)
        _write(args.out, signed_text)
        emit({"file": str(args.out), "from": unsigned.sender, "signing_summaries": prompts.summaries_json()}, ctx.as_json, f"Wrote the signed transaction to {args.out}")
    elif args.tx_command == "broadcast":
        from app.tx.submission import private_route, sent_text, sent_via

        with Store.open(ctx.home) as store:
            session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
            entry = airgap_flow.broadcast_signed(session, None, _read(args.file))
            route = private_route(session.client)
        emit({"tx_hash": entry.tx_hash, "explorer_url": tx_url(session.network, entry.tx_hash),
              "status": entry.status, "nonce": entry.nonce, "sent_via": sent_via(route)}, ctx.as_json,
             f"Broadcast {entry.tx_hash}: {entry.status}{sent_text(route)}")
        return 0 if entry.status == "confirmed" else 3
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None

"""The CLI's Prompts: the summary to stderr; --yes approves, a terminal asks, else refused."""

from __future__ import annotations

import getpass
import sys

from app.errors import InvalidInput, UserCancelled
from wallet.prompts import SigningSummary


class CliPrompts:
    def __init__(self, yes: bool):
        self.yes = yes

    def confirm(self, summary: SigningSummary) -> bool:
        lines = [f"Sign on {summary.network} (chain id {summary.chain_id}):",
                 f"  from    {summary.sender}", f"  to      {summary.to}", f"  value   {summary.value}"]
        if summary.method:
            lines.append(f"  call    {summary.method}")
            lines += [f"    {name} = {value}" for name, value in summary.arguments.items()]
        if summary.max_fee:
            lines.append(f"  max network fee {summary.max_fee}")
        if summary.l1_fee:
            lines.append(f"  L1 data fee {summary.l1_fee}")
        lines += [f"  ! {note}" for note in summary.notes]
        sys.stderr.write("\n".join(lines) + "\n")
        if self.yes:
            return True
        if not sys.stdin.isatty():
            raise InvalidInput("nothing signed: add --yes to approve without a terminal")
        return input("Sign and send? [y/N] ").strip().lower() in ("y", "yes")

    def ask_pin(self, message: str) -> str:
        if not sys.stdin.isatty():
            raise UserCancelled()
        return getpass.getpass(f"{message} (positions on the device's matrix): ")

    def ask_passphrase(self, message: str) -> str:
        if not sys.stdin.isatty():
            return ""
        return getpass.getpass(f"{message}: ")

    def device_action(self, message: str) -> None:
        sys.stderr.write(f"{message}\n")
        sys.stderr.flush()

    def device_done(self) -> None:
        pass

"""The CLI's Prompts: the summary to stderr (text, or with ``--json`` one JSON object per
summary, one line each); --yes approves, a terminal asks, else refused. Every summary shown is
kept in ``summaries`` so a command's JSON output can carry them (``signing_summaries``)."""

from __future__ import annotations

import getpass
import json
import sys

from app.errors import InvalidInput, UserCancelled
from wallet.prompts import SigningSummary


def summary_lines(summary: SigningSummary, exact: bool = False) -> list[str]:
    """The summary in text, in the signing dialog's order: warnings, parties, steps, balance
    changes, the max fee. ``exact``: full-precision amounts beside the rounded ones."""
    lines = [f"Sign on {summary.network} (chain id {summary.chain_id}):"]
    lines += [f"  ! {warning}" for warning in summary.warnings]
    lines.append(f"  from    {summary.sender}" + (f" ({summary.sender_name})" if summary.sender_name else ""))
    lines.append(f"  to      {summary.to or '(creates a contract)'}" + (f" ({summary.to_name})" if summary.to_name else ""))
    lines.append(f"  value   {summary.value}" + (f" (${summary.value_usd})" if summary.value_usd and summary.value_usd != "0.00" else ""))
    if summary.method:
        lines.append(f"  call    {summary.method}")
        lines += [f"    {name} = {value}" for name, value in summary.arguments.items()]
    if summary.actions:
        lines.append("  steps:")
        for index, action in enumerate(summary.actions, 1):
            lines.append(f"    {index}. {action.text}")
            if exact:
                lines += [f"       {role}: {amount.units} {amount.symbol} ({amount.raw} base units)"
                          for role, amount in action.amounts.items()]
                lines += [f"       {role}: {party.address}" for role, party in action.parties.items()]
    for total in summary.totals:
        lines.append(f"  in all: at least {total.display}")
    lines.append("  balance changes:")
    for change in summary.balance_changes:
        sign = "-" if change.direction == "out" else "+"
        lines.append(f"    {sign} {change.amount.display}" + (f"   [{change.amount.units}]" if exact else ""))
    if summary.simulation:
        lines.append(f"    ({summary.simulation})")
    if summary.fee:
        l1 = f", of which L1 data fee {summary.fee.l1_display}" if summary.fee.l1_display else ""
        lines.append(f"  max network fee {summary.fee.display}{l1}")
        if exact:
            lines.append(f"    exactly {summary.fee.exact} ({summary.fee.total_wei} wei)")
    elif summary.max_fee:
        lines.append(f"  max network fee {summary.max_fee}")
        if summary.l1_fee:
            lines.append(f"  L1 data fee {summary.l1_fee}")
    lines += [f"  note: {note}" for note in summary.notes]
    return lines


class CliPrompts:
    def __init__(self, yes: bool, as_json: bool = False):
        self.yes, self.as_json = yes, as_json
        self.summaries: list[SigningSummary] = []

    def confirm(self, summary: SigningSummary) -> bool:
        self.summaries.append(summary)
        if self.as_json:
            sys.stderr.write(json.dumps({"signing_summary": summary.to_json()}) + "\n")
        else:
            sys.stderr.write("\n".join(summary_lines(summary)) + "\n")
        sys.stderr.flush()
        if self.yes:
            return True
        if not sys.stdin.isatty():
            raise InvalidInput("nothing signed: add --yes to approve without a terminal")
        return input("Sign and send? [y/N] ").strip().lower() in ("y", "yes")

    def summaries_json(self) -> list[dict]:
        return [summary.to_json() for summary in self.summaries]

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

"""How a signer asks the user something. The GUI and the CLI each implement ``Prompts``;
a signer never prints, reads stdin or opens a window itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app.errors import UserCancelled


@dataclass(frozen=True)
class SigningSummary:
    """What the user is asked to approve, already decoded by the caller (app/)."""

    network: str
    chain_id: int
    sender: str
    to: str | None
    value: str                      # in the native coin, decimal string ("0.5 ETH")
    method: str | None = None       # "approve(address spender, uint256 amount)", None for a plain transfer
    arguments: dict[str, str] = field(default_factory=dict)
    max_fee: str | None = None      # the most the network fee can be, decimal string with unit
    l1_fee: str | None = None       # OP-stack chains: the L1 data fee, charged on top of max_fee's gas
    notes: tuple[str, ...] = ()     # anything else the user must see (warnings first)


class Prompts(Protocol):
    def confirm(self, summary: SigningSummary) -> bool:
        """Show what will be signed; True to go on. Software signers call this before signing."""

    def ask_pin(self, message: str) -> str:
        """A device PIN (Trezor's scrambled matrix positions). Raise UserCancelled to stop."""

    def ask_passphrase(self, message: str) -> str:
        """A wallet passphrase. Raise UserCancelled to stop."""

    def device_action(self, message: str) -> None:
        """Tell the user to act on the device ("Confirm the transaction on your Ledger")."""

    def device_done(self) -> None:
        """The device answered: hide what ``device_action`` showed."""


class AutoApprovePrompts:
    """For ``--yes`` on the CLI and for tests: approves everything, has no PIN or passphrase."""

    def __init__(self, pin: str | None = None, passphrase: str = ""):
        self.pin, self.passphrase = pin, passphrase
        self.device_messages: list[str] = []
        self.confirmed: list[SigningSummary] = []

    def confirm(self, summary: SigningSummary) -> bool:
        self.confirmed.append(summary)
        return True

    def ask_pin(self, message: str) -> str:
        if self.pin is None:
            raise UserCancelled()
        return self.pin

    def ask_passphrase(self, message: str) -> str:
        return self.passphrase

    def device_action(self, message: str) -> None:
        self.device_messages.append(message)

    def device_done(self) -> None:
        pass

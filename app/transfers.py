"""Sending ETH or a token: validated input -> the exact transaction (simulated)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from app.errors import InvalidInput
from app.inputs import parse_address, parse_units
from app.recipients import check_recipient
from app.session import ChainSession, Token
from app.tx.builder import build_transaction
from app.tx.fees import suggest_fees
from app.units import format_units
from wallet.prompts import SigningSummary

_TRANSFER = function_signature_to_4byte_selector("transfer(address,uint256)")
_BALANCE_OF = function_signature_to_4byte_selector("balanceOf(address)")


@dataclass(frozen=True)
class SendPlan:
    tx: dict[str, Any]
    token: Token | None          # None: the native coin
    amount: int                  # base units
    recipient: str
    notes: tuple[str, ...] = ()  # shown first in the signing summary (warnings)

    def summary(self, session: ChainSession) -> SigningSummary:
        """What the person approves: the decoded transaction, simulated, with this plan's
        warnings. Talks to the node (simulation, L1 fee): call it on a worker."""
        from app.tx.describe.session import summary_for

        return summary_for(session, self.tx, warnings=self.notes)

    def describe_amount(self, native_symbol: str) -> str:
        if self.token is None:
            return f"{format_units(self.amount, 18)} {native_symbol}"
        return f"{format_units(self.amount, self.token.decimals)} {self.token.symbol}"


def plan_send(session: ChainSession, sender: str, to: str, amount_text: str,
              token_symbol: str | None = None, *, allow_unusual_recipient: bool = False) -> SendPlan:
    """Validate everything, then build and simulate. Raises InvalidInput for bad input (bad
    address, amount not a plain number / zero / too many decimals / above the balance),
    UnusualRecipient for a burn, reserved or contract address the user did not allow (see
    app.recipients), ContractReverted if the chain would refuse it. Nothing is signed or sent
    here."""
    recipient = parse_address(to, "recipient")
    token = session.token(token_symbol) if token_symbol and token_symbol.upper() != session.network.native_symbol else None
    decimals = token.decimals if token else 18
    amount = parse_units(amount_text, decimals)
    unusual = check_recipient(recipient, session.network, allow_unusual=allow_unusual_recipient, sender=sender,
                              token_address=token.address if token else None,
                              token_symbol=token.symbol if token else None)
    notes = tuple(f"You chose to send to {r}" for r in unusual) + recipient_form_notes(to, recipient)
    client = session.client
    fees = suggest_fees(client)
    if token is None:
        balance = client.balance(sender)
        tx = build_transaction(client, session.journal, session.chain_id, sender, recipient, value=amount,
                               gas=21_000, fees=fees) if amount <= balance else None
        worst_fee = 21_000 * fees.max_fee_per_gas
        if tx is None or amount + worst_fee > balance:
            raise InvalidInput(
                f"{format_units(amount, 18)} {session.network.native_symbol} plus up to "
                f"{format_units(worst_fee, 18)} in network fee is above the balance of "
                f"{format_units(balance, 18)} {session.network.native_symbol}")
        return SendPlan(tx, None, amount, recipient, notes)
    raw = client.call({"to": token.address, "data": _BALANCE_OF + encode(["address"], [sender])})
    balance = int.from_bytes(raw[:32], "big")
    if amount > balance:
        raise InvalidInput(f"{format_units(amount, decimals)} {token.symbol} is above the balance of "
                           f"{format_units(balance, decimals)} {token.symbol}")
    data = _TRANSFER + encode(["address", "uint256"], [recipient, amount])
    tx = build_transaction(client, session.journal, session.chain_id, sender, token.address,
                           data=data, fees=fees)
    native = client.balance(sender)
    if tx["gas"] * tx["maxFeePerGas"] > native:
        raise InvalidInput(f"the network fee (up to {format_units(tx['gas'] * tx['maxFeePerGas'], 18)} "
                           f"{session.network.native_symbol}) is above the balance of "
                           f"{format_units(native, 18)} {session.network.native_symbol}")
    return SendPlan(tx, token, amount, recipient, notes)


def recipient_form_notes(typed: str, recipient: str) -> tuple[str, ...]:
    """A note when the address was given without its checksum (or in another case), so the
    person sees the form they can compare with where they got it."""
    if typed.strip() == recipient:
        return ()
    return (f"Recipient read as {recipient} (its EIP-55 checksummed form): compare it with the "
            "address you were given",)

"""How a signer asks the user something. The GUI and the CLI each implement ``Prompts``;
a signer never prints, reads stdin or opens a window itself.

``SigningSummary`` is what the user approves, already decoded by the caller (app/tx/describe):
plain data, no network, with ``to_json``/``from_json`` (decimal strings only) so the CLI's
``--json`` and the air-gapped file carry exactly what the dialog shows."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from app.errors import InvalidInput, UserCancelled


@dataclass(frozen=True)
class Party:
    """A named address: "Uniswap Universal Router (0x66a9…8C4d)", full address kept."""

    address: str                    # checksummed
    name: str | None = None

    def text(self) -> str:
        return f"{self.name} ({short_address(self.address)})" if self.name else self.address


@dataclass(frozen=True)
class Amount:
    """An amount of a token (or the native coin, ``token`` None) in its units, and in USD."""

    symbol: str
    units: str                      # exact, in whole tokens: "1000.5"
    raw: str                        # base units: "1000500000"
    decimals: int
    token: str | None = None        # the contract; None for the native coin
    usd: str | None = None          # "1000.50", None when no price is known
    display: str = ""               # for people: "1,000.5 USDC ($1,000.50)"


@dataclass(frozen=True)
class Action:
    """One decoded step of the call: a swap leg, a wrap, the platform fee, an approval..."""

    kind: str                       # "swap" | "wrap" | "unwrap" | "fee" | "sweep" | "transfer" | "approve" | ...
    text: str                       # one line for people, parties named, amounts in units and USD
    parties: dict[str, Party] = field(default_factory=dict)    # role -> party ("recipient", "spender")
    amounts: dict[str, Amount] = field(default_factory=dict)   # role -> amount ("in", "min_out")
    route: str | None = None        # "via WETH, Uniswap V3 0.3% then 0.05%"


@dataclass(frozen=True)
class BalanceChange:
    """What leaves (``direction`` "out") or arrives ("in") in the sender's account, simulated."""

    direction: str
    amount: Amount


@dataclass(frozen=True)
class FeeFigure:
    """The most the network can charge: gas limit × max fee per gas, plus an OP-stack L1 data fee."""

    symbol: str                     # the network's coin
    gas_wei: str                    # gas limit × max fee per gas
    total_wei: str                  # gas_wei + l1_wei: THE figure (the preview shows the same)
    display: str                    # rounded for people: "0.000121 ETH ($0.42)"
    exact: str                      # "0.000120843916918146 ETH"
    l1_wei: str | None = None
    l1_display: str | None = None
    usd: str | None = None          # of the total


@dataclass(frozen=True)
class SigningSummary:
    """What the user is asked to approve. ``to``, ``value`` and ``max_fee`` are the exact facts
    the air-gapped check compares with the transaction; the rest says what they mean."""

    network: str
    chain_id: int
    sender: str
    to: str | None                  # checksummed address (None: creates a contract)
    value: str                      # in the native coin, exact decimal string ("0.5 ETH")
    method: str | None = None       # "approve(address,uint256)", None for a plain transfer
    arguments: dict[str, str] = field(default_factory=dict)
    max_fee: str | None = None      # gas limit × max fee per gas, exact, with unit (L1 fee apart)
    l1_fee: str | None = None       # OP-stack chains: the L1 data fee, exact, with unit
    notes: tuple[str, ...] = ()     # what else to know (plain)
    warnings: tuple[str, ...] = ()  # what the user must see first (in the warning colour)
    sender_name: str | None = None
    to_name: str | None = None      # "Uniswap Universal Router"
    value_usd: str | None = None
    actions: tuple[Action, ...] = ()
    totals: tuple[Amount, ...] = ()     # per token bought in several legs: the least arriving in all
    balance_changes: tuple[BalanceChange, ...] = ()
    simulation: str | None = None       # how the balance changes were found, or why they are missing
    fee: FeeFigure | None = None

    @property
    def to_party(self) -> Party | None:
        return Party(self.to, self.to_name) if self.to else None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: strings, lists, objects (chain id as a decimal string)."""
        doc = json.loads(json.dumps(asdict(self)))   # tuples -> lists: JSON's own types
        doc["chain_id"] = str(self.chain_id)
        return doc

    @classmethod
    def from_json(cls, raw: Any) -> SigningSummary:
        """The inverse of ``to_json``; InvalidInput naming the first field of the wrong shape.
        Summaries written before the structured fields existed load with those empty."""
        raw = _obj(raw, "summary")
        for name in ("network", "sender", "value"):
            _str(raw.get(name), f"summary.{name}")
        chain_id = raw.get("chain_id")
        if isinstance(chain_id, bool) or not (isinstance(chain_id, int) or
                                              (isinstance(chain_id, str) and chain_id.isdigit() and chain_id.isascii())):
            raise InvalidInput("summary.chain_id must be a decimal string")
        optional = {name: _opt_str(raw.get(name), f"summary.{name}")
                    for name in ("to", "method", "max_fee", "l1_fee", "sender_name", "to_name", "value_usd",
                                 "simulation")}
        arguments = raw.get("arguments") or {}
        if not isinstance(arguments, dict) or not all(isinstance(v, str) for v in arguments.values()):
            raise InvalidInput("summary.arguments must map names to strings")
        fee = raw.get("fee")
        return cls(
            network=raw["network"], chain_id=int(chain_id), sender=raw["sender"], value=raw["value"],
            arguments=dict(arguments), notes=_strings(raw.get("notes"), "summary.notes"),
            warnings=_strings(raw.get("warnings"), "summary.warnings"),
            actions=tuple(_action(a, f"summary.actions[{i}]") for i, a in enumerate(_list(raw.get("actions"), "summary.actions"))),
            totals=tuple(_amount(a, f"summary.totals[{i}]") for i, a in enumerate(_list(raw.get("totals"), "summary.totals"))),
            balance_changes=tuple(_change(c, f"summary.balance_changes[{i}]")
                                  for i, c in enumerate(_list(raw.get("balance_changes"), "summary.balance_changes"))),
            fee=None if fee is None else _fee(fee, "summary.fee"), **optional)


def short_address(address: str) -> str:
    """0x66a9893cC07D91D95644AEDD05D03f95e1dBA8Af -> 0x66a9…A8Af"""
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


# --- from_json's checks -----------------------------------------------------------------------
def _obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be an object")
    return value


def _list(value: Any, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{where} must be a list")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{where} must be a string")
    return value


def _opt_str(value: Any, where: str) -> str | None:
    return None if value is None else _str(value, where)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_str(v, where) for v in _list(value, where))


def _amount(raw: Any, where: str) -> Amount:
    raw = _obj(raw, where)
    decimals = raw.get("decimals")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 77:
        raise InvalidInput(f"{where}.decimals must be a whole number")
    return Amount(symbol=_str(raw.get("symbol"), f"{where}.symbol"), units=_str(raw.get("units"), f"{where}.units"),
                  raw=_str(raw.get("raw"), f"{where}.raw"), decimals=decimals,
                  token=_opt_str(raw.get("token"), f"{where}.token"), usd=_opt_str(raw.get("usd"), f"{where}.usd"),
                  display=_str(raw.get("display", ""), f"{where}.display"))


def _party(raw: Any, where: str) -> Party:
    raw = _obj(raw, where)
    return Party(_str(raw.get("address"), f"{where}.address"), _opt_str(raw.get("name"), f"{where}.name"))


def _action(raw: Any, where: str) -> Action:
    raw = _obj(raw, where)
    parties = _obj(raw.get("parties") or {}, f"{where}.parties")
    amounts = _obj(raw.get("amounts") or {}, f"{where}.amounts")
    return Action(kind=_str(raw.get("kind"), f"{where}.kind"), text=_str(raw.get("text"), f"{where}.text"),
                  parties={k: _party(v, f"{where}.parties.{k}") for k, v in parties.items()},
                  amounts={k: _amount(v, f"{where}.amounts.{k}") for k, v in amounts.items()},
                  route=_opt_str(raw.get("route"), f"{where}.route"))


def _change(raw: Any, where: str) -> BalanceChange:
    raw = _obj(raw, where)
    direction = _str(raw.get("direction"), f"{where}.direction")
    if direction not in ("in", "out"):
        raise InvalidInput(f"{where}.direction must be \"in\" or \"out\"")
    return BalanceChange(direction, _amount(raw.get("amount"), f"{where}.amount"))


def _fee(raw: Any, where: str) -> FeeFigure:
    raw = _obj(raw, where)
    return FeeFigure(symbol=_str(raw.get("symbol"), f"{where}.symbol"), gas_wei=_str(raw.get("gas_wei"), f"{where}.gas_wei"),
                     total_wei=_str(raw.get("total_wei"), f"{where}.total_wei"),
                     display=_str(raw.get("display"), f"{where}.display"), exact=_str(raw.get("exact"), f"{where}.exact"),
                     l1_wei=_opt_str(raw.get("l1_wei"), f"{where}.l1_wei"),
                     l1_display=_opt_str(raw.get("l1_display"), f"{where}.l1_display"),
                     usd=_opt_str(raw.get("usd"), f"{where}.usd"))


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

"""Decoded steps -> what a person reads (pure): each step an ``Action`` with its parties named
and its amounts in units and USD; warnings for what cannot be checked; per-token totals when
several swap legs buy the same token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from app.tx.describe.amounts import make_amount, unknown_token_amount
from app.tx.describe.calls import ADDRESS_THIS, CONTRACT_BALANCE, MSG_SENDER, Step
from app.tx.describe.names import AddressBook
from wallet.prompts import Action, Amount, Party

UNLIMITED = 2**255
UNDECODED = "Basketry cannot decode this call: sign only if you trust where it came from."


@dataclass
class CallContext:
    sender: str
    to: str | None
    value: int
    book: AddressBook
    prices: Mapping[str, Decimal] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    # --- parties and amounts -------------------------------------------------------------------
    def party(self, address: str) -> Party:
        if address == MSG_SENDER or address.lower() == self.sender.lower():
            return Party(self.sender, "you")
        if address == ADDRESS_THIS and self.to:
            return Party(self.to, self.book.name(self.to) or "the contract called")
        return self.book.party(address)

    def native(self, raw: int) -> Amount:
        return make_amount(raw, self.book.native_symbol, 18, None, self.prices)

    def token_amount(self, raw: int, token: str | None) -> Amount:
        if token is None:
            return self.native(raw)
        known = self.book.token(token)
        if known is None:
            self.warn(f"Token {token} is not one Basketry knows: its amount is shown in base units.")
            return unknown_token_amount(raw, token)
        return make_amount(raw, known[0], known[1], token, self.prices)

    def symbol(self, token: str | None) -> str:
        if token is None:
            return self.book.native_symbol
        known = self.book.token(token)
        return known[0] if known else token

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def third_party(self, party: Party, what: str) -> None:
        """Money going to someone who is neither the sender nor a named contract: say so."""
        if party.name is None:
            self.warn(f"{what} goes to {party.address}, an address Basketry does not know: check it.")


def render_steps(steps: tuple[Step, ...], ctx: CallContext) -> list[Action]:
    return [_render(step, ctx) for step in steps]


def swap_totals(actions: list[Action], prices: Mapping[str, Decimal] | None = None) -> list[Amount]:
    """Per token bought by more than one swap leg: the least arriving in all of them."""
    by_token: dict[str, list[Amount]] = {}
    for action in actions:
        if action.kind == "swap" and "min_out" in action.amounts and action.amounts["min_out"].token:
            amount = action.amounts["min_out"]
            by_token.setdefault(amount.token, []).append(amount)
    return [make_amount(sum(int(a.raw) for a in amounts), amounts[0].symbol, amounts[0].decimals, token, prices)
            for token, amounts in by_token.items() if len(amounts) > 1 and amounts[0].display.find("base units") < 0]


def route_text(tokens: tuple[str, ...], fees: tuple[int, ...], ctx: CallContext) -> str:
    tiers = " then ".join(f"{Decimal(fee) / Decimal(10_000):f}%".replace(".0%", "%") for fee in fees)
    if len(tokens) <= 2:
        return f"Uniswap V3 {tiers}"
    via = ", ".join(ctx.symbol(t) for t in tokens[1:-1])
    return f"via {via} (Uniswap V3 {tiers})"


def _render(step: Step, ctx: CallContext) -> Action:
    a = step.args
    kind = step.kind
    if kind == "swap":
        return _swap(a, ctx)
    if kind == "wrap":
        amount = a.get("amount")
        if amount is None or amount == CONTRACT_BALANCE:  # WETH deposit(): the value sent
            amount = ctx.value
        got = ctx.native(amount)
        recipient = ctx.party(a.get("recipient", MSG_SENDER))
        wrapped = ctx.book.wrapped_native and ctx.symbol(ctx.book.wrapped_native) or f"wrapped {ctx.book.native_symbol}"
        whom = (f"held by {recipient.text()} for the swaps" if recipient.address == ctx.to and ctx.to
                else f"for {recipient.text()}")
        return Action("wrap", f"Wrap {got.display} into {wrapped}, {whom}",
                      {"recipient": recipient}, {"amount": got})
    if kind == "unwrap":
        recipient = ctx.party(a.get("recipient", MSG_SENDER))
        if "amount" in a:  # WETH withdraw(wad)
            token = ctx.to if ctx.book.is_wrapped_native(ctx.to) else None
            amount = ctx.token_amount(a["amount"], token) if token else ctx.native(a["amount"])
            return Action("unwrap", f"Unwrap {amount.display} into {ctx.book.native_symbol}",
                          {"recipient": recipient}, {"amount": amount})
        minimum = ctx.native(a["min_amount"])
        return Action("unwrap", f"Unwrap the router's {ctx.symbol(ctx.book.wrapped_native)} into "
                      f"{ctx.book.native_symbol} (at least {minimum.display}) for {recipient.text()}",
                      {"recipient": recipient}, {"min_amount": minimum})
    if kind in ("pay", "sweep", "pay_portion"):
        return _payment(kind, a, ctx)
    if kind == "pull":
        amount = ctx.token_amount(a["amount"], a["token"])
        return Action("pull", f"The router takes {amount.display} from you", {}, {"amount": amount})
    if kind == "refund":
        return Action("refund", f"Any {ctx.book.native_symbol} left in the router comes back to you",
                      {"recipient": ctx.party(MSG_SENDER)})
    if kind == "approve":
        return _approve(a, ctx)
    if kind in ("transfer", "transfer_from"):
        token = ctx.to
        amount = ctx.token_amount(a["amount"], token)
        recipient = ctx.party(a["recipient"])  # the person chose whom to pay: no warning here
        parties = {"recipient": recipient}
        text = f"Send {amount.display} to {recipient.text()}"
        if kind == "transfer_from":
            owner = ctx.party(a["owner"])
            parties["owner"] = owner
            text = f"Move {amount.display} from {owner.text()} to {recipient.text()}"
        return Action("transfer", text, parties, {"amount": amount})
    if kind.startswith("vault_"):
        return _vault(kind, a, ctx)
    what = (f"Universal Router command {a['command']} ({a['bytes']} bytes)" if "command" in a
            else f"unknown function {a.get('selector')} ({a.get('bytes')} bytes)")
    ctx.warn(UNDECODED)
    return Action("unknown", f"Not decoded: {what}")


def _swap(a: dict, ctx: CallContext) -> Action:
    tokens, fees = a["tokens"], a["fees"]
    token_in, token_out = tokens[0], tokens[-1]
    # The Universal Router pays from the WETH it wrapped from your ETH (payerIsUser false)
    in_is_native = not a["payer_is_user"] and ctx.book.is_wrapped_native(token_in) and ctx.value > 0
    if a["amount_in"] in (CONTRACT_BALANCE, 0):
        amount_text = f"all the {ctx.symbol(None if in_is_native else token_in)} the router holds"
        amounts: dict[str, Amount] = {}
    else:
        amount_in = ctx.native(a["amount_in"]) if in_is_native else ctx.token_amount(a["amount_in"], token_in)
        amount_text, amounts = amount_in.display, {"in": amount_in}
    min_out = ctx.token_amount(a["min_out"], token_out)
    amounts["min_out"] = min_out
    recipient = ctx.party(a["recipient"])
    route = route_text(tokens, fees, ctx)
    text = f"Swap {amount_text} -> at least {min_out.display} {'via ' if len(tokens) <= 2 else ''}{route}"
    if recipient.name != "you":
        text += f", paid to {recipient.text()}"
        if recipient.address != ctx.to:
            ctx.third_party(recipient, f"The {min_out.symbol} bought")
    if a["min_out"] == 0:
        ctx.warn(f"A swap into {min_out.symbol} accepts any amount out (no minimum): it can be front-run.")
    if a.get("allow_revert"):
        text += " (may fail alone)"
    return Action("swap", text, {"recipient": recipient}, amounts, route)


def _payment(kind: str, a: dict, ctx: CallContext) -> Action:
    recipient = ctx.party(a["recipient"])
    token = a["token"]
    fee = recipient.name is not None and "platform fee" in recipient.name.lower()
    if kind == "pay_portion":
        bips = Decimal(a["bips"]) / Decimal(100)
        text = f"Pay {bips:f}% of the router's {ctx.symbol(token)} to {recipient.text()}"
        if not fee:
            ctx.third_party(recipient, f"{bips:f}% of the {ctx.symbol(token)}")
        return Action("fee" if fee else "pay_portion", ("Platform fee: " if fee else "") + text,
                      {"recipient": recipient}, {})
    if kind == "pay":
        amount = ctx.token_amount(a["amount"], token)
        if not fee:
            ctx.third_party(recipient, amount.display)
        text = f"Platform fee: {amount.display} to {recipient.text()}" if fee else \
            f"Pay {amount.display} to {recipient.text()}"
        return Action("fee" if fee else "pay", text, {"recipient": recipient}, {"amount": amount})
    minimum = ctx.token_amount(a["min_amount"], token)
    if fee:
        return Action("fee", f"Platform fee: {minimum.display} to {recipient.text()}",
                      {"recipient": recipient}, {"amount": minimum})
    if recipient.name != "you":
        ctx.third_party(recipient, f"What the router holds of {minimum.symbol}")
    least = f" (at least {minimum.display})" if a["min_amount"] else ""
    return Action("sweep", f"Send whatever {ctx.symbol(token)} the router holds{least} to {recipient.text()}",
                  {"recipient": recipient}, {"min_amount": minimum})


def _approve(a: dict, ctx: CallContext) -> Action:
    spender = ctx.party(a["spender"])
    token = ctx.to
    if a["amount"] >= UNLIMITED:
        ctx.warn(f"This approval is UNLIMITED: {spender.text()} could take all your {ctx.symbol(token)}, now or later.")
        amount_text, amounts = f"an unlimited amount of your {ctx.symbol(token)}", {}
    else:
        amount = ctx.token_amount(a["amount"], token)
        amount_text, amounts = amount.display, {"amount": amount}
    if spender.name is None:
        ctx.warn(f"The spender {spender.address} is not a contract Basketry knows: it could take what you approve.")
    verb = "Allow" if a["amount"] else "Revoke the allowance of"
    text = f"{verb} {spender.text()} to spend {amount_text}" if a["amount"] else f"{verb} {spender.text()}"
    return Action("approve", text, {"spender": spender, "token": ctx.book.party(token)} if token else
                  {"spender": spender}, amounts)


def _vault(kind: str, a: dict, ctx: CallContext) -> Action:
    vault_address = ctx.to
    vault = ctx.book.vaults.get(vault_address) if vault_address else None
    vault_party = ctx.book.party(vault_address) if vault_address else Party("", None)
    if vault is None:
        ctx.warn(f"{vault_address} is not a vault Basketry knows: amounts are in base units.")

    def assets(raw: int) -> Amount:
        if vault is not None and vault.asset_decimals is not None:
            return make_amount(raw, vault.asset_symbol or "?", vault.asset_decimals, vault.asset, ctx.prices)
        return unknown_token_amount(raw, vault.asset if vault and vault.asset else "(the vault's asset)")

    def shares(raw: int) -> Amount:
        if vault is not None and vault.share_decimals is not None:
            return make_amount(raw, vault.share_symbol, vault.share_decimals, vault_address, ctx.prices)
        return unknown_token_amount(raw, vault_address or "")

    receiver = ctx.party(a["receiver"])
    parties = {"vault": vault_party, "receiver": receiver}
    if receiver.name != "you":
        ctx.third_party(receiver, "What the vault pays out")
    if kind == "vault_deposit":
        amount = assets(a["assets"])
        return Action("deposit", f"Deposit {amount.display} into {vault_party.text()}; shares to {receiver.text()}",
                      parties, {"assets": amount})
    if kind == "vault_mint":
        amount = shares(a["shares"])
        return Action("mint", f"Mint {amount.display} of {vault_party.text()} for {receiver.text()}",
                      parties, {"shares": amount})
    owner = ctx.party(a["owner"])
    parties["owner"] = owner
    if kind == "vault_withdraw":
        amount = assets(a["assets"])
        return Action("withdraw", f"Withdraw {amount.display} from {vault_party.text()} to {receiver.text()}",
                      parties, {"assets": amount})
    amount = shares(a["shares"])
    return Action("redeem", f"Redeem {amount.display} of {vault_party.text()} for its "
                  f"{vault.asset_symbol if vault and vault.asset_symbol else 'asset'}, paid to {receiver.text()}",
                  parties, {"shares": amount})

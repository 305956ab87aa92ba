"""The app's ledger replayed through RP2 (https://github.com/eprbell/rp2, an independent
crypto-tax calculator), to check the app's realised P&L per position and method against it.

The mapping (each RP2 "asset" is one position: a token in one account, since the app's
positions are per account; RP2 pools lots per asset):

- acquisitions (trade, receive, opening, receipt, adjustment): an IN of type BUY at the ledger's
  value, the event's fee added to the cost (``fiat_in_with_fee``);
- disposals (trade, send, adjustment): an OUT of type SELL for the value less the event's fee;
- gas, fee, failed whose fee is their whole value (an approval's or a carry's gas, a failed
  transaction: the app expenses it, realised = -cost of the ETH spent): an OUT of type FEE with
  ``fiat_fee`` 0 (RP2's default would count the fee's market value as proceeds); a trade's gas
  (fee 0 in the ledger: its value is in the bought lots' fees) is a SELL at its market value;
- carries (move, wrap, deposit, withdrawal): RP2 has no transaction that moves lots between
  assets (an INTRA moves one asset between holders, its pool being universal), so a carry is
  an OUT of the source position whose gain is *not* counted, and the lots RP2 itself matched to
  that OUT become INs of the destination position with their own timestamp and cost (scaled
  to the quantity received). A vault withdrawal brings back the principal the shares stand for
  (tracked per share position, in proportion to the shares redeemed) as carried lots and the
  rest as an IN of type INTEREST (income at its market value, as the app books the yield).
  Since carried lots depend on RP2's own matching, RP2 is run until the carried lots stop
  changing (a fixed point: a carry depends only on what happened before it).

Any other label raises: nothing is left out silently.
"""

from __future__ import annotations

import contextlib
import tempfile
import time as _time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from app.portfolio.csv_export import LedgerRow

ACQUIRED = {"trade", "receive", "opening", "receipt", "adjustment"}
DISPOSED = {"trade", "send", "adjustment"}
FEES = {"gas", "fee", "failed"}
CARRIES = {"move", "wrap", "deposit", "withdrawal"}
RP2_METHODS = ("fifo", "lifo", "hifo")


@dataclass(frozen=True)
class _Lot:
    timestamp: str
    quantity: Decimal
    cost: Decimal


def _stamp(seconds: int) -> str:
    return _time.strftime("%Y-%m-%d %H:%M:%S +0000", _time.gmtime(seconds))


def _config(assets: Iterable[str], folder: Path) -> Path:
    path = folder / "rp2.ini"
    path.write_text(
        "[general]\nassets = " + ", ".join(sorted(assets)) + "\nexchanges = chain\nholders = user\n\n"
        "[in_header]\ntimestamp = 0\nasset = 1\nexchange = 2\nholder = 3\ntransaction_type = 4\nspot_price = 5\n"
        "crypto_in = 6\nfiat_fee = 7\n\n"
        "[out_header]\ntimestamp = 0\nasset = 1\nexchange = 2\nholder = 3\ntransaction_type = 4\nspot_price = 5\n"
        "crypto_out_no_fee = 6\ncrypto_fee = 7\n\n"
        "[intra_header]\ntimestamp = 0\nasset = 1\nfrom_exchange = 2\nfrom_holder = 3\nto_exchange = 4\n"
        "to_holder = 5\ncrypto_sent = 6\ncrypto_received = 7\n", encoding="utf-8")
    return path


def rp2_realised(events: list[LedgerRow], method: str) -> dict[tuple[str, str], Decimal]:
    """Realised P&L per (account, token) computed by RP2 under ``method`` (fifo|lifo|hifo)."""
    folder = Path(tempfile.mkdtemp(prefix="rp2-"))
    with contextlib.chdir(folder):   # importing rp2 makes ./log and logs there: not in the checkout
        import rp2.logger  # noqa: F401
    from prezzemolo.avl_tree import AVLTree
    from rp2.accounting_engine import AccountingEngine
    from rp2.configuration import MIN_DATE, Configuration
    from rp2.entry_types import EntrySetType
    from rp2.in_transaction import InTransaction
    from rp2.input_data import InputData
    from rp2.out_transaction import OutTransaction
    from rp2.plugin.accounting_method import fifo, hifo, lifo
    from rp2.plugin.country.us import US
    from rp2.rp2_decimal import RP2Decimal
    from rp2.tax_engine import compute_tax
    from rp2.transaction_set import TransactionSet

    unknown = {e.label for e in events} - ACQUIRED - DISPOSED - FEES - CARRIES
    if unknown:
        raise ValueError(f"ledger labels with no RP2 mapping: {sorted(unknown)}")
    engine_method = {"fifo": fifo, "lifo": lifo, "hifo": hifo}[method].AccountingMethod
    ordered = sorted(events, key=lambda e: (e.time, e.tx_hash or "", e.seq))
    positions = sorted({(e.account, e.token) for e in ordered})
    names = {p: f"P{i}" for i, p in enumerate(positions)}
    configuration = Configuration(str(_config(names.values(), folder)), US())

    def dec(value: Decimal) -> RP2Decimal:
        return RP2Decimal(str(value))

    carried: dict[str, list[_Lot]] = {}     # carry-out id -> the lots RP2 matched to it
    previous = None
    for _round in range(12):
        ins: dict[str, list] = {n: [] for n in names.values()}
        outs: dict[str, list] = {n: [] for n in names.values()}
        carry_outs: dict[str, str] = {}     # RP2 out internal id -> carry-out id
        principal: dict[tuple[str, str], Decimal] = {}   # share position -> asset units deposited
        shares: dict[tuple[str, str], Decimal] = {}
        pending: dict[str, list[tuple[str, Decimal, tuple[str, str]]]] = {}   # tx -> carry outs (id, qty)
        for index, e in enumerate(ordered):
            asset, position = names[(e.account, e.token)], (e.account, e.token)
            quantity = Decimal(e.quantity).scaleb(-e.decimals)
            stamp, note = _stamp(e.time), f"{e.label} {e.tx_hash}#{e.seq}"
            if e.kind == "acquisition" and e.label in ACQUIRED:
                ins[asset].append(InTransaction(
                    configuration, stamp, asset, "chain", "user", "BUY", dec(e.value_usd / quantity), dec(quantity),
                    fiat_in_no_fee=dec(e.value_usd), fiat_in_with_fee=dec(e.value_usd + e.fee_usd),
                    fiat_fee=dec(e.fee_usd), notes=note))
            elif e.kind == "disposal" and e.label in FEES and e.fee_usd >= e.value_usd:
                outs[asset].append(OutTransaction(
                    configuration, stamp, asset, "chain", "user", "FEE", dec(e.value_usd / quantity), dec(0),
                    dec(quantity), fiat_fee=dec(0), notes=note))
            elif e.kind == "disposal" and e.label in DISPOSED | FEES:
                outs[asset].append(OutTransaction(
                    configuration, stamp, asset, "chain", "user", "SELL", dec(e.value_usd / quantity), dec(quantity),
                    dec(0), fiat_out_no_fee=dec(e.value_usd - e.fee_usd), fiat_fee=dec(0), notes=note))
            elif e.kind == "disposal":                            # a carry out: its gain is not counted
                out = OutTransaction(configuration, stamp, asset, "chain", "user", "SELL",
                                     dec(max(e.value_usd, Decimal("1e-9")) / quantity), dec(quantity), dec(0),
                                     fiat_fee=dec(0), notes=note)
                outs[asset].append(out)
                carry_id = f"{e.tx_hash}#{e.seq}"
                carry_outs[str(out.internal_id)] = carry_id
                pending.setdefault(e.tx_hash or "", []).append((carry_id, quantity, position))
                if e.label == "withdrawal":
                    held = shares.get(position, Decimal(0))
                    part = principal.get(position, Decimal(0)) * min(quantity, held) / held if held else Decimal(0)
                    principal[position] = principal.get(position, Decimal(0)) - part
                    pending[e.tx_hash or ""][-1] = (carry_id, quantity, ("principal", str(part)))
                shares[position] = shares.get(position, Decimal(0)) - quantity
            else:                                                 # a carry in: the lots of its carry out
                carry_id, sent, origin = pending[e.tx_hash or ""].pop(0)
                if e.label == "deposit":
                    principal[position] = principal.get(position, Decimal(0)) + sent
                if e.label in ("deposit", "withdrawal") or position in shares:
                    shares[position] = shares.get(position, Decimal(0)) + quantity
                kept = quantity
                if e.label == "withdrawal":
                    kept = min(quantity, Decimal(origin[1]))
                    if quantity > kept:                           # the yield: income at its market value
                        worth = e.value_usd * (quantity - kept) / quantity
                        ins[asset].append(InTransaction(configuration, stamp, asset, "chain", "user", "INTEREST",
                                                        dec(worth / (quantity - kept)), dec(quantity - kept),
                                                        fiat_in_no_fee=dec(worth), notes=f"yield {note}"))
                # the first round does not know RP2's lots yet: one lot at the carry's value stands in
                lots = carried.get(carry_id) or [_Lot(stamp, sent, e.value_usd * sent / quantity)]
                for n, lot in enumerate(lots):
                    amount = lot.quantity * kept / sent
                    ins[asset].append(InTransaction(
                        configuration, lot.timestamp, asset, "chain", "user", "BUY", dec(lot.cost / amount),
                        dec(amount), fiat_in_no_fee=dec(lot.cost), fiat_in_with_fee=dec(lot.cost), fiat_fee=dec(0),
                        notes=f"carried {n} {note}"))
            del index

        realised: dict[tuple[str, str], Decimal] = {}
        matched: dict[str, list[_Lot]] = {}
        for position, asset in names.items():
            if not outs[asset] and not any(t.transaction_type.value == "interest" for t in ins[asset]):
                realised[position] = Decimal(0)
                continue
            sets = []
            for kind, entries in ((EntrySetType.IN, ins[asset]), (EntrySetType.OUT, outs[asset]), (EntrySetType.INTRA, [])):
                entry_set = TransactionSet(configuration, kind.value, asset, MIN_DATE)
                for entry in entries:
                    entry_set.add_entry(entry)
                sets.append(entry_set)
            tree: AVLTree = AVLTree()
            tree.insert_node(MIN_DATE.year, engine_method())
            computed = compute_tax(configuration, AccountingEngine(tree), InputData(asset, *sets))
            total = Decimal(0)
            for gain in computed.gain_loss_set:
                carry_id = carry_outs.get(str(gain.taxable_event.internal_id))
                if carry_id is None:
                    total += Decimal(str(gain.fiat_gain))
                else:
                    lot = gain.acquired_lot
                    matched.setdefault(carry_id, []).append(_Lot(
                        lot.timestamp.strftime("%Y-%m-%d %H:%M:%S +0000"), Decimal(str(gain.crypto_amount)),
                        Decimal(str(gain.fiat_cost_basis))))
            realised[position] = total
        # settled when each carry takes the same quantity at the same cost (to 1e-6 USD): lots
        # of one unit cost may be split differently between rounds, which changes nothing
        state = {k: (sum(lot.quantity for lot in v), round(sum(lot.cost for lot in v), 6)) for k, v in matched.items()}
        if state == previous:
            return realised
        previous, carried = state, matched
    raise AssertionError("RP2's carried lots did not settle in 12 rounds")


def average_realised(events: list[LedgerRow]) -> dict[tuple[str, str], Decimal]:
    """Realised P&L per (account, token) by average cost, replayed here independently of the
    app's ``AveragePool`` (RP2 has no average method): each position a pool of (quantity, cost);
    a disposal realises value − fee − quantity × the pool's average; a carry takes its share of
    the pool's cost to the destination; a vault withdrawal brings the principal the shares stand
    for (pooled per share position) at the shares' cost and the rest as income at its value."""
    unknown = {e.label for e in events} - ACQUIRED - DISPOSED - FEES - CARRIES
    if unknown:
        raise ValueError(f"ledger labels with no mapping: {sorted(unknown)}")
    pool: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    principal: dict[tuple[str, str], Decimal] = {}
    realised: dict[tuple[str, str], Decimal] = {}
    pending: dict[str, list[tuple[Decimal, Decimal, Decimal | None]]] = {}   # tx -> (qty, cost, principal)
    for e in sorted(events, key=lambda e: (e.time, e.tx_hash or "", e.seq)):
        position = (e.account, e.token)
        quantity = Decimal(e.quantity).scaleb(-e.decimals)
        held, cost = pool.get(position, (Decimal(0), Decimal(0)))
        realised.setdefault(position, Decimal(0))
        if e.kind == "acquisition" and e.label in ACQUIRED:
            pool[position] = (held + quantity, cost + e.value_usd + e.fee_usd)
        elif e.kind == "disposal":
            taken = cost * quantity / held if held else Decimal(0)
            pool[position] = (held - quantity, cost - taken)
            if e.label in CARRIES:
                part = None
                if e.label == "withdrawal":
                    part = principal.get(position, Decimal(0)) * min(quantity, held) / held if held else Decimal(0)
                    principal[position] = principal.get(position, Decimal(0)) - part
                pending.setdefault(e.tx_hash or "", []).append((quantity, taken, part))
            else:
                realised[position] += e.value_usd - e.fee_usd - taken
        else:
            sent, carried, part = pending[e.tx_hash or ""].pop(0)
            if e.label == "deposit":
                principal[position] = principal.get(position, Decimal(0)) + sent
            kept = quantity if part is None else min(quantity, part)
            if kept < quantity:                                   # the yield, income at its value
                worth = e.value_usd * (quantity - kept) / quantity
                realised[position] += worth
                carried += worth
            pool[position] = (held + quantity, cost + carried)
    return realised

"""Cost basis and P&L: the pure core (no I/O). Events in, a reproducible ``Report`` out.

Events are per position, an (account, token) pair: an ``Acquisition`` opens a lot whose cost
is ``cost_usd + fee_usd``; a ``Disposal`` consumes lots and realises
``proceeds_usd - fee_usd - cost of the lots consumed``.

Which lots a disposal consumes is the method (rotki's ``accounting/cost_basis/base.py``):
FIFO, LIFO and HIFO are the same heap of lots with a different key; average cost is one pool
per position whose unit cost changes on acquisitions only. Everything is O(n log n).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from heapq import heappop, heappush
from operator import attrgetter
from typing import ClassVar, NamedTuple

from app.accounting.money import ACCOUNTING_CONTEXT, ACCOUNTING_PRECISION, ZERO, to_decimal
from app.errors import BasketryError

Time = int | datetime  # Unix seconds, or an aware datetime; one kind per computation
Position = tuple[str, str]  # (account, token)

DEFAULT_METHOD = "fifo"


class OversoldError(BasketryError, ValueError):
    """A disposal of more than the position holds at that time (a broken input, not a lot)."""


# --- events ----------------------------------------------------------------------------------
def _check_time(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | datetime):
        raise TypeError(f"time must be an int (Unix seconds) or a datetime, not {value!r}")


@dataclass(frozen=True, slots=True)
class Acquisition:
    """``quantity`` of ``token`` bought (or received) at ``time`` for ``cost_usd``; the fee
    (gas, exchange fee) is added to the lot's cost basis."""

    time: Time
    quantity: Decimal
    cost_usd: Decimal
    fee_usd: Decimal = ZERO
    ref: str = ""
    _: KW_ONLY
    token: str
    account: str = ""

    def __post_init__(self) -> None:
        _check_event(self, self.cost_usd, "cost_usd")

    @property
    def basis_usd(self) -> Decimal:
        return self.cost_usd + self.fee_usd


@dataclass(frozen=True, slots=True)
class Disposal:
    """``quantity`` of ``token`` sold (or spent) at ``time`` for ``proceeds_usd``; the fee is
    deducted from the proceeds."""

    time: Time
    quantity: Decimal
    proceeds_usd: Decimal
    fee_usd: Decimal = ZERO
    ref: str = ""
    _: KW_ONLY
    token: str
    account: str = ""

    def __post_init__(self) -> None:
        _check_event(self, self.proceeds_usd, "proceeds_usd")


Event = Acquisition | Disposal


def _check_event(event: Event, amount: object, amount_name: str) -> None:
    """Normalise the money fields to Decimal (TypeError for float/bool) and check signs."""
    _check_time(event.time)
    if not isinstance(event.token, str) or not event.token:
        raise ValueError(f"token must be a non-empty string (got {event.token!r})")
    if not isinstance(event.account, str) or not isinstance(event.ref, str):
        raise TypeError("account and ref must be strings")
    quantity = to_decimal(event.quantity, "quantity")
    money = to_decimal(amount, amount_name)
    fee = to_decimal(event.fee_usd, "fee_usd")
    if quantity <= 0:
        raise ValueError(f"quantity must be above zero (got {quantity} {event.token})")
    if money < 0 or fee < 0:
        raise ValueError(f"{amount_name} and fee_usd must not be negative ({event.ref or event.time})")
    object.__setattr__(event, "quantity", quantity)
    object.__setattr__(event, amount_name, money)
    object.__setattr__(event, "fee_usd", fee)


# --- results ---------------------------------------------------------------------------------
class Consumption(NamedTuple):
    """The part of one lot a disposal consumed. For average cost the lot is the pool, whose
    ref is ``"average"``."""

    ref: str
    quantity: Decimal
    cost_usd: Decimal


class RealisedDisposal(NamedTuple):
    account: str
    token: str
    time: Time
    ref: str
    quantity: Decimal
    proceeds_usd: Decimal
    fee_usd: Decimal
    cost_basis_usd: Decimal
    pnl_usd: Decimal
    consumed: tuple[Consumption, ...]

    @property
    def lot_refs(self) -> tuple[str, ...]:
        return tuple(c.ref for c in self.consumed)


class OpenLot(NamedTuple):
    """What is left of a lot (for average cost: the pool of the position, ref ``"average"``,
    time of its latest acquisition)."""

    account: str
    token: str
    ref: str
    time: Time
    quantity: Decimal
    cost_usd: Decimal


class Holding(NamedTuple):
    """One open position: what is held and what it cost."""

    account: str
    token: str
    quantity: Decimal
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class Report:
    """The result of ``compute``. ``settings`` holds what it ran with (method, precision, the
    number of events and a SHA-256 of them), so the same report can be produced again."""

    method: str
    disposals: tuple[RealisedDisposal, ...]
    open_lots: tuple[OpenLot, ...]
    holdings: tuple[Holding, ...]
    realised_usd: Decimal
    fees_usd: Decimal
    settings: dict = field(default_factory=dict)


# --- the methods -------------------------------------------------------------------------------
class _Lot:
    __slots__ = ("ref", "time", "seq", "quantity", "cost")

    def __init__(self, ref: str, time: Time, seq: int, quantity: Decimal, cost: Decimal):
        self.ref, self.time, self.seq = ref, time, seq
        self.quantity, self.cost = quantity, cost


class LotHeap:
    """The open lots of one position, consumed smallest ``key`` first. FIFO, LIFO and HIFO
    differ only in the key; a partly consumed lot keeps its key (its unit cost is unchanged)."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self._heap: list[tuple[object, int, _Lot]] = []
        self.quantity = ZERO
        self.cost = ZERO

    @staticmethod
    def key(lot: _Lot) -> object:
        raise NotImplementedError

    def add(self, lot: _Lot) -> None:
        heappush(self._heap, (self.key(lot), lot.seq, lot))
        self.quantity += lot.quantity
        self.cost += lot.cost

    def take(self, quantity: Decimal) -> tuple[list[Consumption], Decimal]:
        """Consume ``quantity`` (the caller checked it is held): whole lots at their exact
        cost, a part of a lot at its proportional cost. Returns the parts and their cost."""
        heap = self._heap
        consumed = []
        total = ZERO
        left = quantity
        while left:
            lot = heap[0][2]
            if lot.quantity <= left:
                heappop(heap)
                consumed.append(Consumption(lot.ref, lot.quantity, lot.cost))
                total += lot.cost
                left -= lot.quantity
            else:
                cost = lot.cost * left / lot.quantity
                consumed.append(Consumption(lot.ref, left, cost))
                total += cost
                lot.quantity -= left
                lot.cost -= cost
                left = ZERO
        self.quantity -= quantity
        self.cost = self.cost - total if heap else ZERO  # nothing held costs nothing
        return consumed, total

    def open_lots(self) -> Iterable[_Lot]:
        return (entry[2] for entry in sorted(self._heap))


class FifoLots(LotHeap):
    """First in, first out: the oldest lot first."""

    name = "fifo"

    @staticmethod
    def key(lot: _Lot) -> object:
        return lot.seq


class LifoLots(LotHeap):
    """Last in, first out: the newest lot first."""

    name = "lifo"

    @staticmethod
    def key(lot: _Lot) -> object:
        return -lot.seq


class HifoLots(LotHeap):
    """Highest in, first out: the highest unit cost first (the oldest among equals)."""

    name = "hifo"

    @staticmethod
    def key(lot: _Lot) -> object:
        return -(lot.cost / lot.quantity)  # keyed when the lot is added, still whole


class AveragePool:
    """Average cost: one pool per position. An acquisition adds its quantity and cost; a
    disposal takes its quantity at the pool's average unit cost, which therefore changes on
    acquisitions only."""

    name: ClassVar[str] = "average"
    REF: ClassVar[str] = "average"

    def __init__(self) -> None:
        self.quantity = ZERO
        self.cost = ZERO
        self.last_time: Time | None = None

    def add(self, lot: _Lot) -> None:
        self.quantity += lot.quantity
        self.cost += lot.cost
        self.last_time = lot.time

    def take(self, quantity: Decimal) -> tuple[list[Consumption], Decimal]:
        if quantity == self.quantity:
            cost = self.cost
            self.quantity = self.cost = ZERO
        else:
            cost = self.cost * quantity / self.quantity
            self.quantity -= quantity
            self.cost -= cost
        return [Consumption(self.REF, quantity, cost)], cost

    def open_lots(self) -> Iterable[_Lot]:
        if self.quantity:
            yield _Lot(self.REF, self.last_time, 0, self.quantity, self.cost)


Book = LotHeap | AveragePool
METHODS: dict[str, type[LotHeap] | type[AveragePool]] = {
    cls.name: cls for cls in (FifoLots, LifoLots, HifoLots, AveragePool)}


# --- compute -----------------------------------------------------------------------------------
class Accountant:
    """The books of every position under one method, fed events in time order. ``compute``
    is an Accountant fed a sorted list; an app keeps one alive and ``apply``s each new event,
    so a new trade costs O(log n), not a recompute.

    Raises ValueError for an unknown method."""

    def __init__(self, method: str = DEFAULT_METHOD):
        book_type = METHODS.get(method)
        if book_type is None:
            raise ValueError(f"unknown cost basis method {method!r}; one of {', '.join(METHODS)}")
        self.method = method
        self._book_type = book_type
        self.books: dict[Position, Book] = {}
        self.disposals: list[RealisedDisposal] = []
        self.realised = ZERO
        self.fees = ZERO
        self.count = 0
        self.last_time: Time | None = None
        self._digest = hashlib.sha256()

    def apply(self, event: Event) -> RealisedDisposal | None:
        """Book one event; its time must not be before the last one's (else ValueError: the
        caller recomputes from scratch). Raises OversoldError, TypeError as ``compute``."""
        if not isinstance(event, Acquisition | Disposal):
            raise TypeError(f"not an Acquisition or a Disposal: {event!r}")
        if self.last_time is not None and event.time < self.last_time:
            raise ValueError(f"event at {event.time} is before the last one booked ({self.last_time})")
        with localcontext(ACCOUNTING_CONTEXT):
            return self._apply(event)

    def _apply(self, event: Event) -> RealisedDisposal | None:
        seq = self.count
        position = (event.account, event.token)
        if isinstance(event, Acquisition):
            line = (f"A|{event.account}|{event.token}|{event.time}|{event.quantity}|"
                    f"{event.cost_usd}|{event.fee_usd}|{event.ref}\n")
            book = self.books.get(position)
            if book is None:
                book = self.books[position] = self._book_type()
            book.add(_Lot(event.ref, event.time, seq, event.quantity, event.basis_usd))
            result = None
        else:
            line = (f"D|{event.account}|{event.token}|{event.time}|{event.quantity}|"
                    f"{event.proceeds_usd}|{event.fee_usd}|{event.ref}\n")
            book = self.books.get(position)
            held = book.quantity if book is not None else ZERO
            if event.quantity > held:
                where = f" in {event.account}" if event.account else ""
                raise OversoldError(f"sold {event.quantity} {event.token} at t={event.time}"
                                    f"{where} but held {held}"
                                    + (f" ({event.ref})" if event.ref else ""))
            consumed, cost = book.take(event.quantity)
            pnl = event.proceeds_usd - event.fee_usd - cost
            self.realised += pnl
            result = RealisedDisposal(event.account, event.token, event.time, event.ref, event.quantity,
                                      event.proceeds_usd, event.fee_usd, cost, pnl, tuple(consumed))
            self.disposals.append(result)
        self.fees += event.fee_usd
        self._digest.update(line.encode())
        self.count += 1
        self.last_time = event.time
        return result

    def holdings(self) -> tuple[Holding, ...]:
        return tuple(Holding(account, token, book.quantity, book.cost)
                     for (account, token), book in self.books.items() if book.quantity)

    def report(self) -> Report:
        open_lots = []
        for (account, token), book in self.books.items():
            if book.quantity:
                open_lots.extend(OpenLot(account, token, lot.ref, lot.time, lot.quantity, lot.cost)
                                 for lot in book.open_lots())
        settings = {"method": self.method, "precision": ACCOUNTING_PRECISION, "events": self.count,
                    "events_sha256": self._digest.copy().hexdigest()}
        return Report(self.method, tuple(self.disposals), tuple(open_lots), self.holdings(),
                      self.realised, self.fees, settings)


def compute(events: Iterable[Event], method: str = DEFAULT_METHOD) -> Report:
    """Realised P&L per disposal, open lots and holdings, with ``method`` one of ``METHODS``.

    Events are processed in time order (a stable sort: events at the same time keep their
    given order). Raises ValueError for an unknown method, ``OversoldError`` (a ValueError)
    for a disposal of more than the position holds, TypeError for something not an event or
    times that cannot be compared."""
    accountant = Accountant(method)
    ordered = list(events)
    for event in ordered:
        if not isinstance(event, Acquisition | Disposal):
            raise TypeError(f"not an Acquisition or a Disposal: {event!r}")
    ordered.sort(key=attrgetter("time"))
    with localcontext(ACCOUNTING_CONTEXT):
        for event in ordered:
            accountant._apply(event)
    return accountant.report()


# --- unrealised ----------------------------------------------------------------------------------
def unrealised_by_position(report: Report, prices: Mapping[str, Decimal]) -> dict[Position, Decimal]:
    """Per open position: its value at ``prices`` (USD per token) minus its remaining cost.

    Raises TypeError for a float (or bool) price, ValueError for a token without a price."""
    result = {}
    with localcontext(ACCOUNTING_CONTEXT):
        for holding in report.holdings:
            if holding.token not in prices:
                raise ValueError(f"no price for {holding.token}")
            price = to_decimal(prices[holding.token], f"price of {holding.token}")
            result[(holding.account, holding.token)] = (
                holding.quantity * price - holding.cost_usd)
    return result


def unrealised(report: Report, prices: Mapping[str, Decimal]) -> Decimal:
    """Total unrealised P&L of the open positions at ``prices``; raises as
    ``unrealised_by_position``."""
    with localcontext(ACCOUNTING_CONTEXT):
        return sum(unrealised_by_position(report, prices).values(), ZERO)

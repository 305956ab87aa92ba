"""Cost basis and P&L: the pure core (no I/O). Events in, a reproducible ``Report`` out.

Events are per position, an (account, token) pair: an ``Acquisition`` opens a lot whose cost
is ``cost_usd + fee_usd``; a ``Disposal`` consumes lots and realises
``proceeds_usd - fee_usd - cost of the lots consumed``.

Which lots a disposal consumes is the method (rotki's ``accounting/cost_basis/base.py``):
FIFO, LIFO and HIFO are the same heap of lots with a different key; average cost is one pool
per position whose unit cost changes on acquisitions only. Everything is O(n log n).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
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
_new = object.__new__
_set = object.__setattr__   # the frozen dataclasses' own __init__ sets fields this way


def _check_time(value: object) -> None:
    if type(value) is int:  # the common case, first
        return
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

    @classmethod
    def trusted(cls, time: Time, quantity: Decimal, cost_usd: Decimal, fee_usd: Decimal, ref: str, token: str,
                account: str) -> Acquisition:
        """An Acquisition of fields already checked (e.g. read from the ledger, checked when
        written): exact Decimals, quantity above zero, no negative money, an int or datetime
        time, strings. Nothing is checked again; anything else makes a wrong report."""
        event = _new(cls)
        _set(event, "time", time)
        _set(event, "quantity", quantity)
        _set(event, "cost_usd", cost_usd)
        _set(event, "fee_usd", fee_usd)
        _set(event, "ref", ref)
        _set(event, "token", token)
        _set(event, "account", account)
        return event

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

    @classmethod
    def trusted(cls, time: Time, quantity: Decimal, proceeds_usd: Decimal, fee_usd: Decimal, ref: str, token: str,
                account: str) -> Disposal:
        """A Disposal of fields already checked, as ``Acquisition.trusted``."""
        event = _new(cls)
        _set(event, "time", time)
        _set(event, "quantity", quantity)
        _set(event, "proceeds_usd", proceeds_usd)
        _set(event, "fee_usd", fee_usd)
        _set(event, "ref", ref)
        _set(event, "token", token)
        _set(event, "account", account)
        return event


Event = Acquisition | Disposal


# Carries: what moves lots from one position to another without realising anything. A carry
# is a CARRY_OUT of each asset given (its lots taken by the method, as a disposal's would be)
# followed by one carry in of what was received in the same transaction (ref ``tx#seq``), which
# gets those lots with their dates, order and cost, their quantities scaled to what came in:
#   CARRY_IN     an own-account move (same asset) or an ETH<->WETH wrap (1:1, WETH is ETH);
#   DEPOSIT_IN   vault shares for the asset deposited: the shares' position also records the
#                principal (the asset's quantity) they stand for;
#   WITHDRAW_IN  the asset back for shares: the shares' cost comes back with the principal;
#                assets above that principal are the yield, booked as INCOME at their market
#                value (``amount`` is the value of all that came in): a new lot dated at the
#                withdrawal, its value counted in ``income`` and in the realised P&L. Less than
#                the principal (a withdrawal fee, a loss) realises nothing: the cost carried
#                covers fewer units.
# A carry in with nothing carried out (its sender not booked, e.g. another account filtered
# out) is an acquisition at ``amount``.
CARRY_OUT, CARRY_IN, DEPOSIT_IN, WITHDRAW_IN = 2, 3, 4, 5


class Entry(NamedTuple):
    """An event as plain fields, for ``Accountant.extend_checked``: ``acquired`` is True for an
    acquisition, False for a disposal, else one of the carry codes (CARRY_OUT, CARRY_IN,
    DEPOSIT_IN, WITHDRAW_IN); ``amount`` is the cost of an acquisition, the proceeds of a
    disposal, the market value of what a carry moved."""

    acquired: bool | int
    account: str
    token: str
    time: Time
    quantity: Decimal
    amount: Decimal
    fee_usd: Decimal
    ref: str


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
_tuple_new = tuple.__new__   # builds a NamedTuple from a tuple without the keyword-argument path


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
    differ only in the key; a partly consumed lot keeps its key (its unit cost is unchanged).

    Each lot is one list in the heap, ``[key, seq, quantity, cost, ref, time]``: ordered by its
    key, then by ``seq`` (unique, so the rest is never compared), updated in place when part
    of it is consumed."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self._heap: list[list] = []
        self.quantity = ZERO
        self.cost = ZERO

    @staticmethod
    def key(lot: _Lot) -> object:
        raise NotImplementedError

    def add(self, lot: _Lot) -> None:
        self.push(lot.ref, lot.time, lot.seq, lot.quantity, lot.cost)

    def push(self, ref: str, time: Time, seq: int, quantity: Decimal, cost: Decimal) -> None:
        """``add`` without building the lot first."""
        heappush(self._heap, [self.key(_Lot(ref, time, seq, quantity, cost)), seq, quantity, cost, ref, time])
        self.quantity += quantity
        self.cost += cost

    def take(self, quantity: Decimal) -> tuple[list[Consumption], Decimal]:
        """Consume ``quantity`` (the caller checked it is held): whole lots at their exact
        cost, a part of a lot at its proportional cost. Returns the parts and their cost."""
        heap = self._heap
        consumed: list[Consumption] = []
        total = ZERO
        left = quantity
        while left:
            lot = heap[0]
            lot_quantity = lot[2]
            if lot_quantity <= left:
                heappop(heap)
                lot_cost = lot[3]
                consumed.append(_tuple_new(Consumption, (lot[4], lot_quantity, lot_cost)))
                total += lot_cost
                left -= lot_quantity
            else:
                cost = lot[3] * left / lot_quantity
                consumed.append(_tuple_new(Consumption, (lot[4], left, cost)))
                total += cost
                lot[2] = lot_quantity - left
                lot[3] -= cost
                left = ZERO
        self.quantity -= quantity
        self.cost = self.cost - total if heap else ZERO  # nothing held costs nothing
        return consumed, total

    def open_lots(self) -> Iterable[_Lot]:
        return (_Lot(ref, time, seq, quantity, cost) for _key, seq, quantity, cost, ref, time in sorted(self._heap))

    def take_lots(self, quantity: Decimal) -> list[_Lot]:
        """``take`` keeping each part's lot whole: ref, date, order (``seq``) and cost, to be
        put into another position (a carry: a move, wrap, deposit or withdrawal)."""
        heap = self._heap
        taken: list[_Lot] = []
        left = quantity
        while left:
            lot = heap[0]
            if lot[2] <= left:
                heappop(heap)
                taken.append(_Lot(lot[4], lot[5], lot[1], lot[2], lot[3]))
                left -= lot[2]
            else:
                cost = lot[3] * left / lot[2]
                taken.append(_Lot(lot[4], lot[5], lot[1], left, cost))
                lot[2] -= left
                lot[3] -= cost
                left = ZERO
        self.quantity -= quantity
        self.cost = self.cost - sum((lot.cost for lot in taken), ZERO) if heap else ZERO
        return taken


# The three keys, also computed inline by each ``push`` (a call per lot costs as much as the rest).
class FifoLots(LotHeap):
    """First in, first out: the oldest lot first."""

    name = "fifo"

    @staticmethod
    def key(lot: _Lot) -> object:
        return lot.seq

    def push(self, ref: str, time: Time, seq: int, quantity: Decimal, cost: Decimal) -> None:
        heappush(self._heap, [seq, seq, quantity, cost, ref, time])
        self.quantity += quantity
        self.cost += cost


class LifoLots(LotHeap):
    """Last in, first out: the newest lot first."""

    name = "lifo"

    @staticmethod
    def key(lot: _Lot) -> object:
        return -lot.seq

    def push(self, ref: str, time: Time, seq: int, quantity: Decimal, cost: Decimal) -> None:
        heappush(self._heap, [-seq, seq, quantity, cost, ref, time])
        self.quantity += quantity
        self.cost += cost


class HifoLots(LotHeap):
    """Highest in, first out: the highest unit cost first (the oldest among equals)."""

    name = "hifo"

    @staticmethod
    def key(lot: _Lot) -> object:
        return -(lot.cost / lot.quantity)  # keyed when the lot is added, still whole

    def push(self, ref: str, time: Time, seq: int, quantity: Decimal, cost: Decimal) -> None:
        heappush(self._heap, [-(cost / quantity), seq, quantity, cost, ref, time])
        self.quantity += quantity
        self.cost += cost


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
        self.push(lot.ref, lot.time, lot.seq, lot.quantity, lot.cost)

    def push(self, ref: str, time: Time, seq: int, quantity: Decimal, cost: Decimal) -> None:
        self.quantity += quantity
        self.cost += cost
        if self.last_time is None or time > self.last_time:   # a carried lot keeps an older date
            self.last_time = time

    def take(self, quantity: Decimal) -> tuple[list[Consumption], Decimal]:
        if quantity == self.quantity:
            cost = self.cost
            self.quantity = self.cost = ZERO
        else:
            cost = self.cost * quantity / self.quantity
            self.quantity -= quantity
            self.cost -= cost
        return [_tuple_new(Consumption, (self.REF, quantity, cost))], cost

    def open_lots(self) -> Iterable[_Lot]:
        if self.quantity:
            yield _Lot(self.REF, self.last_time, 0, self.quantity, self.cost)

    def take_lots(self, quantity: Decimal) -> list[_Lot]:
        """``take`` as one lot at the average cost (dated by the pool's latest acquisition)."""
        when = self.last_time
        _consumed, cost = self.take(quantity)
        return [_Lot(self.REF, when, 0, quantity, cost)]


_DIGEST_BATCH = 4096   # event lines hashed at once

Book = LotHeap | AveragePool
METHODS: dict[str, type[LotHeap] | type[AveragePool]] = {
    cls.name: cls for cls in (FifoLots, LifoLots, HifoLots, AveragePool)}


# --- compute -----------------------------------------------------------------------------------
class Accountant:
    """The books of every position under one method, fed events in time order. ``compute``
    is an Accountant fed a sorted list; an app keeps one alive and ``apply``s each new event,
    so a new trade costs O(log n), not a recompute.

    ``realised_by_position`` sums the realised P&L of each (account, token) in booking order.
    With ``keep_disposals=False`` the disposals are not kept (``disposals`` and the report's
    stay empty): for a caller that needs the totals only, at a fraction of the memory.

    Raises ValueError for an unknown method."""

    def __init__(self, method: str = DEFAULT_METHOD, *, keep_disposals: bool = True):
        book_type = METHODS.get(method)
        if book_type is None:
            raise ValueError(f"unknown cost basis method {method!r}; one of {', '.join(METHODS)}")
        self.method = method
        self._book_type = book_type
        self._keep_disposals = keep_disposals
        self.books: dict[Position, Book] = {}
        self.disposals: list[RealisedDisposal] = []
        self.realised_by_position: dict[Position, Decimal] = {}
        self.realised = ZERO
        self.fees = ZERO
        self.count = 0
        self.last_time: Time | None = None
        self._digest = hashlib.sha256()
        self._lines: list[str] = []   # booked, not yet hashed
        self.income = ZERO   # vault yield (see WITHDRAW_IN), also in ``realised``
        self.principal: dict[Position, tuple[str, Decimal]] = {}   # shares -> (asset, quantity)
        self._carrying: dict[str, list] = {}   # transaction -> lots carried out, not yet in

    def apply(self, event: Event) -> RealisedDisposal | None:
        """Book one event; its time must not be before the last one's (else ValueError: the
        caller recomputes from scratch). Raises OversoldError, TypeError as ``compute``."""
        if not isinstance(event, Acquisition | Disposal):
            raise TypeError(f"not an Acquisition or a Disposal: {event!r}")
        if self.last_time is not None and event.time < self.last_time:
            raise ValueError(f"event at {event.time} is before the last one booked ({self.last_time})")
        with localcontext(ACCOUNTING_CONTEXT):
            return self._apply(event)

    def extend_checked(self, entries: Iterable[Entry]) -> None:
        """Book many events given as ``Entry`` tuples of fields already checked as an event's
        are (e.g. the stored ledger's, checked when written), in time order: what ``apply``
        does for each, without building the events. Raises ValueError for an entry before the
        last one booked, OversoldError as ``apply``; the entries before it stay booked."""
        acquire, dispose, keep = self._acquire, self._dispose, self._keep_disposals
        last = self.last_time
        with localcontext(ACCOUNTING_CONTEXT):
            for acquired, account, token, time, quantity, amount, fee, ref in entries:
                if last is not None and time < last:
                    raise ValueError(f"event at {time} is before the last one booked ({last})")
                last = time
                if acquired is True or acquired == 1:
                    acquire(account, token, time, quantity, amount, fee, ref)
                elif not acquired:
                    dispose(account, token, time, quantity, amount, fee, ref, keep)
                elif acquired == CARRY_OUT:
                    self._carry_out(account, token, time, quantity, ref)
                else:
                    self._carry_in(acquired, account, token, time, quantity, amount, ref)

    def _apply(self, event: Event) -> RealisedDisposal | None:
        """Book ``event`` (checked by the caller), in ACCOUNTING_CONTEXT (the caller's)."""
        if isinstance(event, Acquisition):
            self._acquire(event.account, event.token, event.time, event.quantity, event.cost_usd,
                          event.fee_usd, event.ref)
            return None
        return self._dispose(event.account, event.token, event.time, event.quantity, event.proceeds_usd,
                             event.fee_usd, event.ref)

    def _acquire(self, account: str, token: str, time: Time, quantity: Decimal, cost: Decimal,
                 fee: Decimal, ref: str) -> None:
        # str() is what an f-string shows of a Decimal, without parsing an empty format spec
        lines = self._lines
        lines.append(f"A|{account}|{token}|{time}|{quantity!s}|{cost!s}|{fee!s}|{ref}\n")
        position = (account, token)
        book = self.books.get(position)
        if book is None:
            book = self.books[position] = self._book_type()
        book.push(ref, time, self.count, quantity, cost + fee)
        self.fees += fee
        self.count += 1
        self.last_time = time
        if len(lines) >= _DIGEST_BATCH:
            self._hash_lines()

    def _dispose(self, account: str, token: str, time: Time, quantity: Decimal, proceeds: Decimal,
                 fee: Decimal, ref: str, result_wanted: bool = True) -> RealisedDisposal | None:
        lines = self._lines
        lines.append(f"D|{account}|{token}|{time}|{quantity!s}|{proceeds!s}|{fee!s}|{ref}\n")
        position = (account, token)
        book = self.books.get(position)
        held = book.quantity if book is not None else ZERO
        if quantity > held:
            lines.pop()
            where = f" in {account}" if account else ""
            raise OversoldError(f"sold {quantity} {token} at t={time}{where} but held {held}"
                                + (f" ({ref})" if ref else ""))
        consumed, cost = book.take(quantity)
        pnl = proceeds - fee - cost
        self.realised += pnl
        by_position = self.realised_by_position
        by_position[position] = by_position.get(position, ZERO) + pnl
        result = None
        if result_wanted or self._keep_disposals:
            result = _tuple_new(RealisedDisposal, (account, token, time, ref, quantity, proceeds, fee, cost, pnl,
                                                   tuple(consumed)))
            if self._keep_disposals:
                self.disposals.append(result)
        self.fees += fee
        self.count += 1
        self.last_time = time
        if len(lines) >= _DIGEST_BATCH:
            self._hash_lines()
        return result

    def _carry_out(self, account: str, token: str, time: Time, quantity: Decimal, ref: str) -> None:
        self._lines.append(f"O|{account}|{token}|{time}|{quantity!s}|{ref}\n")
        position = (account, token)
        book = self.books.get(position)
        held = book.quantity if book is not None else ZERO
        if quantity > held:
            self._lines.pop()
            raise OversoldError(f"moved {quantity} {token} at t={time} out of {account or 'the books'} but held {held}"
                                + (f" ({ref})" if ref else ""))
        principal = self.principal.get(position)
        if principal is not None:   # the shares taken stand for their part of the principal
            part = principal[1] * quantity / held
            self.principal[position] = (principal[0], principal[1] - part)
            principal = (principal[0], part)
        lots = book.take_lots(quantity)
        self._carrying.setdefault(_tx_of(ref), []).append((token, quantity, lots, principal))
        self.count += 1
        self.last_time = time

    def _carry_in(self, code: int, account: str, token: str, time: Time, quantity: Decimal, value: Decimal,
                  ref: str) -> None:
        carried = self._carrying.pop(_tx_of(ref), None)
        if not carried:   # nothing booked left for it: a plain acquisition at its value
            self._acquire(account, token, time, quantity, value, ZERO, ref)
            return
        self._lines.append(f"I{code}|{account}|{token}|{time}|{quantity!s}|{value!s}|{ref}\n")
        position = (account, token)
        book = self.books.get(position)
        if book is None:
            book = self.books[position] = self._book_type()
        out = sum((c[1] for c in carried), ZERO)
        lots = [lot for c in carried for lot in c[2]]
        units = quantity   # what the carried lots become
        if code == WITHDRAW_IN:
            principal = sum((c[3][1] for c in carried if c[3] is not None and c[3][0] == token), ZERO)
            if ZERO < principal < quantity:
                units = principal
                income = value * (quantity - principal) / quantity
                book.push(ref, time, self.count, quantity - principal, income)
                self.income += income
                self.realised += income
                self.realised_by_position[position] = self.realised_by_position.get(position, ZERO) + income
        elif code == DEPOSIT_IN:
            old = self.principal.get(position)
            underlying = carried[0][0]
            if all(c[0] == underlying for c in carried):
                base = old[1] if old is not None and old[0] == underlying else ZERO
                self.principal[position] = (underlying, base + out)
        else:   # a move or a wrap: the principal the shares stood for goes with them
            for c in carried:
                if c[3] is not None:
                    old = self.principal.get(position)
                    base = old[1] if old is not None and old[0] == c[3][0] else ZERO
                    self.principal[position] = (c[3][0], base + c[3][1])
        left = units
        for index, lot in enumerate(lots):   # scaled to ``units``, the last lot taking the rounding
            part = lot.quantity if units == out else (
                left if index == len(lots) - 1 else lot.quantity * units / out)
            left -= part
            if part > ZERO:
                book.push(lot.ref, lot.time, lot.seq, part, lot.cost)
        self.count += 1
        self.last_time = time
        if len(self._lines) >= _DIGEST_BATCH:
            self._hash_lines()

    def _hash_lines(self) -> None:
        """Feed the booked events' lines to the digest (one update per batch: SHA-256 of the
        concatenation is that of the lines fed one by one)."""
        if self._lines:
            self._digest.update("".join(self._lines).encode())
            self._lines.clear()

    def holdings(self) -> tuple[Holding, ...]:
        return tuple(Holding(account, token, book.quantity, book.cost)
                     for (account, token), book in self.books.items() if book.quantity)

    def report(self) -> Report:
        open_lots = []
        for (account, token), book in self.books.items():
            if book.quantity:
                open_lots.extend(OpenLot(account, token, lot.ref, lot.time, lot.quantity, lot.cost)
                                 for lot in book.open_lots())
        return Report(self.method, tuple(self.disposals), tuple(open_lots), self.holdings(),
                      self.realised, self.fees, self.settings())

    def settings(self) -> dict:
        """What reproduces the books so far: method, precision, the number of events and a
        SHA-256 of them."""
        self._hash_lines()
        return {"method": self.method, "precision": ACCOUNTING_PRECISION, "events": self.count,
                "events_sha256": self._digest.copy().hexdigest()}


def _tx_of(ref: str) -> str:
    return ref.partition("#")[0]


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
    with paused_gc():
        with localcontext(ACCOUNTING_CONTEXT):
            book = accountant._apply
            for event in ordered:
                book(event)
        return accountant.report()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector off for a while (if it was on). Booking allocates an object or
    more per event and no cycle at all, yet each collection of the older generations walks
    every object still alive: with 100,000 events that was about 40% of ``compute``. The pause
    is process-wide: cycles other threads make meanwhile wait for the next collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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

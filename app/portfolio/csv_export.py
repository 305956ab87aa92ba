"""The ledger as a CSV file in Koinly's "universal" format, which crypto tax tools import
(docs/CSV_EXPORT.md says which columns, how rows are made, and where the format is described).

``koinly_rows`` (ledger events -> rows) and ``render_csv`` (rows -> text) are pure;
``export_csv`` reads SQLite only (works offline) and writes the file atomically: a temporary
file in the same folder, then a rename, so a failure never leaves half a file, and an existing
file is replaced only when asked.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from pathlib import Path

from app.errors import BasketryError, InvalidInput
from app.portfolio.assets import NATIVE_ADDRESS
from app.store import Store
from app.tx.journal import ChainKey

FORMAT = "koinly-universal"
COLUMNS = ("Date", "Sent Amount", "Sent Currency", "Received Amount", "Received Currency", "Fee Amount",
           "Fee Currency", "Net Worth Amount", "Net Worth Currency", "Label", "Description", "TxHash")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S UTC"  # Koinly accepts seconds; rows 12 s apart must not share a minute
NET_WORTH_CURRENCY = "USD"
CENT = Decimal("0.01")
UNPRICED = "no price"                   # ledger price sources starting so were valued at 0


class ExportFailed(BasketryError):
    """The file could not be written (nothing was left behind)."""


@dataclass(frozen=True)
class LedgerRow:
    """One stored ledger event with its asset named (``ledger_events`` joined with ``tokens``)."""

    tx_hash: str | None
    seq: int
    time: int
    account: str
    token: str
    symbol: str
    decimals: int
    kind: str                 # acquisition | disposal
    quantity: int             # base units
    value_usd: Decimal
    fee_usd: Decimal
    label: str                # trade, receive, send, gas, fee, failed, opening, adjustment, move, wrap,
    #                           deposit, withdrawal
    price_source: str

    @property
    def priced(self) -> bool:
        return not self.price_source.startswith(UNPRICED)


@dataclass(frozen=True)
class CsvRow:
    time: int
    sent: tuple[Decimal, str] | None = None       # (whole units, symbol)
    received: tuple[Decimal, str] | None = None
    fee: tuple[Decimal, str] | None = None
    net_worth_usd: Decimal | None = None
    label: str = ""
    description: str = ""
    tx_hash: str = ""
    account: str = ""          # whose row it is (not a column: a per-account file holds one account)

    def cells(self) -> list[str]:
        def amount(part: tuple[Decimal, str] | None) -> list[str]:
            return ["", ""] if part is None else [_plain(part[0]), part[1]]

        worth = ["", ""] if self.net_worth_usd is None else [format(self.net_worth_usd.quantize(CENT), "f"),
                                                              NET_WORTH_CURRENCY]
        return [time.strftime(DATE_FORMAT, time.gmtime(self.time)), *amount(self.sent), *amount(self.received),
                *amount(self.fee), *worth, self.label, self.description, self.tx_hash]


# --- ledger events -> rows (pure) ------------------------------------------------------------------
def koinly_rows(events: Iterable[LedgerRow], kinds: Mapping[str, str] | None = None,
                own_moves: bool = False, wrapped_native: str | None = None) -> list[CsvRow]:
    """Rows for every event, oldest first. Per transaction and account: a trade becomes one row
    per (asset given, asset got) pair, the given amounts split by value so each side sums
    exactly to what moved (one asset out and N in: N rows); a receive a deposit row, a send a
    withdrawal row; a trade's gas is split over its rows in proportion to their value (as
    the ledger adds it to the bought lots' cost), other gas is the fee of the first row that
    sends something (else a "cost" withdrawal of its own, since a deposit cannot carry a fee). Opening balances and adjustments
    (no transaction) are deposits or withdrawals that say what they are. ``kinds``: tx hash ->
    what the app called it (index_buy...), for the description. ``own_moves``: rows for a move
    between the user's own accounts (a withdrawal in the sender's rows, a deposit in the
    receiver's, same hash: Koinly pairs them as a transfer), for files of one account each; off,
    a move has no row (one file holding every account: nothing left it). Each row names its
    ``account``. ``wrapped_native``: the network's WETH, so that a trade paying ETH for WETH and
    other tokens (an ETH-paid buy through the router, which wraps the ETH itself) pairs as much
    ETH with the WETH as the WETH got (see ``pair_trade``). A symbol two tokens share is
    written as each token's contract address (``currency_names``)."""
    kinds = {k.lower(): v for k, v in (kinds or {}).items()}
    events = list(events)
    names = currency_names(events)
    events = [e if names[e.token] == e.symbol else replace(e, symbol=names[e.token]) for e in events]
    groups: dict[tuple, list[LedgerRow]] = {}
    for event in sorted(events, key=lambda e: (e.time, e.tx_hash or "", e.seq)):
        group = (event.time, event.tx_hash or "", event.account) if event.tx_hash else \
            (event.time, "", event.account, event.token, event.seq, event.label)
        groups.setdefault(group, []).append(event)
    rows: list[CsvRow] = []
    shares = _Principal()
    for group in groups.values():
        made = _group_rows(group, kinds.get((group[0].tx_hash or "").lower()), shares, own_moves, wrapped_native)
        rows += [replace(row, account=group[0].account) for row in made]
        shares.book(group)
    return rows


def currency_names(events: Iterable[LedgerRow]) -> dict[str, str]:
    """token address -> what the file calls it: its symbol, unless another token of the events
    has the same symbol (case-insensitive: a fake "USDC" beside the real one), then its contract
    address, which names one token on the chain. The native coin keeps its symbol (it has no
    contract). Decided over the whole export, so the files of one per-account export agree."""
    symbols: dict[str, str] = {}
    for event in events:
        symbols[event.token] = event.symbol
    tokens_per_symbol: dict[str, set[str]] = {}
    for token, symbol in symbols.items():
        tokens_per_symbol.setdefault(symbol.upper(), set()).add(token.lower())
    return {token: symbol if token == NATIVE_ADDRESS or len(tokens_per_symbol[symbol.upper()]) == 1 else token
            for token, symbol in symbols.items()}


class _Principal:
    """What ``Accountant`` keeps for vault shares, in base units: each position's quantity and,
    for shares, the principal (asset, quantity of it deposited) they stand for; so a
    withdrawal's rows split what came back into the principal and the yield."""

    def __init__(self) -> None:
        self.held: dict[tuple[str, str], int] = {}
        self.principal: dict[tuple[str, str], tuple[str, int]] = {}
        self._moving: dict[str, list[tuple[str, int]]] = {}

    def taken(self, event: LedgerRow) -> tuple[str, int] | None:
        """The principal that ``event`` (shares leaving) takes with it, taken off the position."""
        position = (event.account, event.token)
        found, held = self.principal.get(position), self.held.get(position, 0)
        if found is None or not held:
            return None
        part = found[1] * min(event.quantity, held) // held
        self.principal[position] = (found[0], found[1] - part)
        return found[0], part

    def add(self, position: tuple[str, str], asset: str, amount: int) -> None:
        old = self.principal.get(position)
        self.principal[position] = (asset, (old[1] if old and old[0] == asset else 0) + amount)

    def book(self, events: list[LedgerRow]) -> None:
        for event in events:
            position = (event.account, event.token)
            self.held[position] = self.held.get(position, 0) + (
                event.quantity if event.kind == "acquisition" else -event.quantity)


def _group_rows(events: list[LedgerRow], app_kind: str | None, shares: _Principal,
                own_moves: bool = False, wrapped_native: str | None = None) -> list[CsvRow]:
    first = events[0]
    if first.tx_hash is None:
        return [_balance_row(e) for e in events]
    tx_hash, when = first.tx_hash, first.time
    what = f"Basketry {app_kind}" if app_kind else "on-chain transaction"
    rows: list[CsvRow] = _carry_rows(events, what, shares)
    if own_moves:
        rows += [_movement_row(e, what, "own account") for e in events if e.label == "move"]
    gas = [e for e in events if e.label == "gas"]
    fee = (_whole(sum(e.quantity for e in gas), gas[0].decimals), gas[0].symbol) if gas else None
    gave = [e for e in events if e.label == "trade" and e.kind == "disposal"]
    got = [e for e in events if e.label == "trade" and e.kind == "acquisition"]
    if gave and got:
        pieces = pair_trade(gave, got, wrapped_native)
        fees = split_fee(sum(e.quantity for e in gas), [worth for _s, _r, worth in pieces]) if gas else []
        for n, (sent, received, worth) in enumerate(pieces):
            part = (_whole(fees[n], gas[0].decimals), gas[0].symbol) if gas and fees[n] else None
            rows.append(CsvRow(when, sent=sent, received=received, fee=part, net_worth_usd=worth,
                               description=f"{what}: trade", tx_hash=tx_hash))
        gas, fee = [], None   # on the trade's rows, in proportion to their value (as the ledger's lots)
    else:  # one-sided "trade" events cannot occur; keep them as movements if they do
        rows += [_movement_row(e, what) for e in gave + got]
    rows += [_movement_row(e, what) for e in events if e.label in ("receive", "send")]
    for event in events:
        if event.label in ("fee", "failed"):
            reason = "network fee of a failed transaction" if event.label == "failed" else \
                "network fee (no asset moved: an approval or another call)"
            rows.append(CsvRow(when, sent=(_whole(event.quantity, event.decimals), event.symbol),
                               net_worth_usd=event.value_usd if event.priced else None, label="cost",
                               description=f"{what}: {reason}", tx_hash=tx_hash))
    if fee is not None:
        index = next((i for i, r in enumerate(rows) if r.sent is not None), None)
        if index is None:
            rows.append(CsvRow(when, sent=fee, net_worth_usd=sum((e.value_usd for e in gas), Decimal(0))
                               if all(e.priced for e in gas) else None, label="cost",
                               description=f"{what}: network fee", tx_hash=tx_hash))
        else:
            r = rows[index]
            rows[index] = CsvRow(r.time, r.sent, r.received, fee, r.net_worth_usd, r.label, r.description, r.tx_hash)
    return rows


def split_fee(quantity: int, worths: list[Decimal | None]) -> list[int]:
    """``quantity`` (base units) split over rows in proportion to their value (equal shares if
    one is unpriced or all are 0), exact: the last row takes what rounding left."""
    weights = [Fraction(w) for w in worths] if all(w is not None and w > 0 for w in worths) else [Fraction(1)] * len(worths)
    total, parts = sum(weights, Fraction(0)), []
    for weight in weights[:-1]:
        share = weight / total
        parts.append(quantity * share.numerator // share.denominator)
    return [*parts, quantity - sum(parts)]


def _carry_rows(events: list[LedgerRow], what: str, shares: _Principal) -> list[CsvRow]:
    """One account's carries in one transaction. A move between own accounts has no row (one
    file holds every account: nothing left it; the gas is its ``cost`` row). A wrap, a vault
    deposit or a withdrawal is a ``swap`` (Koinly: a tax-free trade, the cost basis carried to
    what is received); a withdrawal's assets above the principal its shares stood for are a
    separate ``reward`` deposit (the yield, income at its market value)."""
    rows: list[CsvRow] = []
    tx_hash = events[0].tx_hash or ""
    for event in events:
        if event.label == "move":
            if event.kind == "disposal":
                taken = shares.taken(event)
                if taken is not None:
                    shares._moving.setdefault(tx_hash, []).append(taken)
            else:
                for asset, amount in shares._moving.pop(tx_hash, []):
                    shares.add((event.account, event.token), asset, amount)
    gave = [e for e in events if e.label in ("wrap", "deposit", "withdrawal") and e.kind == "disposal"]
    got = [e for e in events if e.label in ("wrap", "deposit", "withdrawal") and e.kind == "acquisition"]
    if len(gave) != 1 or len(got) != 1:
        return rows
    out, into = gave[0], got[0]
    worth = into.value_usd if into.priced else None
    sent = (_whole(out.quantity, out.decimals), out.symbol)
    if into.label == "deposit":
        shares.add((into.account, into.token), out.token, out.quantity)
    principal = shares.taken(out) if into.label == "withdrawal" else None
    if principal is not None and principal[0] == into.token and 0 < principal[1] < into.quantity:
        part, rest = principal[1], into.quantity - principal[1]
        part_worth = None if worth is None else (worth * part / into.quantity).quantize(Decimal("0.000001"))
        rows.append(CsvRow(into.time, sent=sent, received=(_whole(part, into.decimals), into.symbol),
                           net_worth_usd=part_worth, label="swap",
                           description=f"{what}: vault withdrawal (cost basis carried)", tx_hash=tx_hash))
        rows.append(CsvRow(into.time, received=(_whole(rest, into.decimals), into.symbol),
                           net_worth_usd=None if worth is None else worth - part_worth, label="reward",
                           description=f"{what}: vault yield (income)", tx_hash=tx_hash))
        return rows
    text = {"wrap": "wrap (WETH is ETH: cost basis carried)", "deposit": "vault deposit (cost basis carried)",
            "withdrawal": "vault withdrawal (cost basis carried)"}[into.label]
    rows.append(CsvRow(into.time, sent=sent, received=(_whole(into.quantity, into.decimals), into.symbol),
                       net_worth_usd=worth, label="swap", description=f"{what}: {text}", tx_hash=tx_hash))
    return rows


def _movement_row(event: LedgerRow, what: str, whose: str = "") -> CsvRow:
    amount = (_whole(event.quantity, event.decimals), event.symbol)
    incoming = event.kind == "acquisition"
    text = ("received" if incoming else "sent") if not whose else \
        (f"received from {whose}" if incoming else f"sent to {whose}") + " (a transfer: cost basis carried)"
    return CsvRow(event.time, received=amount if incoming else None, sent=None if incoming else amount,
                  net_worth_usd=event.value_usd if event.priced else None,
                  description=f"{what}: {text}", tx_hash=event.tx_hash or "")


def _balance_row(event: LedgerRow) -> CsvRow:
    amount = (_whole(event.quantity, event.decimals), event.symbol)
    incoming = event.kind == "acquisition"
    if event.label == "opening":
        text = "Opening balance: held before the history Basketry read begins (cost: market value then)"
    elif event.label == "receipt":
        text = ("Received without a log (an exchange withdrawal or an internal transfer, found from the"
                " balance at its block; cost: market value then)")
    else:
        text = ("Balance adjustment: " + ("more" if incoming else "less") +
                " than the transaction history explains (native or internal transfers, rebasing)")
    return CsvRow(event.time, received=amount if incoming else None, sent=None if incoming else amount,
                  net_worth_usd=event.value_usd if event.priced else None, description=text)


Piece = tuple[tuple[Decimal, str], tuple[Decimal, str], Decimal | None]


def pair_trade(gave: list[LedgerRow], got: list[LedgerRow], wrapped_native: str | None = None) -> list[Piece]:
    """(sent, received, net worth in USD) per row of one trade. Both sides are laid on [0, 1]
    by value (equal shares where a side is unpriced) and cut where either side changes asset:
    each piece pairs one asset given with one got. Pieces are exact base units (the last piece
    of an asset takes what rounding left), so each asset's pieces sum to what moved.

    ETH given for ``wrapped_native`` (WETH) and other tokens, as an ETH-paid buy through the
    router (which wraps the ETH and sends the WETH on): the WETH is paired first with exactly
    as much ETH (the router wrapped it 1:1), the rest of the ETH (the other tokens' share and
    any platform fee) is split by value over the other tokens. By value alone, ETH and WETH
    priced apart would read "0.78 ETH -> 0.8 WETH"."""
    native = [e for e in gave if e.token == NATIVE_ADDRESS]
    wrapped = [e for e in got if wrapped_native and e.token.lower() == wrapped_native.lower()]
    if len(native) == 1 and len(wrapped) == 1 and len(got) > 1 and native[0].quantity > wrapped[0].quantity:
        eth, weth = native[0], wrapped[0]
        first: Piece = ((_whole(weth.quantity, eth.decimals), eth.symbol), (_whole(weth.quantity, weth.decimals),
                        weth.symbol), weth.value_usd if weth.priced or eth.priced else None)
        rest = replace(eth, quantity=eth.quantity - weth.quantity, value_usd=max(eth.value_usd - weth.value_usd,
                                                                                 Decimal(0)))
        return [first, *pair_trade([rest if e is eth else e for e in gave], [e for e in got if e is not weth])]
    sent_cuts, got_cuts = _cuts(gave), _cuts(got)
    bounds = sorted(set(sent_cuts) | set(got_cuts))
    pieces = []
    taken_sent = [0] * len(gave)
    taken_got = [0] * len(got)
    worth_left = [e.value_usd for e in got]
    for low, high in zip(bounds, bounds[1:], strict=False):
        i, j = _index(sent_cuts, low), _index(got_cuts, low)
        sent_q = _piece(gave[i].quantity, sent_cuts, i, low, high, taken_sent)
        got_q = _piece(got[j].quantity, got_cuts, j, low, high, taken_got)
        share = (high - low) / (got_cuts[j + 1] - got_cuts[j])
        if high == got_cuts[j + 1]:
            worth = worth_left[j]
        else:
            worth = (got[j].value_usd * share.numerator / share.denominator).quantize(Decimal("0.000001"), ROUND_DOWN)
        worth_left[j] -= worth
        priced = got[j].priced or gave[i].priced
        pieces.append(((_whole(sent_q, gave[i].decimals), gave[i].symbol),
                       (_whole(got_q, got[j].decimals), got[j].symbol), worth if priced else None))
    return pieces


def _cuts(side: list[LedgerRow]) -> list[Fraction]:
    values = [e.value_usd for e in side]
    weights = [Fraction(v) for v in values] if all(v > 0 for v in values) else [Fraction(1)] * len(side)
    total = sum(weights, Fraction(0))
    cuts, running = [Fraction(0)], Fraction(0)
    for weight in weights:
        running += weight
        cuts.append(running / total)
    return cuts


def _index(cuts: list[Fraction], point: Fraction) -> int:
    for index in range(len(cuts) - 1):
        if cuts[index] <= point < cuts[index + 1]:
            return index
    raise ValueError(f"{point} is outside [0, 1)")


def _piece(quantity: int, cuts: list[Fraction], index: int, low: Fraction, high: Fraction, taken: list[int]) -> int:
    if high == cuts[index + 1]:
        part = quantity - taken[index]
    else:
        share = (high - low) / (cuts[index + 1] - cuts[index])
        part = quantity * share.numerator // share.denominator
    taken[index] += part
    return part


def _whole(quantity: int, decimals: int) -> Decimal:
    return Decimal(quantity).scaleb(-decimals)


def _plain(value: Decimal) -> str:
    """Exact, no exponent, no trailing zeros: 1.500000 -> 1.5, 1E+3 -> 1000."""
    text = format(value.normalize(), "f") if value else "0"
    return text


def render_csv(rows: Iterable[CsvRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    return out.getvalue()


# --- SQLite and the file -----------------------------------------------------------------------
def load_ledger_rows(store: Store, key: ChainKey) -> list[LedgerRow]:
    """Every stored ledger event of ``key`` whose asset is named in ``tokens``, oldest first."""
    rows = store.db.execute(
        "SELECT e.tx_hash, e.seq, e.time, e.account_address, e.token_address, t.symbol, t.decimals, e.kind,"
        " e.quantity, e.value_usd, e.fee_usd, e.label, e.price_source FROM ledger_events e JOIN tokens t"
        " ON t.chain_id = e.chain_id AND t.genesis_hash = e.genesis_hash AND t.address = e.token_address"
        " WHERE e.chain_id = ? AND e.genesis_hash = ? ORDER BY e.time, e.id", [key.chain_id, key.genesis_hash])
    return [LedgerRow(h, int(seq), int(t), a, tok, sym, int(dec), kind, int(q), Decimal(v), Decimal(f), label, src)
            for h, seq, t, a, tok, sym, dec, kind, q, v, f, label, src in rows]


def journal_kinds(store: Store, key: ChainKey) -> dict[str, str]:
    return {h.lower(): k for h, k in store.db.execute(
        "SELECT tx_hash, kind FROM transactions WHERE chain_id = ? AND genesis_hash = ? AND tx_hash IS NOT NULL",
        [key.chain_id, key.genesis_hash])}


@dataclass(frozen=True)
class AccountFile:
    path: Path
    account: str            # address
    label: str              # the account's name (the address if it has none here)
    rows: int


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    format: str = FORMAT
    files: tuple[AccountFile, ...] = ()     # per-account export: one file each (``path`` is the base name)


def export_csv(store: Store, key: ChainKey, path: Path, overwrite: bool = False,
               per_account: bool = False, wrapped_native: str | None = None) -> ExportResult:
    """Write the ledger of ``key`` to ``path`` (every account in one file, own-account moves
    without rows), or with ``per_account`` one file per account, ``<stem>-<name><suffix>``
    beside ``path``, in which an own-account move is a withdrawal in the sender's file and a
    deposit in the receiver's (Koinly imports each file into one wallet and pairs the two by
    hash as a transfer). Raises InvalidInput (nothing in the ledger; a file exists and
    ``overwrite`` is False; the folder is missing) or ExportFailed (could not write); nothing is
    written unless every file can be (a per-account export checks every name first).
    ``wrapped_native``: the network's WETH (``koinly_rows``)."""
    rows = koinly_rows(load_ledger_rows(store, key), journal_kinds(store, key), own_moves=per_account,
                       wrapped_native=wrapped_native)
    if not rows:
        raise InvalidInput("the ledger is empty on this network: read the history online first "
                           "(`basketry portfolio`), then export")
    path = Path(path).expanduser()
    if not per_account:
        write_atomically(path, render_csv(rows), overwrite)
        return ExportResult(path, len(rows))
    names = account_names(store)
    by_account: dict[str, list[CsvRow]] = {}
    for row in rows:
        by_account.setdefault(row.account, []).append(row)
    plan = account_file_names(path, {a: names.get(a.lower(), a) for a in by_account})
    if not overwrite:
        taken = next((target for target in plan.values() if target.exists()), None)
        if taken is not None:
            raise InvalidInput(f"{taken} already exists: pass --force to replace it")
    files = []
    for account, account_rows in by_account.items():
        write_atomically(plan[account], render_csv(account_rows), overwrite)
        files.append(AccountFile(plan[account], account, names.get(account.lower(), account), len(account_rows)))
    return ExportResult(path, len(rows), files=tuple(files))


def account_names(store: Store) -> dict[str, str]:
    """Lower-case address -> the account's name."""
    return {address.lower(): label for label, address in store.db.execute("SELECT label, address FROM accounts")}


def account_file_names(path: Path, labels: Mapping[str, str]) -> dict[str, Path]:
    """account -> ``<stem>-<name><suffix>`` beside ``path``; a name is kept to letters, digits,
    ``-`` and ``_`` (anything else becomes ``_``), and two accounts whose names would give one
    file get their address's first 8 hex digits added."""
    def slug(text: str) -> str:
        return "".join(c if c.isalnum() or c in "-_" else "_" for c in text).strip("_") or "account"

    suffix = path.suffix or ".csv"
    wanted = {account: slug(label) for account, label in labels.items()}
    counts: dict[str, int] = {}
    for name in wanted.values():
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    return {account: path.with_name(f"{path.stem}-{name}"
                                     f"{'-' + account[2:10].lower() if counts[name.lower()] > 1 else ''}{suffix}")
            for account, name in wanted.items()}


def write_atomically(path: Path, text: str, overwrite: bool = False) -> None:
    """``text`` into ``path`` through a temporary file in the same folder and a rename."""
    path = path.expanduser()
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder: give a file name")
    if path.exists() and not overwrite:
        raise InvalidInput(f"{path} already exists: pass --force to replace it")
    folder = path.parent
    if not folder.is_dir():
        raise InvalidInput(f"the folder {folder} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportFailed(f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            _rename_no_clobber(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ExportFailed(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _rename_no_clobber(temporary: str, path: Path) -> None:
    """Rename unless ``path`` appeared meanwhile (a hard link fails if the target exists)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise InvalidInput(f"{path} already exists: pass --force to replace it") from None
    except OSError:  # a file system without hard links: the check above has to do
        if path.exists():
            raise InvalidInput(f"{path} already exists: pass --force to replace it") from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)

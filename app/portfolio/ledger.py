"""From the chain's history to accounting events: each transaction's movements of the user's
assets become acquisitions and disposals, priced in USD at the transaction's time.

Per account, a transaction that takes some assets and gives others is a trade: its value is
the quote side's (USDC at its peg, ETH/WETH at the ETH price), else what was given, and that
value is the proceeds of what left and the cost of what came, split by market value. Only one
side: a receive (cost = market value) or a send (proceeds = market value). Gas is a disposal of
ETH at its value, and that value is a fee: deducted from the proceeds of a sale (into USDC or
ETH), else added to the cost of what the transaction bought, else deducted from what it sent,
else (an approval, a failed transaction) a cost on its own.

Carries are no trade: a transfer between two of the user's accounts (a ``move``), ETH to as
much WETH or back (a ``wrap``), a vault's asset for its shares (a ``deposit``) and back (a
``withdrawal``) are booked as rows the Accountant turns into lots carried across with their
dates and cost (app.accounting.cost_basis, CARRY_OUT...); positions stay per account. Their gas
is a fee on its own (the ETH spent, disposed of at its value, that value a cost), as an
approval's.

``events_for_tx`` is pure; ``build_ledger`` reads and writes SQLite only (works offline) and is
incremental: a transaction already in the ledger is not derived again. ``reconcile`` then
compares each position with its last-seen balance: what the history does not explain is an
opening balance held from before it began (cost: the market value then); a history showing
more than the balance is an adjustment (a disposal). Both are listed, so nothing is hidden.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from app.accounting.money import ACCOUNTING_CONTEXT, ZERO
from app.portfolio.assets import NATIVE_ADDRESS
from app.portfolio.records import price_history, stored_assets, stored_balances
from app.store import Store
from app.tx.journal import ChainKey

USD = Decimal("0.000001")


@dataclass(frozen=True)
class ChainTx:
    tx_hash: str
    block: int
    timestamp: int
    from_address: str
    to_address: str | None
    value: int
    gas_used: int
    gas_price: int
    success: bool

    @property
    def gas_wei(self) -> int:
        return self.gas_used * self.gas_price


@dataclass(frozen=True)
class TokenMove:
    token: str
    from_address: str
    to_address: str
    amount: int


@dataclass(frozen=True)
class LedgerEvent:
    account: str
    token: str
    kind: str            # acquisition | disposal
    quantity: int        # base units
    value_usd: Decimal
    fee_usd: Decimal
    label: str
    price_source: str


class PriceBook:
    """Stored prices per asset; ``at(token, t)`` is the newest at or before ``t``, else the
    first after it (a history older than any price), else None."""

    def __init__(self, history: Mapping[str, list[tuple[int, Decimal, str]]]):
        self._history = {token: rows for token, rows in history.items() if rows}
        self._times = {token: [r[0] for r in rows] for token, rows in self._history.items()}

    def at(self, token: str, time: int) -> tuple[Decimal, str] | None:
        rows = self._history.get(token)
        if not rows:
            return None
        index = bisect.bisect_right(self._times[token], time) - 1
        when, usd, source = rows[max(index, 0)]
        return usd, f"{source} at {when}"

    def before(self, token: str, time: int) -> tuple[Decimal, str] | None:
        """The price a transaction at ``time`` is valued at: the newest stored strictly before
        it, i.e. at the block before or earlier (block times strictly increase), never one read
        at its own block after it moved the pool; else the first after (as ``at``)."""
        return self.at(token, time - 1)


ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# the labels of carries (see app.accounting.cost_basis: CARRY_OUT and the carries in)
MOVE, WRAP, DEPOSIT, WITHDRAWAL = "move", "wrap", "deposit", "withdrawal"
CARRY_LABELS = (MOVE, WRAP, DEPOSIT, WITHDRAWAL)


@dataclass(frozen=True)
class Carries:
    """What lets the ledger tell a carry from a trade: the vaults' shares (share token ->
    underlying asset) and the wrapped native token (WETH), whose Deposit/Withdrawal logs the
    history stores as transfers from/to the zero address."""

    vaults: Mapping[str, str]
    wrapped_native: str | None


def events_for_tx(tx: ChainTx, moves: Iterable[TokenMove], mine: set[str], decimals: Mapping[str, int],
                  prices: PriceBook, quote_assets: set[str], carries: Carries | None = None) -> list[LedgerEvent]:
    """The accounting events of one transaction for the accounts in ``mine``. Tokens not in
    ``decimals`` (unknown contracts, e.g. spam airdrops) are left out.

    Carries realise nothing (the lots go across with their dates and cost): a transfer between
    two of ``mine`` is a ``move``; per account, ETH given for as much WETH (or back) a ``wrap``;
    with ``carries``, a vault's asset (ETH counting as WETH) given for its shares a
    ``deposit``, shares given for their asset a ``withdrawal``. A WETH Withdrawal log of one of
    ``mine`` also brings that account the ETH (sent to it by the WETH contract, without a log)."""
    flows: dict[str, dict[str, int]] = {}
    carried: list[tuple[str, str, str, int]] = []   # own-account moves: (from, to, token, amount)
    weth = carries.wrapped_native if carries else None

    def add(account: str, token: str, amount: int) -> None:
        if account in mine and amount and token in decimals:
            per = flows.setdefault(account, {})
            per[token] = per.get(token, 0) + amount

    for move in moves:
        if move.from_address in mine and move.to_address in mine and move.from_address != move.to_address \
                and move.token in decimals and move.amount:
            carried.append((move.from_address, move.to_address, move.token, move.amount))
            continue
        add(move.from_address, move.token, -move.amount)
        add(move.to_address, move.token, move.amount)
        if move.token == weth and move.to_address == ZERO_ADDRESS and tx.success:   # an unwrap
            add(move.from_address, NATIVE_ADDRESS, move.amount)
    if tx.success and tx.value:
        if tx.to_address in mine and tx.from_address in mine and tx.to_address != tx.from_address \
                and NATIVE_ADDRESS in decimals:
            carried.append((tx.from_address, tx.to_address, NATIVE_ADDRESS, tx.value))
        else:
            add(tx.from_address, NATIVE_ADDRESS, -tx.value)
            if tx.to_address:
                add(tx.to_address, NATIVE_ADDRESS, tx.value)
    events: list[LedgerEvent] = []
    with localcontext(ACCOUNTING_CONTEXT):
        for sender, receiver, token, amount in carried:
            value, source = _value(token, amount, decimals, prices, tx.timestamp)
            events += _carry(sender, receiver, {token: amount}, {token: amount}, value, value, MOVE, source)
        for account in sorted(flows):
            flow = flows[account]
            label = _carry_label(flow, carries)
            if label is None:
                events += _account_events(account, flow, tx, decimals, prices, quote_assets)
                continue
            gave = {t: -a for t, a in flow.items() if a < 0}
            got = {t: a for t, a in flow.items() if a > 0}
            gave_value = _side_value(gave, {t: _value(t, a, decimals, prices, tx.timestamp) for t, a in gave.items()})
            got_value = _side_value(got, {t: _value(t, a, decimals, prices, tx.timestamp) for t, a in got.items()})
            events += _carry(account, account, gave, got, gave_value, got_value, label, "market value")
        if tx.from_address in mine and tx.gas_wei:
            events = _with_gas(events, tx, prices, quote_assets)
    return events


def _carry_label(flow: dict[str, int], carries: Carries | None) -> str | None:
    """``wrap``, ``deposit`` or ``withdrawal`` if one account's flow in a transaction is one
    (one asset given, one received), else None."""
    gave = [t for t, a in flow.items() if a < 0]
    got = [t for t, a in flow.items() if a > 0]
    if carries is None or len(gave) != 1 or len(got) != 1:
        return None
    given, received = gave[0], got[0]
    weth = carries.wrapped_native

    def same(a: str, b: str | None) -> bool:   # WETH is ETH
        return a == b or (weth is not None and {a, b} == {NATIVE_ADDRESS, weth})

    if weth is not None and {given, received} == {NATIVE_ADDRESS, weth} and flow[received] == -flow[given]:
        return WRAP
    if same(given, carries.vaults.get(received)):
        return DEPOSIT
    if same(received, carries.vaults.get(given)):
        return WITHDRAWAL
    return None


def _carry(sender: str, receiver: str, gave: dict[str, int], got: dict[str, int], gave_value: Decimal | None,
           got_value: Decimal | None, label: str, source: str) -> list[LedgerEvent]:
    """A carry's rows: what left (disposal rows), then what came (acquisition rows), each
    valued at its market value (the withdrawal's is its yield's income; else informative)."""
    note = f"carried at cost ({label}: nothing realised); {source}"
    out = [LedgerEvent(sender, t, "disposal", a, ((gave_value or ZERO) / len(gave)).quantize(USD), ZERO, label, note)
           for t, a in sorted(gave.items())]
    return out + [LedgerEvent(receiver, t, "acquisition", a, ((got_value or ZERO) / len(got)).quantize(USD), ZERO,
                              label, note) for t, a in sorted(got.items())]


def _value(token: str, amount: int, decimals: Mapping[str, int], prices: PriceBook,
           time: int) -> tuple[Decimal | None, str]:
    found = prices.before(token, time)
    if found is None:
        return None, "no price"
    usd, source = found
    return Decimal(abs(amount)).scaleb(-decimals[token]) * usd, source


def _account_events(account: str, flow: dict[str, int], tx: ChainTx, decimals: Mapping[str, int],
                    prices: PriceBook, quote_assets: set[str]) -> list[LedgerEvent]:
    gave = {t: -a for t, a in flow.items() if a < 0}
    got = {t: a for t, a in flow.items() if a > 0}
    valued = {t: _value(t, a, decimals, prices, tx.timestamp) for t, a in flow.items() if a}
    if gave and got:
        label = "trade"
        got_value = _side_value(got, valued)
        gave_value = _side_value(gave, valued)
        if set(got) <= quote_assets and got_value is not None:
            total, basis = got_value, "received"
        elif gave_value is not None:
            total, basis = gave_value, "given"
        else:
            total, basis = got_value, "received"
        source_note = f"trade valued by what was {basis}"
    else:
        label = "receive" if got else "send"
        total, source_note = None, "market value"
    events = []
    for side, kind in ((gave, "disposal"), (got, "acquisition")):
        if not side:
            continue
        if total is None:  # one side only: each asset at its own market value
            shares = {t: valued[t][0] for t in side}
        else:
            shares = _split(total, side, valued)
        for token in sorted(side):
            value = shares[token]
            source = valued[token][1] if total is None else f"{source_note}; {valued[token][1]}"
            events.append(LedgerEvent(account, token, kind, side[token],
                                      (value if value is not None else ZERO).quantize(USD), ZERO,
                                      label, source if value is not None else "no price: valued at 0"))
    return events


def _side_value(side: dict[str, int], valued: dict) -> Decimal | None:
    values = [valued[t][0] for t in side]
    return None if any(v is None for v in values) else sum(values, ZERO)


def _split(total: Decimal | None, side: dict[str, int], valued: dict) -> dict[str, Decimal | None]:
    """``total`` shared over ``side`` by market value (equally where a value is missing)."""
    if total is None:
        return {t: None for t in side}
    values = {t: valued[t][0] for t in side}
    whole = sum((v for v in values.values() if v is not None), ZERO)
    if any(v is None for v in values.values()) or not whole:
        return {t: total / len(side) for t in side}
    return {t: total * v / whole for t, v in values.items()}


def _with_gas(events: list[LedgerEvent], tx: ChainTx, prices: PriceBook, quote_assets: set[str]) -> list[LedgerEvent]:
    sender = tx.from_address
    found = prices.before(NATIVE_ADDRESS, tx.timestamp)
    fee = (Decimal(tx.gas_wei).scaleb(-18) * found[0]).quantize(USD) if found else ZERO
    source = found[1] if found else "no price: valued at 0"
    mine = [e for e in events if e.account == sender and e.label not in CARRY_LABELS]   # a carry's gas: a fee
    bought = [e for e in mine if e.kind == "acquisition"]
    sold = [e for e in mine if e.kind == "disposal"]
    is_sale = bool(sold) and bool(bought) and all(e.token in quote_assets for e in bought)
    carriers = sold if is_sale else (bought or sold)  # a sale's fee reduces its proceeds
    gas_fee = ZERO if carriers else fee
    if carriers:
        whole = sum((e.value_usd for e in carriers), ZERO)
        left = fee
        shares = {}
        for index, event in enumerate(carriers):
            part = left if index == len(carriers) - 1 else (
                (fee * event.value_usd / whole) if whole else fee / len(carriers)).quantize(USD)
            shares[id(event)] = part
            left -= part
        events = [LedgerEvent(e.account, e.token, e.kind, e.quantity, e.value_usd, shares[id(e)], e.label,
                              e.price_source) if id(e) in shares else e for e in events]
    label = "gas" if carriers else ("fee" if tx.success else "failed")
    return events + [LedgerEvent(sender, NATIVE_ADDRESS, "disposal", tx.gas_wei, fee, gas_fee, label, source)]


# --- SQLite ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerUpdate:
    transactions: int     # newly derived
    events: int           # newly written
    adjustments: int      # opening balances and adjustments after reconciling


def stored_chain_txs(store: Store, key: ChainKey) -> list[ChainTx]:
    """Every stored transaction of the history, in chain order."""
    return [ChainTx(h, int(b), int(ts), f, t, int(v), int(g), int(p), bool(s)) for h, b, ts, f, t, v, g, p, s in
            store.db.execute(
                "SELECT tx_hash, block, timestamp, from_address, to_address, value, gas_used, effective_gas_price,"
                " success FROM chain_txs WHERE chain_id = ? AND genesis_hash = ? ORDER BY block, tx_index",
                [key.chain_id, key.genesis_hash])]


def quote_assets_of(usdc: str | None, weth: str | None) -> set[str]:
    return {a for a in (usdc, weth, NATIVE_ADDRESS) if a}


def build_ledger(store: Store, key: ChainKey, accounts: Iterable[str], quote_assets: set[str],
                 wrapped_native: str | None = None) -> LedgerUpdate:
    """Derive the events of every stored transaction not yet in the ledger, then reconcile.
    ``wrapped_native``: the network's WETH (wraps and unwraps are carries)."""
    mine = set(accounts)
    chain = [key.chain_id, key.genesis_hash]
    done = {r[0] for r in store.db.execute(
        "SELECT DISTINCT tx_hash FROM ledger_events WHERE chain_id = ? AND genesis_hash = ? AND tx_hash IS NOT NULL",
        chain)}
    txs = [tx for tx in stored_chain_txs(store, key) if tx.tx_hash not in done]
    if not txs:
        return LedgerUpdate(0, 0, reconcile(store, key, mine))
    moves: dict[str, list[TokenMove]] = {}
    wanted = {t.tx_hash for t in txs}
    for tx_hash, token, sender, receiver, amount in store.db.execute(
            "SELECT tx_hash, token_address, from_address, to_address, amount FROM transfers"
            " WHERE chain_id = ? AND genesis_hash = ? ORDER BY tx_hash, log_index", chain):
        if tx_hash in wanted:
            moves.setdefault(tx_hash, []).append(TokenMove(token, sender, receiver, int(amount)))
    assets = stored_assets(store, key)
    decimals = {a.address: a.decimals for a in assets}
    carries = Carries({a.address: a.underlying for a in assets if a.kind == "vault" and a.underlying},
                      next((a.address for a in assets if wrapped_native and a.address.lower() == wrapped_native.lower()),
                           None))
    prices = PriceBook(price_history(store, key))
    rows = []
    for tx in txs:
        for seq, event in enumerate(events_for_tx(tx, moves.get(tx.tx_hash, []), mine, decimals, prices,
                                                  quote_assets, carries)):
            rows.append(_row(key, tx.tx_hash, seq, tx.timestamp, tx.block, event))
    with store.lock, store.db.conn:
        store.db.conn.executemany(_INSERT, rows)
    return LedgerUpdate(len(txs), len(rows), reconcile(store, key, mine, decimals=decimals, prices=prices))


_INSERT = ("INSERT OR IGNORE INTO ledger_events (chain_id, genesis_hash, tx_hash, seq, time, block, account_address,"
           " token_address, kind, quantity, value_usd, fee_usd, label, price_source)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _row(key: ChainKey, tx_hash: str | None, seq: int, time: int, block: int, event: LedgerEvent) -> tuple:
    return (key.chain_id, key.genesis_hash, tx_hash, seq, time, block, event.account, event.token, event.kind,
            str(event.quantity), str(event.value_usd), str(event.fee_usd), event.label, event.price_source)


def reconcile(store: Store, key: ChainKey, accounts: set[str], *, decimals: Mapping[str, int] | None = None,
              prices: PriceBook | None = None) -> int:
    """Replace the opening balances and adjustments so each position's ledger quantity equals
    its last-seen balance (``decimals`` and ``prices``: as stored, if the caller has them
    already). Returns how many were written."""
    from app.portfolio.native_receipts import stored_receipts

    chain = [key.chain_id, key.genesis_hash]
    balances = {(b.account, b.token): b for b in stored_balances(store, key, accounts)}
    prices = PriceBook(price_history(store, key)) if prices is None else prices
    decimals = {a.address: a.decimals for a in stored_assets(store, key)} if decimals is None else decimals
    rows = []
    # ETH received without a log, found block by block (app.portfolio.native_receipts): dated
    # acquisitions at their block (first among the rows of their second), or, if the balance
    # grew by less than the history says there, an adjustment
    receipts = [(time, 0, account, NATIVE_ADDRESS, "acquisition" if amount > 0 else "disposal", abs(amount), block)
                for account, found in stored_receipts(store, key).items() if account in accounts
                and NATIVE_ADDRESS in decimals for block, time, amount in found]
    for time, _first, account, token, kind, quantity, block in receipts:
        rows.append(_adjustment(key, (account, token), quantity, time, block,
                                "receipt" if kind == "acquisition" else "adjustment", decimals, prices, kind))
    events = sorted([*receipts, *((time, 1, account, token, kind, int(quantity), block)
                                  for account, token, kind, quantity, time, block in store.db.execute(
        "SELECT account_address, token_address, kind, quantity, time, block FROM ledger_events"
        " WHERE chain_id = ? AND genesis_hash = ? AND tx_hash IS NOT NULL ORDER BY time, id", chain))],
                    key=lambda e: (e[0], e[1]))
    running: dict[tuple[str, str], list[int]] = {}   # position -> [quantity, lowest, first time, first block]
    for time, _order, account, token, kind, quantity, block in events:
        state = running.setdefault((account, token), [0, 0, time, block])
        state[0] += quantity if kind == "acquisition" else -quantity
        state[1] = min(state[1], state[0])
    for position in sorted(set(running) | set(balances)):
        account, token = position
        if account not in accounts or token not in decimals:
            continue
        quantity, lowest, first_time, first_block = running.get(position, [0, 0, None, None])
        seen = balances.get(position)
        # what the history does not explain counts as held from before it began (e.g. a
        # genesis or exchange deposit of ETH: native transfers leave no log), at least enough
        # that nothing is sold before it was had
        opening = max(-lowest, (seen.balance - quantity) if seen is not None else 0, 0)
        if seen is not None and first_time is None:   # held, with no history at all
            first_time, first_block = seen.observed_at, seen.block
        if opening > 0:
            rows.append(_adjustment(key, position, opening, first_time - 1, first_block, "opening", decimals, prices,
                                    "acquisition"))
        if seen is not None:
            difference = seen.balance - (quantity + opening)
            if difference:
                rows.append(_adjustment(key, position, abs(difference), seen.observed_at, seen.block, "adjustment",
                                        decimals, prices, "acquisition" if difference > 0 else "disposal"))
    with store.lock, store.db.conn:
        store.db.execute("DELETE FROM ledger_events WHERE chain_id = ? AND genesis_hash = ? AND tx_hash IS NULL",
                         chain)
        store.db.conn.executemany(_INSERT, rows)
    return len(rows)


def _adjustment(key: ChainKey, position: tuple[str, str], quantity: int, time: int, block: int, label: str,
                decimals: Mapping[str, int], prices: PriceBook, kind: str) -> tuple:
    account, token = position
    found = prices.at(token, time)
    with localcontext(ACCOUNTING_CONTEXT):
        value = (Decimal(quantity).scaleb(-decimals[token]) * found[0]).quantize(USD) if found else ZERO
    note = {"opening": "balance held before the history begins (cost: market value then)",
            "receipt": f"ETH received without a log at block {block} (balance diff; cost: market value then)"}.get(
        label, "balance not explained by the history (native or internal transfers, rebasing)")
    source = f"{note}; {found[1] if found else 'no price: valued at 0'}"
    return _row(key, None, 0, time, block, LedgerEvent(account, token, kind, quantity, value, ZERO, label, source))

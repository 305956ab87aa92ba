"""`basketry portfolio [--offline]` and `basketry pnl [--method ...] [--offline]`.

Online, both bring the store up to date first (balances and prices in one read, the history
since the last sync, the ledger); offline, or when the RPC cannot be reached, they answer from
SQLite alone and say how old the numbers are.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from app.accounting import DEFAULT_METHOD, METHODS
from app.cli.context import CliContext
from app.cli.output import emit
from app.errors import ChainUnavailable, InvalidInput
from app.portfolio.price_source import PRICE_SOURCES, set_price_source

if TYPE_CHECKING:
    from app.portfolio.pnl import PnlResult
    from app.portfolio.service import PortfolioUpdate
    from app.portfolio.view import HoldingRow, Portfolio
    from app.store import Store


def register(commands: argparse._SubParsersAction) -> None:
    portfolio = commands.add_parser("portfolio", help="holdings of every account, with prices and their source")
    portfolio.add_argument("--offline", action="store_true", help="from the local store only (no network)")
    portfolio.add_argument("--price-source", choices=PRICE_SOURCES,
                           help="save where prices come from: onchain (Uniswap pool mids, the default) "
                                "or coingecko (online; tokens it lacks keep the on-chain price)")
    portfolio.set_defaults(handler=run_portfolio)
    pnl = commands.add_parser("pnl", help="realised and unrealised P&L by a cost-basis method")
    pnl.add_argument("--method", default=None, choices=sorted(METHODS),
                     help=f"cost-basis method (default: the one saved by the Portfolio page, else {DEFAULT_METHOD})")
    pnl.add_argument("--offline", action="store_true", help="from the local store only (no network)")
    pnl.set_defaults(handler=run_pnl)


def iso(timestamp: int | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _accounts(store: Store) -> list[str]:
    from app.accounts import AccountRegistry

    addresses = sorted({a.address for a in AccountRegistry(store).all()})
    if not addresses:
        raise InvalidInput("no account yet: `basketry wallet create NAME`, `import`, `watch` or `demo`")
    return addresses


def _load(ctx: CliContext, store: Store, offline: bool) -> tuple[Portfolio, PortfolioUpdate | None, str | None]:
    """(portfolio, the update made online or None, why it is offline if it fell back)."""
    from app.networks import get_network
    from app.portfolio.service import open_offline, update

    accounts = _accounts(store)
    network = get_network(ctx.network)
    if not offline:
        from app.session import ChainSession

        try:
            session = ChainSession.open(ctx.home, ctx.network, store, ctx.rpc)
        except (ChainUnavailable, InvalidInput) as exc:  # unreachable, or no RPC (demo not running)
            try:
                portfolio = open_offline(store, network, accounts)
            except InvalidInput:
                raise exc from None  # nothing stored to fall back on: the real reason
            reason = f"offline: {exc}"
            print(f"basketry: {reason}; showing what was last seen", file=sys.stderr)
            return portfolio, None, reason
        progress = _progress(ctx)
        try:
            result = update(session, accounts, progress=progress)
        finally:
            if progress is not None:
                print(file=sys.stderr)  # end the progress line
        return result.portfolio, result, None
    return open_offline(store, network, accounts), None, "offline (asked)"


def _progress(ctx: CliContext):
    if ctx.as_json or not sys.stderr.isatty():
        return None

    def show(stage: str, done: int, total: int) -> None:
        text = f"{stage}: {done:,} of {total:,}" if total > 1 else f"{stage}…"
        print(f"\r{text:<60}", end="", file=sys.stderr, flush=True)
    return show


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def holding_json(row: HoldingRow) -> dict:
    return {"symbol": row.symbol, "address": row.address, "kind": row.kind, "balance": str(row.balance),
            "price_usd": _money(row.price_usd), "value_usd": _money(row.value_usd),
            "price_source": row.price_source, "price_as_of": iso(row.price_as_of),
            "balance_as_of": iso(row.balance_as_of), "block": row.block,
            "underlying": row.underlying,
            "accounts": {account: str(amount) for account, amount in sorted(row.by_account.items())}}


def portfolio_json(portfolio: Portfolio, result: PortfolioUpdate | None, offline_reason: str | None) -> dict:
    data = {"network": portfolio.network, "chain_id": portfolio.chain.chain_id,
            "as_of": iso(portfolio.as_of), "block": portfolio.block,
            "offline": offline_reason is not None, "offline_reason": offline_reason,
            "holdings": [holding_json(r) for r in portfolio.holdings],
            "vaults": [holding_json(r) for r in portfolio.vaults],
            "total_usd": str(portfolio.total_usd), "unpriced": portfolio.unpriced,
            "snapshots": len(portfolio.history)}
    if result is not None:
        data["history"] = {"scanned_to_block": result.history.scanned_to,
                           "transactions_added": result.history.transactions_added,
                           "blocks_priced": result.history.blocks_priced,
                           "blocks_unpriced": result.history.blocks_unpriced}
        data["ledger"] = {"transactions": result.ledger.transactions, "events": result.ledger.events,
                          "adjustments": result.ledger.adjustments}
    return data


def run_portfolio(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.store import Store

    with Store.open(ctx.home) as store:
        if args.price_source:
            set_price_source(store, args.price_source)
        portfolio, result, reason = _load(ctx, store, args.offline or ctx.offline)
    data = portfolio_json(portfolio, result, reason)
    emit(data, ctx.as_json, _portfolio_text(portfolio, reason))
    return 0


def _portfolio_text(portfolio: Portfolio, reason: str | None) -> str:
    head = f"Portfolio on {portfolio.network} as of {iso(portfolio.as_of) or 'never'} (block {portfolio.block})"
    if reason:
        head += f" [{reason}]"
    lines = [head, f"{'asset':<10} {'balance':>24} {'price USD':>14} {'value USD':>14}  price source"]
    for row in portfolio.rows:
        lines.append(f"{row.symbol:<10} {row.balance.normalize():>24f} {_price(row.price_usd):>14} "
                     f"{_fmt(row.value_usd, 2):>14}  {row.price_source or 'no price'}"
                     + (f" ({iso(row.price_as_of)})" if row.price_as_of else ""))
    lines.append(f"{'total':<10} {'':>24} {'':>14} {_fmt(portfolio.total_usd, 2):>14}")
    if portfolio.unpriced:
        lines.append("Not priced (not in the total): " + ", ".join(portfolio.unpriced))
    return "\n".join(lines)


def _price(value: Decimal | None) -> str:
    """Enough digits to tell a SHIB price from zero: 4 places, or 4 significant digits below $1."""
    if value is None:
        return "—"
    if value >= 1 or value == 0:
        return _fmt(value, 4)
    return f"{value:.{max(4, -value.adjusted() + 3)}f}"


def _fmt(value: Decimal | None, places: int) -> str:
    return "—" if value is None else f"{value.quantize(Decimal(1).scaleb(-places)):,}"


def run_pnl(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.networks import get_network
    from app.portfolio.method_setting import method_or_saved
    from app.portfolio.pnl import compute_pnl
    from app.portfolio.view import chain_key_offline
    from app.store import Store

    with Store.open(ctx.home) as store:
        portfolio, _result, reason = _load(ctx, store, args.offline or ctx.offline)
        key = portfolio.chain if portfolio is not None else chain_key_offline(store, get_network(ctx.network))
        pnl = compute_pnl(store, key, method_or_saved(store, args.method))
    data = pnl.to_json()
    data.update({"as_of": iso(portfolio.as_of), "offline": reason is not None, "offline_reason": reason})
    emit(data, ctx.as_json, _pnl_text(pnl, reason))
    return 0


def _pnl_text(pnl: PnlResult, reason: str | None) -> str:
    lines = [f"P&L by {pnl.method.upper()}" + (f" [{reason}]" if reason else ""),
             f"realised {_fmt(pnl.realized_usd, 2)} USD   unrealised {_fmt(pnl.unrealized_usd, 2)} USD   "
             f"fees {_fmt(pnl.fees_usd, 2)} USD",
             f"{'asset':<10} {'quantity':>24} {'cost USD':>14} {'value USD':>14} {'unrealised':>12} {'realised':>12}"]
    for p in pnl.positions:
        lines.append(f"{p.symbol:<10} {p.quantity.normalize():>24f} {_fmt(p.cost_usd, 2):>14} "
                     f"{_fmt(p.value_usd, 2):>14} {_fmt(p.unrealized_usd, 2):>12} {_fmt(p.realized_usd, 2):>12}")
    if pnl.adjustments:
        lines.append(f"{pnl.adjustments} position(s) differ from what the history explains: see `activity`")
    return "\n".join(lines)

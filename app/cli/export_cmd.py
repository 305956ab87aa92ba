"""`basketry export csv FILE [--force] [--per-account]`: the ledger in Koinly's universal CSV format, from the
local store alone (works offline; docs/CSV_EXPORT.md describes the file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.context import CliContext
from app.cli.output import emit


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="export the ledger for tax tools (works offline)")
    formats = export.add_subparsers(dest="export_format", required=True, metavar="FORMAT")
    csv = formats.add_parser("csv", help="Koinly universal CSV: one row per trade pair, deposit, "
                             "withdrawal or fee")
    csv.add_argument("file", type=Path)
    csv.add_argument("--force", action="store_true", help="replace FILE if it exists")
    csv.add_argument("--per-account", action="store_true",
                     help="one file per account, FILE-<name>.csv (import each into its own Koinly wallet; "
                     "moves between your accounts become transfers)")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.networks import get_network
    from app.portfolio.csv_export import export_csv
    from app.portfolio.view import chain_key_offline
    from app.session import network_for
    from app.store import Store

    with Store.open(ctx.home) as store:
        key = chain_key_offline(store, get_network(ctx.network))
        result = export_csv(store, key, args.file, overwrite=args.force, per_account=args.per_account,
                            wrapped_native=network_for(ctx.home, ctx.network).wrapped_native)
    path = str(result.path.resolve())
    data = {"path": path, "rows": result.rows, "format": result.format, "network": ctx.network,
            "chain_id": key.chain_id}
    if not args.per_account:
        emit(data, ctx.as_json, f"Wrote {result.rows} rows ({result.format}) to {path}")
        return 0
    data["files"] = [{"path": str(f.path.resolve()), "account": f.account, "name": f.label, "rows": f.rows}
                     for f in result.files]
    emit(data, ctx.as_json, "\n".join(f"Wrote {f.rows} rows ({result.format}) for {f.label} to {f.path.resolve()}"
                                      for f in result.files))
    return 0

"""`basketry export csv FILE [--force]`: the ledger in Koinly's universal CSV format, from the
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
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.networks import get_network
    from app.portfolio.csv_export import export_csv
    from app.portfolio.view import chain_key_offline
    from app.store import Store

    with Store.open(ctx.home) as store:
        key = chain_key_offline(store, get_network(ctx.network))
        result = export_csv(store, key, args.file, overwrite=args.force)
    path = str(result.path.resolve())
    emit({"path": path, "rows": result.rows, "format": result.format, "network": ctx.network,
          "chain_id": key.chain_id}, ctx.as_json, f"Wrote {result.rows} rows ({result.format}) to {path}")
    return 0

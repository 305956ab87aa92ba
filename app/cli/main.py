"""`basketry` entry point: parse, dispatch, and turn every error into one line."""

from __future__ import annotations

import argparse
import logging
import sys

from app import __version__
from app.cli import (
    devnet_cmd,
    export_cmd,
    index_cmd,
    network_cmd,
    portfolio_cmd,
    tx_cmd,
    vault_cmd,
    wallet_cmd,
)
from app.cli.context import CliContext
from app.cli.output import emit_error
from app.errors import BasketryError, UserCancelled
from app.logs import setup_logging
from app.paths import data_home
from app.recipients import UnusualRecipient
from app.settings import DEFAULT_NETWORK

COMMAND_MODULES = (devnet_cmd, network_cmd, wallet_cmd, tx_cmd, index_cmd, vault_cmd, portfolio_cmd,
                   export_cmd)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so bad usage is reported like any error."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


class UsageError(BasketryError):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="basketry", description="Self-custody portfolio: one-transaction index "
                     "buys, ERC-4626 vaults, honest previews. With no command, opens the app.")
    parser.add_argument("--version", action="version", version=f"basketry {__version__}")
    parser.add_argument("--home", help="data directory (default: $BASKETRY_HOME or the platform's)")
    parser.add_argument("--network", help="network name from networks.json (commands default to demo; "
                        "the app opens on the one chosen in Settings, else demo)")
    parser.add_argument("--rpc", help="RPC URL for the network (overrides settings)")
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    parser.add_argument("--offline", dest="offline_app", action="store_true",
                        help="with no command: open the app from the local store only (the demo "
                             "chain is not started, nothing is sent; air-gapped signing works)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
        ctx = CliContext(home=data_home(args.home), network=args.network or DEFAULT_NETWORK, rpc=args.rpc,
                         as_json=args.json, offline=args.offline_app, network_explicit=args.network is not None)
        setup_logging(ctx.home)
        if args.command is None:
            return _open_gui(ctx)
        return args.handler(args, ctx)
    except UserCancelled:
        return 1
    except UnusualRecipient as exc:
        emit_error(f"{exc}; to send there anyway, pass --allow-unusual-recipient", as_json)
        return 2
    except BasketryError as exc:
        emit_error(str(exc), as_json)
        return 2
    except KeyboardInterrupt:
        emit_error("interrupted", as_json)
        return 130
    except Exception as exc:  # a bug, not the user's fault: one line here, the traceback in the log
        logging.getLogger(__name__).exception("unexpected error in %s", argv[:1])
        emit_error(f"internal error ({type(exc).__name__}); nothing more was done. The details are in "
                   "the log (logs/basketry.log in the data directory)", as_json)
        return 70


def _open_gui(ctx: CliContext) -> int:
    # The one place the core hands over to the Qt face; imported lazily so the CLI never
    # loads Qt (app/ stays headless).
    from views.app import run_gui

    return run_gui(ctx)


if __name__ == "__main__":
    sys.exit(main())

"""`basketry devnet start|stop|status|reset`."""

from __future__ import annotations

import argparse
from decimal import Decimal

from app.cli.arguments import decimal_number, whole_number
from app.cli.context import CliContext
from app.cli.output import emit, progress_printer
from app.devnet import DEFAULT_BLOCK_TIME
from app.devnet.manager import REPLICA_NETWORKS
from app.errors import InvalidInput


def register(commands: argparse._SubParsersAction) -> None:
    devnet = commands.add_parser("devnet", help="the local demo network (anvil + real Uniswap)")
    actions = devnet.add_subparsers(dest="devnet_command", required=True, metavar="ACTION")
    which = argparse.ArgumentParser(add_help=False)
    which.add_argument("--replica", choices=REPLICA_NETWORKS, metavar="NETWORK",
                       help="a local replica of a public network instead of the demo network: its real "
                            "chain id, contracts and tokens at their real addresses "
                            f"({', '.join(REPLICA_NETWORKS)})")
    start = actions.add_parser("start", parents=[which], help="start it (installing and deploying on first use)")
    start.add_argument("--port", type=whole_number(minimum=1, maximum=65535), help="RPC port on 127.0.0.1 (default 8545, else a free one)")
    start.add_argument("--block-time", type=whole_number(maximum=3600), default=DEFAULT_BLOCK_TIME,
                       help="also mine an empty block every N seconds; 0 mines only on transactions "
                            f"(default {DEFAULT_BLOCK_TIME})")
    actions.add_parser("stop", parents=[which], help="stop it; its state is kept")
    actions.add_parser("status", parents=[which], help="whether it runs, and its contracts, tokens and vaults")
    actions.add_parser("reset", parents=[which], help="stop it and forget its chain; the next start deploys anew")
    advance = actions.add_parser("advance", parents=[which],
                                 help="move chain time forward (to watch vault yield accrue)")
    advance.add_argument("--days", type=decimal_number(maximum=Decimal(3650), max_places=4),
                         required=True, help="more than 0 and at most 3650 (decimals allowed)")
    devnet.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.devnet.manager import Devnet

    devnet = Devnet(ctx.home, replica=args.replica)
    name = devnet.label[0].upper() + devnet.label[1:]
    if args.devnet_command == "start":
        status = devnet.start(progress_printer(ctx.as_json), port=args.port,
                              block_time=args.block_time or None)
        verb = "already running" if status.reused else "running"
        hint = f" Use it with `--network {args.replica}`." if args.replica else ""
        emit(status.as_json(), ctx.as_json,
             f"{name} {verb} at {status.rpc_url} (chain id {status.chain_id}, block {status.block}).{hint}")
    elif args.devnet_command == "stop":
        stopped = devnet.stop()
        emit({"stopped": stopped}, ctx.as_json,
             f"{name} stopped; its state is kept." if stopped else f"{name} was not running.")
    elif args.devnet_command == "status":
        status = devnet.status()
        text = (f"{name} running at {status.rpc_url}, chain id {status.chain_id}, block {status.block}."
                if status.running else f"{name} is not running.")
        emit(status.as_json(), ctx.as_json, text)
    elif args.devnet_command == "advance":
        node = devnet.running_node()
        if node is None:
            raise InvalidInput(f"{devnet.label} is not running: `basketry devnet start` first")
        from app.chain.client import ChainClient
        from app.devnet.clock import advance_time

        timestamp = advance_time(ChainClient(node.rpc_url), int(args.days * 86400))
        emit({"timestamp": timestamp}, ctx.as_json, f"Chain time moved {args.days:g} days forward.")
    elif args.devnet_command == "reset":
        devnet.reset()
        emit({"reset": True}, ctx.as_json, f"{name} reset: the next start deploys a fresh chain.")
    return 0

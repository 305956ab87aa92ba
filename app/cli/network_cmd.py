"""`basketry network`: which chain the RPC serves (connect, verify chain id, record genesis)."""

from __future__ import annotations

import argparse

from app.cli.context import CliContext
from app.cli.output import emit
from app.networks import get_network, load_networks
from app.settings import validate_rpc_url


def register(commands: argparse._SubParsersAction) -> None:
    network = commands.add_parser("network", help="check the connection to the chosen network")
    actions = network.add_subparsers(dest="network_command", required=True, metavar="ACTION")
    actions.add_parser("check", help="connect, verify the chain id and record the genesis hash")
    actions.add_parser("list", help="the networks Basketry knows")
    set_rpc = actions.add_parser("set-rpc", help="save the RPC URL of --network (empty clears it)")
    set_rpc.add_argument("url", help="http(s) URL of a node for this network, or '' to clear")
    network.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.connection import connect, resolve_rpc_url, rpc_setting_key
    from app.store import Store

    if args.network_command == "list":
        rows = [{"name": n.key, "label": n.label, "chain_id": n.chain_id} for n in load_networks().values()]
        emit({"networks": rows}, ctx.as_json)
        return 0
    network = get_network(ctx.network)
    if args.network_command == "set-rpc":
        url = validate_rpc_url(args.url)
        with Store.open(ctx.home) as store:
            store.set_setting(rpc_setting_key(network), url)
        emit({"network": network.key, "rpc_url": url}, ctx.as_json,
             f"RPC URL for {network.label}: {url or '(cleared)'}")
        return 0
    with Store.open(ctx.home) as store:
        rpc_url = resolve_rpc_url(network, ctx.home, store, ctx.rpc)
        connection = connect(network, rpc_url, store, home=ctx.home)
        block = connection.client.block_number()
    emit({"network": network.key, "rpc_url": rpc_url, "chain_id": connection.chain_id,
          "genesis_hash": connection.genesis_hash, "block": block}, ctx.as_json,
         f"{network.label}: chain id {connection.chain_id}, block {block}, via {rpc_url}")
    return 0

"""`basketry network`: which chain the RPC serves (connect, verify chain id, record genesis)."""

from __future__ import annotations

import argparse

from app.cli.context import CliContext
from app.cli.output import emit
from app.errors import InvalidInput
from app.networks import get_network, load_networks
from app.settings import validate_rpc_url, validate_submit_rpc_url


def register(commands: argparse._SubParsersAction) -> None:
    network = commands.add_parser("network", help="check the connection to the chosen network")
    actions = network.add_subparsers(dest="network_command", required=True, metavar="ACTION")
    actions.add_parser("check", help="connect, verify the chain id and record the genesis hash")
    actions.add_parser("list", help="the networks Basketry knows")
    set_rpc = actions.add_parser("set-rpc", help="save the RPC URL of --network (empty clears it)")
    set_rpc.add_argument("url", help="http(s) URL of a node for this network, or '' to clear")
    submit = actions.add_parser("submit-rpc", help="send --network's signed transactions privately through "
                                "this RPC (Flashbots Protect / MEV Blocker style), not the public mempool")
    submit.add_argument("url", nargs="?", help="https URL of the private submission RPC (omit to show it)")
    submit.add_argument("--clear", action="store_true", help="send through the network's RPC again")
    network.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from app.connection import connect, resolve_rpc_url, rpc_setting_key
    from app.store import Store
    from app.tx.submission import submit_rpc_key

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
    if args.network_command == "submit-rpc":
        return _submit_rpc(args, ctx, network)
    with Store.open(ctx.home) as store:
        submit_url = store.get_setting(submit_rpc_key(network.key))
        rpc_url = resolve_rpc_url(network, ctx.home, store, ctx.rpc)
        connection = connect(network, rpc_url, store, home=ctx.home)
        block = connection.client.block_number()
    emit({"network": network.key, "rpc_url": rpc_url, "chain_id": connection.chain_id,
          "genesis_hash": connection.genesis_hash, "block": block, "submit_rpc": submit_url}, ctx.as_json,
         f"{network.label}: chain id {connection.chain_id}, block {block}, via {rpc_url}"
         + (f"; transactions sent privately via {submit_url}" if submit_url else ""))
    return 0


def _submit_rpc(args: argparse.Namespace, ctx: CliContext, network) -> int:
    """Show, set or clear the network's private submission RPC (no connection needed)."""
    from app.store import Store
    from app.tx.submission import submit_rpc_key

    if args.clear and args.url:
        raise InvalidInput("give a URL or --clear, not both")
    with Store.open(ctx.home) as store:
        key = submit_rpc_key(network.key)
        if args.clear:
            store.set_setting(key, None)
        elif args.url is not None:
            url = validate_submit_rpc_url(args.url)
            if url is None:
                raise InvalidInput("an empty URL: pass --clear to stop sending privately")
            store.set_setting(key, url)
        url = store.get_setting(key)
    emit({"network": network.key, "submit_rpc": url, "private": url is not None}, ctx.as_json,
         f"{network.label}: signed transactions go privately to {url} (reads stay on the network's RPC)"
         if url else f"{network.label}: signed transactions go to the network's RPC (the public mempool)")
    return 0

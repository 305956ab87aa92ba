"""First-start deployment of the demo network: canonical contracts from npm, a token universe
mirroring the market snapshot, Uniswap V3 pools with realistic depth, ERC-4626 vaults, and a
funded demo account. Writes ``deployment.json``; everything else reads that file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from eth_account import Account
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes

from app.chain.client import ChainClient
from app.chain.multicall import MULTICALL3_ADDRESS, Call
from app.devnet import artifacts, liquidity
from app.devnet.replica import load_replica_layout
from app.errors import DevnetError
from app.index.routers import V3_POOL_INIT_CODE_HASH
from app.networks import Network
from app.paths import resources_dir

# anvil's well-known development mnemonic. Its keys are public: the demo network only.
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_HASH = b"\x00" * 32

Progress = Callable[[str, float | None], None]


@dataclass(frozen=True)
class SnapshotToken:
    symbol: str
    name: str
    decimals: int
    price_usd: Decimal
    market_cap_usd: Decimal
    weth_fee_tiers: list[int]
    usdc_fee_tiers: list[int]


def load_snapshot(path: Path | None = None) -> tuple[str, list[SnapshotToken]]:
    """The dated market snapshot (``resources/market_snapshot.json`` unless ``path``)."""
    data = json.loads((path or resources_dir() / "market_snapshot.json").read_text())
    tokens = [SnapshotToken(t["symbol"], t["name"], int(t["decimals"]), Decimal(t["price_usd"]),
                            Decimal(t["market_cap_usd"]), list(t.get("weth_fee_tiers") or []),
                            list(t.get("usdc_fee_tiers") or []))
              for t in data["tokens"]]
    return data["as_of"], tokens


def demo_account_address(index: int) -> str:
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").address


class _Deployer:
    """Sends the deployment transactions from anvil's unlocked account 0."""

    def __init__(self, client: ChainClient):
        self.client = client
        self.address = to_checksum_address(client.rpc("eth_accounts")[0])
        self.pending: list[tuple[str, str]] = []  # (tx hash, what it did) not yet checked

    def deploy(self, artifact: artifacts.Artifact, *args, at: str | None = None) -> str:
        """Deploy ``artifact``; with ``at``, run its constructor AT that address instead."""
        contract = self.client.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = contract.constructor(*args).data_in_transaction
        if at is not None:
            return self.construct_at(artifact.name, data, at)
        tx_hash = self.client.send_transaction({"from": self.address, "data": data, "gas": 15_000_000})
        receipt = self.client.wait_for_receipt(tx_hash)
        if receipt["status"] != 1 or not receipt.get("contractAddress"):
            raise DevnetError(f"deploying {artifact.name} failed")
        return to_checksum_address(receipt["contractAddress"])

    def construct_at(self, name: str, creation_code: str, address: str) -> str:
        """Run a contract's constructor at a fixed (real-network) address.

        The creation code is installed at ``address`` and called once, so the constructor runs
        with ``address(this) == address``: immutables that hold the contract's own address
        (Uniswap's NoDelegateCall), storage it initialises (owners, fee tiers, names, the
        minted supply) and its msg.sender are what a deployment there would have produced.
        The call's return data is the runtime code, which then replaces the creation code.
        """
        address = to_checksum_address(address)
        self.client.rpc("anvil_setCode", [address, creation_code])
        call = {"from": self.address, "to": address, "data": "0x", "gas": 15_000_000}
        runtime = self.client.call(call)
        receipt = self.client.wait_for_receipt(self.client.send_transaction(call))
        if receipt["status"] != 1 or not runtime:
            raise DevnetError(f"constructing {name} at {address} failed")
        self.client.rpc("anvil_setCode", [address, "0x" + runtime.hex()])
        return address

    def send(self, what: str, contract, function: str, *args, value: int = 0) -> None:
        """Send without waiting (anvil mines each at once, in order); checked in ``verify``."""
        tx = {"from": self.address, "to": contract.address, "data": contract.encode_abi(function, list(args)),
              "value": value, "gas": 10_000_000}
        self.pending.append((self.client.send_transaction(tx), what))

    def verify(self) -> None:
        for tx_hash, what in self.pending:
            receipt = self.client.wait_for_receipt(tx_hash)
            if receipt["status"] != 1:
                raise DevnetError(f"demo network deployment failed at: {what} ({tx_hash})")
        self.pending.clear()


def deploy_demo(client: ChainClient, out: Path, progress: Progress,
                snapshot_path: Path | None = None, replica: Network | None = None) -> dict:
    """Deploy everything onto a fresh anvil and write ``out`` (deployment.json).

    With ``replica``, the same market is built in the shape of that public network: every
    contract and token at its real address (app/devnet/replica.py), snapshot tokens that the
    network lacks left out (listed in deployment.json), the curated vaults at their addresses,
    and on OP-stack networks the GasPriceOracle and L1Block predeploys."""
    config = json.loads((resources_dir() / "devnet.json").read_text())
    as_of, snapshot = load_snapshot(snapshot_path)
    layout = load_replica_layout(replica) if replica is not None else None
    if layout is not None:
        snapshot = [t for t in snapshot if t.symbol in layout.tokens]
    by_symbol = {t.symbol: t for t in snapshot}
    for needed in ("WETH", "USDC"):
        if needed not in by_symbol:
            raise DevnetError(f"market_snapshot.json has no {needed}")
    d = _Deployer(client)
    client.rpc("anvil_setBalance", [d.address, hex(10**9 * 10**18)])  # the market maker's ETH

    progress("Deploying WETH9, Uniswap V3, SwapRouter02, QuoterV2, the Universal Router and "
             "Multicall3…", 0.05)
    runtime = client.call({"data": artifacts.multicall3_creation_code()})  # constructor output
    client.rpc("anvil_setCode", [MULTICALL3_ADDRESS, "0x" + runtime.hex()])
    real = replica  # on a replica each canonical contract goes to the network's own address
    weth = d.deploy(artifacts.canonical("WETH9"), at=real and real.wrapped_native)
    factory_artifact = artifacts.canonical("UniswapV3Factory")
    factory = d.deploy(factory_artifact, at=real and real.factory)
    factory_contract = client.contract(factory, factory_artifact.abi)
    d.send("enable the 0.01% fee tier", factory_contract, "enableFeeAmount", 100, 1)
    npm_artifact = artifacts.canonical("NonfungiblePositionManager")
    # No token descriptor: it only renders NFT images (tokenURI), which nothing here reads.
    position_manager = d.deploy(npm_artifact, factory, weth, ZERO_ADDRESS, at=real and real.position_manager)
    # No V2 factory: the demo routes through V3 only.
    swap_router = d.deploy(artifacts.canonical("SwapRouter02"), ZERO_ADDRESS, factory, position_manager, weth,
                           at=real and real.swap_router)
    quoter = d.deploy(artifacts.canonical("QuoterV2"), factory, weth, at=real and real.quoter)
    universal_router = d.deploy(artifacts.canonical("UniversalRouter"),
                                _universal_router_parameters(weth, factory), at=real and real.universal_router)
    if real is not None and real.adds_l1_data_fee:
        install_op_fee_predeploys(client, config["replica_l1_fee"])

    pools = [plan for token in snapshot for plan in liquidity.split_depth(
        token.symbol, liquidity.token_depth_usd(token.market_cap_usd),
        token.weth_fee_tiers, token.usdc_fee_tiers)]
    vault_configs = config["vaults"] if layout is None else [
        {"name": v.name, "symbol": v.symbol, "asset": v.asset, "apy_bps": v.apy_bps,
         "yield_reserve": v.yield_reserve, "address": v.address} for v in layout.vaults]
    demo_cfg = config["demo_account"]

    # How much of each token the market maker needs: both sides of every pool, vault
    # reserves, the demo account's funding; 10% spare.
    need: dict[str, int] = {t.symbol: 0 for t in snapshot}
    for plan in pools:
        token, quote = by_symbol[plan.token], by_symbol[plan.quote]
        need[plan.token] += liquidity.base_units(plan.depth_usd, token.price_usd, token.decimals)
        need[plan.quote] += liquidity.base_units(plan.depth_usd, quote.price_usd, quote.decimals)
    for vault in vault_configs:
        need[vault["asset"]] += _units(vault["yield_reserve"], by_symbol[vault["asset"]].decimals)
    for symbol, amount in demo_cfg["tokens"].items():
        need[symbol] += _units(amount, by_symbol[symbol].decimals)
    need = {symbol: amount * 11 // 10 + 1 for symbol, amount in need.items()}

    progress(f"Deploying {len(snapshot) - 1} tokens from the {as_of} market snapshot…", 0.2)
    demo_token = artifacts.demo_contracts()["DemoToken"]
    addresses = {"WETH": weth}
    for token in snapshot:
        if token.symbol == "WETH":
            continue
        if layout is None:
            addresses[token.symbol] = d.deploy(demo_token, token.name, token.symbol, token.decimals,
                                               need[token.symbol])
        else:
            there = layout.tokens[token.symbol]
            addresses[token.symbol] = d.deploy(demo_token, there.name, there.symbol, there.decimals,
                                               need[token.symbol], at=there.address)
    weth_contract = client.contract(weth, artifacts.canonical("WETH9").abi)
    d.send("wrap ETH", weth_contract, "deposit", value=need["WETH"])
    erc20_abi = demo_token.abi
    for symbol, address in addresses.items():
        d.send(f"approve {symbol}", client.contract(address, erc20_abi), "approve",
               position_manager, MAX_UINT256)
    d.verify()

    progress(f"Creating {len(pools)} Uniswap V3 pools with liquidity…", 0.35)
    manager = client.contract(position_manager, npm_artifact.abi)
    pool_rows = []
    for plan in pools:
        a, b = by_symbol[plan.token], by_symbol[plan.quote]
        addr_a, addr_b = addresses[a.symbol], addresses[b.symbol]
        t0, t1 = (a, b) if int(addr_a, 16) < int(addr_b, 16) else (b, a)
        addr0, addr1 = addresses[t0.symbol], addresses[t1.symbol]
        sqrt_price = liquidity.sqrt_price_x96(t0.price_usd, t0.decimals, t1.price_usd, t1.decimals)
        d.send(f"create {a.symbol}/{b.symbol} {plan.fee}", manager,
               "createAndInitializePoolIfNecessary", addr0, addr1, plan.fee, sqrt_price)
        lower, upper = liquidity.full_range_ticks(plan.fee)
        amount0 = liquidity.base_units(plan.depth_usd, t0.price_usd, t0.decimals)
        amount1 = liquidity.base_units(plan.depth_usd, t1.price_usd, t1.decimals)
        d.send(f"add liquidity {a.symbol}/{b.symbol} {plan.fee}", manager, "mint",
               (addr0, addr1, plan.fee, lower, upper, amount0, amount1, 0, 0, d.address, 2**40))
        pool_rows.append({"token": plan.token, "quote": plan.quote, "fee": plan.fee,
                          "depth_usd": str(plan.depth_usd.quantize(Decimal(1)))})
    d.verify()
    lookups = [Call(factory, factory_contract.encode_abi(
        "getPool", [addresses[p["token"]], addresses[p["quote"]], p["fee"]]), allow_failure=False)
        for p in pool_rows]
    for row, result in zip(pool_rows, client.multicall(lookups), strict=True):
        row["address"] = to_checksum_address(result.data[-20:])

    progress("Deploying ERC-4626 vaults…", 0.85)
    vault_artifact = artifacts.demo_contracts()["DemoYieldVault"]
    vault_rows = []
    for vault in vault_configs:
        asset = addresses[vault["asset"]]
        address = d.deploy(vault_artifact, asset, vault["name"], vault["symbol"], vault["apy_bps"],
                           at=vault.get("address"))
        reserve = _units(vault["yield_reserve"], by_symbol[vault["asset"]].decimals)
        d.send(f"fund {vault['name']}'s yield reserve", client.contract(asset, erc20_abi),
               "transfer", address, reserve)
        vault_rows.append({"name": vault["name"], "symbol": vault["symbol"], "address": address,
                           "asset": vault["asset"], "asset_address": asset, "apy_bps": vault["apy_bps"]})

    progress("Funding the demo account…", 0.95)
    demo = demo_account_address(demo_cfg["mnemonic_index"])
    client.rpc("anvil_setBalance", [demo, hex(_units(demo_cfg["eth"], 18))])
    for symbol, amount in demo_cfg["tokens"].items():
        d.send(f"fund the demo account with {symbol}", client.contract(addresses[symbol], erc20_abi),
               "transfer", demo, _units(amount, by_symbol[symbol].decimals))
    d.verify()

    deployment = {
        "chain_id": client.chain_id(),
        "genesis_hash": client.genesis_hash(),
        "deployed_block": client.block_number(),
        "market_snapshot_as_of": as_of,
        "contracts": {"weth": weth, "factory": factory, "swap_router": swap_router, "quoter": quoter,
                      "position_manager": position_manager, "multicall3": MULTICALL3_ADDRESS,
                      "universal_router": universal_router},
        "tokens": [_token_row(t, addresses[t.symbol], layout) for t in snapshot],
        "pools": pool_rows,
        "vaults": vault_rows,
        "demo_account": demo,
        "demo_account_mnemonic_index": demo_cfg["mnemonic_index"],
    }
    if layout is not None:
        deployment["replica"] = replica.key
        deployment["skipped_tokens"] = layout.skipped
        if replica.adds_l1_data_fee:
            deployment["l1_fee"] = config["replica_l1_fee"]
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(deployment, indent=2))
    tmp.replace(out)
    return deployment


def _token_row(token: SnapshotToken, address: str, layout) -> dict:
    row = {"symbol": token.symbol, "name": token.name, "address": address,
           "decimals": token.decimals, "price_usd": str(token.price_usd)}
    if layout is not None:  # the network's own name for it (cbBTC for BTC on Base...)
        there = layout.tokens[token.symbol]
        row.update(symbol=there.symbol, name=there.name, snapshot_symbol=token.symbol)
    return row


DEPOSITOR_ACCOUNT = "0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001"  # the OP-stack system sender
L1_BLOCK = "0x4200000000000000000000000000000000000015"


def install_op_fee_predeploys(client: ChainClient, prices: dict) -> None:
    """The GasPriceOracle and L1Block predeploys of contracts-bedrock at their addresses, on
    the Fjord fee rules, with L1 prices from devnet.json.

    The oracle's Ecotone and Fjord switches are flipped by its own setEcotone/setFjord, sent
    from the depositor account as the upgrade transactions do. The L1 prices are written into
    L1Block's storage at the slots its compiler reports, which is what the sequencer's
    per-L1-block deposit (setL1BlockValuesEcotone) writes."""
    from app.chain.l1_fee import GAS_PRICE_ORACLE

    oracle, l1_block = artifacts.predeploy("GasPriceOracle"), artifacts.predeploy("L1Block")
    client.rpc("anvil_setCode", [GAS_PRICE_ORACLE, oracle.runtime])
    client.rpc("anvil_setCode", [L1_BLOCK, l1_block.runtime])
    client.rpc("anvil_impersonateAccount", [DEPOSITOR_ACCOUNT])
    client.rpc("anvil_setBalance", [DEPOSITOR_ACCOUNT, hex(10**18)])
    contract = client.contract(GAS_PRICE_ORACLE, oracle.abi)
    for switch in ("setEcotone", "setFjord"):
        tx = {"from": DEPOSITOR_ACCOUNT, "to": GAS_PRICE_ORACLE, "data": contract.encode_abi(switch, []),
              "gas": 200_000}
        if client.wait_for_receipt(client.send_transaction(tx))["status"] != 1:
            raise DevnetError(f"GasPriceOracle.{switch}() failed on the replica")
    client.rpc("anvil_stopImpersonatingAccount", [DEPOSITOR_ACCOUNT])
    values = {"basefee": int(prices["l1_base_fee_wei"]), "blobBaseFee": int(prices["blob_base_fee_wei"]),
              "baseFeeScalar": int(prices["base_fee_scalar"]),
              "blobBaseFeeScalar": int(prices["blob_base_fee_scalar"])}
    words: dict[int, int] = {}
    for label, value in values.items():
        slot, offset = l1_block.storage[label]
        words[slot] = words.get(slot, 0) | value << (8 * offset)
    for slot, word in words.items():
        client.rpc("anvil_setStorageAt", [L1_BLOCK, hex(slot), "0x" + word.to_bytes(32, "big").hex()])


def _universal_router_parameters(weth: str, factory: str) -> tuple:
    """The Universal Router's constructor ``RouterParameters``, for V3 swaps paid in ETH only.

    - permit2 = the zero address (code-less; the constructor only stores it): Permit2 ships
      on npm as source only, and ETH input never touches it. A swap with payerIsUser = true
      or PERMIT2_TRANSFER_FROM calls ``transferFrom`` on a code-less address, which reverts
      (Solidity checks for code before a call that returns nothing), so nothing can be pulled
      from a wallet through this router; the PERMIT2_PERMIT commands become no-ops.
    - v3 factory + pool init code hash = the deployed factory's: keccak256 of the npm
      UniswapV3Pool creation code (what the factory CREATE2-deploys), checked against
      v3-periphery's hard-coded POOL_INIT_CODE_HASH, which SwapRouter02 and QuoterV2 use.
    - V2 factory/pair hash, V4 pool manager, both position managers, Across spoke pool =
      zero: the demo routes through V3 only (the constructor only stores these).
    """
    pool_code = HexBytes(artifacts.canonical("UniswapV3Pool").bytecode)
    init_code_hash = keccak(pool_code)
    if init_code_hash != bytes(HexBytes(V3_POOL_INIT_CODE_HASH)):
        raise DevnetError("the npm UniswapV3Pool bytecode no longer matches v3-periphery's "
                          "POOL_INIT_CODE_HASH; the routers could not find the pools")
    return (ZERO_ADDRESS, weth, ZERO_ADDRESS, factory, ZERO_HASH, init_code_hash,
            ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS)


def _units(amount: str, decimals: int) -> int:
    return int(Decimal(amount) * (Decimal(10) ** decimals))

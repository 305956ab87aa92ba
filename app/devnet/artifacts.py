"""ABIs and creation bytecode of every contract the demo network deploys.

Canonical contracts come unmodified from their npm packages; the demo's own token and vault
(resources/solidity) are compiled once with the pinned solc-js and cached by source hash.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.devnet.toolchain import ensure_installed, node_modules, toolchain_dir
from app.errors import DevnetError
from app.paths import resources_dir


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list
    bytecode: str  # 0x-prefixed creation code


# name -> path inside node_modules (all hardhat/truffle artifacts with "abi" and "bytecode")
CANONICAL = {
    "WETH9": "@uniswap/v2-periphery/build/WETH9.json",
    "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    "UniswapV3Pool": "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
    "NonfungiblePositionManager": "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
    "SwapRouter02": "@uniswap/swap-router-contracts/artifacts/contracts/SwapRouter02.sol/SwapRouter02.json",
    "QuoterV2": "@uniswap/swap-router-contracts/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
    "UniversalRouter": "@uniswap/universal-router/artifacts/contracts/UniversalRouter.sol/UniversalRouter.json",
}
# OP-stack predeploys (runtime code: they sit at fixed addresses from genesis)
PREDEPLOYS = {
    "GasPriceOracle": "@eth-optimism/contracts-bedrock/forge-artifacts/GasPriceOracle.sol/GasPriceOracle.json",
    "L1Block": "@eth-optimism/contracts-bedrock/forge-artifacts/L1Block.sol/L1Block.json",
}
DEMO_SOURCES = ("DemoToken.sol", "DemoYieldVault.sol")


def canonical(name: str) -> Artifact:
    path = ensure_installed() / CANONICAL[name]
    data = json.loads(path.read_text())
    bytecode = data["bytecode"] if isinstance(data["bytecode"], str) else data["bytecode"]["object"]
    if not bytecode.startswith("0x"):
        bytecode = "0x" + bytecode
    return Artifact(name, data["abi"], bytecode)


@dataclass(frozen=True)
class Predeploy:
    name: str
    abi: list
    runtime: str               # 0x-prefixed deployed bytecode
    storage: dict[str, tuple[int, int]]  # variable -> (slot, byte offset), from the compiler


def predeploy(name: str) -> Predeploy:
    data = json.loads((ensure_installed() / PREDEPLOYS[name]).read_text())
    layout = {entry["label"]: (int(entry["slot"]), int(entry["offset"]))
              for entry in data["storageLayout"]["storage"]}
    runtime = data["deployedBytecode"]["object"]
    return Predeploy(name, data["abi"], runtime if runtime.startswith("0x") else "0x" + runtime, layout)


def multicall3_creation_code() -> str:
    """Multicall3's creation bytecode as viem ships it (the canonical deployment's)."""
    text = (ensure_installed() / "viem/_esm/constants/contracts.js").read_text()
    match = re.search(r"multicall3Bytecode\s*=\s*'(0x[0-9a-fA-F]+)'", text)
    if not match:
        raise DevnetError("viem no longer ships Multicall3's bytecode where expected")
    return match.group(1)


def demo_contracts() -> dict[str, Artifact]:
    """DemoToken and DemoYieldVault, compiled (once per source change) with the pinned solc."""
    solidity = resources_dir() / "solidity"
    return compiled({name: (solidity / name).read_text() for name in DEMO_SOURCES})


def compiled(sources: dict[str, str], prefix: str = "demo-contracts") -> dict[str, Artifact]:
    """``{"Name.sol": source}`` (one contract ``Name`` per file; imports resolved in the pinned
    npm packages) compiled with the pinned solc-js, cached by source hash."""
    digest = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()[:16]
    cached = toolchain_dir() / f"{prefix}-{digest}.json"
    if not cached.exists():
        ensure_installed()
        _compile(sources, cached)
    data = json.loads(cached.read_text())
    return {name: Artifact(name, entry["abi"], entry["bytecode"]) for name, entry in data.items()}


def _compile(sources: dict[str, str], out: Path) -> None:
    node = shutil.which("node")
    if node is None:
        raise DevnetError("The demo network needs Node.js to compile its demo contracts.")
    script = Path(__file__).with_name("compile_demo.js")
    result = subprocess.run(
        [node, str(script)], input=json.dumps({"sources": sources}), capture_output=True,
        text=True, env={"NODE_PATH": str(node_modules()), "PATH": "/usr/bin:/bin"}, timeout=300,
    )
    if result.returncode != 0:
        raise DevnetError(f"compiling the demo contracts failed: {result.stderr.strip()[-500:]}")
    output = json.loads(result.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise DevnetError("compiling the demo contracts failed:\n" + "\n".join(errors))
    contracts = {}
    for source in sources:
        name = source.removesuffix(".sol")
        entry = output["contracts"][source][name]
        contracts[name] = {"abi": entry["abi"], "bytecode": "0x" + entry["evm"]["bytecode"]["object"]}
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(contracts))
    tmp.replace(out)

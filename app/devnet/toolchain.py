"""The pinned npm packages the demo network needs, installed into the shared cache on first use.

A pip-installed Basketry has no node_modules of its own, so the app installs them itself, once,
into ``cache_home()/npm-<hash of the pins>`` and reports progress while it does. Changing a pin
changes the hash, so a new set installs beside the old one instead of mixing versions.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from app.errors import DevnetError
from app.paths import cache_home

# Exact versions: the contracts' bytecode (and so every address and gas figure) depends on them.
PINNED_PACKAGES: dict[str, str] = {
    "@foundry-rs/anvil-linux-amd64": "1.7.1",   # the chain (a static binary inside the tarball)
    "@uniswap/v3-core": "1.0.1",                # UniswapV3Factory (+ pool bytecode)
    "@uniswap/v3-periphery": "1.4.4",           # NonfungiblePositionManager
    "@uniswap/swap-router-contracts": "1.3.1",  # SwapRouter02, QuoterV2
    "@uniswap/universal-router": "2.1.0",       # UniversalRouter (ETH-in baskets: wrap once)
    "@uniswap/v2-periphery": "1.1.0-beta.0",    # WETH9 (build/WETH9.json)
    "@openzeppelin/contracts": "5.7.0",         # ERC20, ERC4626 sources for the demo tokens/vaults
    "solc": "0.8.37",                           # solc-js (WASM) to compile them
    "viem": "2.57.20",                          # ships Multicall3's creation bytecode
    "@eth-optimism/contracts-bedrock": "0.17.3",  # GasPriceOracle + L1Block (OP-stack replicas)
    "solmate": "6.8.0",                         # Solmate's ERC4626 (tests: the donation front-run)
}

Progress = Callable[[str, float | None], None]


def _no_progress(message: str, fraction: float | None) -> None:
    pass


def toolchain_dir() -> Path:
    digest = hashlib.sha256(json.dumps(PINNED_PACKAGES, sort_keys=True).encode()).hexdigest()[:12]
    return cache_home() / f"npm-{digest}"


def node_modules() -> Path:
    return toolchain_dir() / "node_modules"


def anvil_binary() -> Path:
    return node_modules() / "@foundry-rs/anvil-linux-amd64/bin/anvil"


def is_installed() -> bool:
    return (toolchain_dir() / ".complete").exists()


def ensure_installed(progress: Progress = _no_progress) -> Path:
    """Install the pinned packages if they are not there yet; return the node_modules path.

    Safe to call from several processes at once (a file lock serialises the install).
    Raises DevnetError when npm is missing, the platform has no anvil build, or npm fails.
    """
    if is_installed():
        return node_modules()
    if os.uname().sysname != "Linux" or os.uname().machine not in ("x86_64", "amd64"):
        raise DevnetError(
            "The demo network needs anvil, and its npm package exists only for Linux x86-64. "
            "Connect to another network in Settings instead."
        )
    npm = shutil.which("npm")
    if npm is None:
        raise DevnetError("The demo network needs Node.js and npm (https://nodejs.org); install them and retry.")
    target = toolchain_dir()
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be installing: wait for it
        if is_installed():
            return node_modules()
        (target / "package.json").write_text(json.dumps(
            {"name": "basketry-devnet-toolchain", "private": True,
             "dependencies": PINNED_PACKAGES}, indent=2))
        progress(f"Installing the demo network's contracts and chain from npm ({len(PINNED_PACKAGES)} packages)…", None)
        # --legacy-peer-deps: swap-router-contracts would otherwise drag in Hardhat (457 MB).
        # --ignore-scripts: nothing we use needs an install script; none runs.
        command = [npm, "install", "--no-audit", "--no-fund", "--legacy-peer-deps",
                   "--ignore-scripts", "--loglevel=http", "--prefix", str(target)]
        process = subprocess.Popen(command, cwd=target, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        fetched, tail = 0, []
        assert process.stdout is not None
        for line in process.stdout:
            tail = (tail + [line.rstrip()])[-15:]
            if "http fetch GET 200" in line and ".tgz" in line:
                fetched += 1
                name = line.split("/-/")[-1].split(" ")[0] if "/-/" in line else "package"
                progress(f"Downloaded {name}", None)
        if process.wait() != 0:
            raise DevnetError("npm install of the demo network's packages failed:\n" + "\n".join(tail))
        if not anvil_binary().exists():
            raise DevnetError(f"npm finished but the anvil binary is missing at {anvil_binary()}")
        (target / ".complete").write_text(json.dumps(PINNED_PACKAGES))
        progress(f"Installed the demo network's packages ({fetched} downloads).", 1.0)
    return node_modules()

"""The anvil process behind the demo network: start (detached), find, stop.

One data directory has at most one devnet. Its files live in ``home/devnet/``:
``state.json`` (anvil's own state dump: accounts, contracts, blocks), ``node.json`` (pid and
port of the running process), ``anvil.log``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from app.chain.status import probe_status
from app.devnet.toolchain import anvil_binary
from app.errors import DevnetError

CHAIN_ID = 31337
BLOCK_TIMESTAMP_INTERVAL = 12  # seconds between consecutive block timestamps, always
DEFAULT_PORT = 8545
STATE_DUMP_INTERVAL = 5        # seconds: the most a killed anvil can lose
# The block gas limit of mainnet today; per-transaction gas is capped by the app (FACTS.md).
BLOCK_GAS_LIMIT = 36_000_000


@dataclass(frozen=True)
class NodeInfo:
    pid: int
    port: int
    block_time: int | None  # seconds of interval mining, None for mining on transactions only

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class AnvilNode:
    def __init__(self, devnet_dir: Path, chain_id: int = CHAIN_ID, optimism: bool = False):
        self.dir = devnet_dir
        self.chain_id = chain_id
        self.optimism = optimism  # OP-stack rules: the node charges the L1 data fee
        self.state_file = devnet_dir / "state.json"
        self.node_file = devnet_dir / "node.json"
        self.log_file = devnet_dir / "anvil.log"

    # --- queries -------------------------------------------------------------------------
    def running(self) -> NodeInfo | None:
        """The live node of this directory, or None (stale node.json files are removed)."""
        try:
            info = NodeInfo(**json.loads(self.node_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if _is_our_anvil(info.pid) and probe_status("demo", info.rpc_url, timeout=2).connected:
            return info
        if not _is_our_anvil(info.pid):
            self.node_file.unlink(missing_ok=True)
        return None

    # --- actions -------------------------------------------------------------------------
    def start(self, port: int | None = None, block_time: int | None = None,
              timeout: float = 20.0) -> NodeInfo:
        """Start anvil on 127.0.0.1 (loading the saved state if any) and wait until it answers.

        ``block_time``: also mine an empty block every that many seconds (transactions are still
        mined at once), so chain time moves like a real chain's while the app is open.
        Raises DevnetError if the binary is missing, the port is taken, or it does not come up.
        """
        binary = anvil_binary()
        if not binary.exists():
            raise DevnetError("anvil is not installed; run `basketry devnet start` to install it")
        self.dir.mkdir(parents=True, exist_ok=True)
        prune_stale_genesis(self.state_file)
        port = port or (DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port())
        log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        command = [
            str(binary), "--host", "127.0.0.1", "--port", str(port),
            "--chain-id", str(self.chain_id), "--gas-limit", str(BLOCK_GAS_LIMIT),
            "--state", str(self.state_file), "--state-interval", str(STATE_DUMP_INTERVAL),
            "--max-persisted-states", "0",
        ]
        if self.optimism:
            command += ["--network", "optimism"]
        if block_time:
            command += ["--mixed-mining", "--block-time", str(block_time)]
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        info = NodeInfo(pid=process.pid, port=port, block_time=block_time)
        deadline = time.monotonic() + timeout
        while not probe_status("demo", info.rpc_url, timeout=1).connected:
            if process.poll() is not None:
                with open(self.log_file, "rb") as log:
                    log.seek(log_start)
                    said = log.read().decode(errors="replace")
                if "in use" in said:
                    raise DevnetError(f"port {port} on 127.0.0.1 is already in use; choose another with --port")
                raise DevnetError(f"anvil exited at start (code {process.returncode}): "
                                  f"{said.strip()[-300:] or 'no output'}")
            if time.monotonic() > deadline:
                process.kill()
                raise DevnetError(f"anvil did not answer within {timeout:.0f} s; see {self.log_file}")
            time.sleep(0.02)
        tmp = self.node_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(info)))
        tmp.replace(self.node_file)
        return info

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the node, letting anvil write its state first. True if one was running."""
        info = self.running()
        if info is None:
            return False
        os.kill(info.pid, signal.SIGTERM)  # anvil dumps --state on SIGTERM
        deadline = time.monotonic() + timeout
        while _is_our_anvil(info.pid) and time.monotonic() < deadline:
            _reap(info.pid)
            time.sleep(0.02)
        if _is_our_anvil(info.pid):
            os.kill(info.pid, signal.SIGKILL)
        self.node_file.unlink(missing_ok=True)
        return True


def prune_stale_genesis(state_file: Path) -> int:
    """Drop the extra block-0 entries from anvil's state dump; return how many.

    anvil makes a fresh genesis block at every start and its dump keeps them all next to the
    loaded chain's own. On load, whichever block 0 comes last wins, and the dump's order is a
    hash map's: after two or three restarts the chain came back with another genesis hash (so
    the demo network was redeployed: balances and history gone). The chain's genesis is the
    oldest one: every later start made its own at a later wall-clock time.
    """
    if not state_file.exists():
        return 0
    try:
        state = json.loads(state_file.read_text())
        blocks = state["blocks"]
        genesis = [b for b in blocks if int(b["header"]["number"], 16) == 0]
    except (ValueError, KeyError, TypeError):
        return 0  # not a dump we understand: anvil reports it loudly at start
    if len(genesis) < 2:
        return 0
    keep = min(genesis, key=lambda b: int(b["header"]["timestamp"], 16))
    state["blocks"] = [b for b in blocks if int(b["header"]["number"], 16) != 0 or b is keep]
    tmp = state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(state_file)
    return len(genesis) - 1


def _is_our_anvil(pid: int) -> bool:
    _reap(pid)
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return b"anvil" in cmdline and state != "Z"


def _reap(pid: int) -> None:
    """Collect the exit status if the process is our child (else it lingers as a zombie)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

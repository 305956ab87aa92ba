"""A tall chain for history tests and the history benchmark: anvil started at a high genesis
block number (``--number``; mining millions of blocks is not possible: anvil_mine slows down
with every block, ~1.6 s for the first 1,000 and ~160 s for 10,000 in one call), two demo ERC-20
tokens, and Transfer activity of fresh addresses at chosen heights above the genesis. Put a
``LimitedNode(empty_below=genesis)`` in front for the empty past below it.

``ChainSession`` is built directly (``ChainSession.open`` reads block 0, which this chain does
not have); the scan only needs its client, store and chain key.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from app.chain.client import ChainClient
from app.connection import Connection
from app.devnet import artifacts
from app.devnet.toolchain import anvil_binary
from app.networks import get_network
from app.session import ChainSession, Token
from app.store import Store
from app.tx.journal import ChainKey, Journal

_TRANSFER = function_signature_to_4byte_selector("transfer(address,uint256)")


@dataclass
class TallChain:
    genesis: int
    port: int
    process: subprocess.Popen | None = None
    deployer: str = ""
    token: str = ""            # known to the session (its list of tokens)
    unknown_token: str = ""    # not in that list
    people: dict[str, str] = field(default_factory=dict)  # name -> address

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> TallChain:
        # --prune-history N keeps N states in memory: every block's state stays queryable
        self.process = subprocess.Popen(
            [str(anvil_binary()), "--host", "127.0.0.1", "--port", str(self.port), "--silent",
             "--number", str(self.genesis), "--prune-history", "1000000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = ChainClient(self.rpc_url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.chain_id()
                break
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.05)
        self.client = client
        self.deployer = to_checksum_address(client.rpc("eth_accounts")[0])
        self.token = self._deploy("Known", "KNW")
        self.unknown_token = self._deploy("Unknown", "UNK")
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    # --- activity -------------------------------------------------------------------------
    def person(self, name: str) -> str:
        if name not in self.people:
            self.people[name] = Account.create().address
        return self.people[name]

    def mine_to(self, block: int) -> None:
        """Empty blocks up to ``block - 1``: the next transaction is mined in ``block``."""
        head = self.client.block_number()
        if block - 1 > head:
            self.client.rpc("anvil_mine", [hex(block - 1 - head)])

    def send_eth(self, to: str, wei: int = 10**18) -> int:
        return self._send({"from": self.deployer, "to": to, "value": wei})

    def send_token(self, sender: str, to: str, amount: int, token: str | None = None) -> int:
        if sender != self.deployer:
            self.client.rpc("anvil_impersonateAccount", [sender])
        data = _TRANSFER + encode(["address", "uint256"], [to, amount])
        return self._send({"from": sender, "to": token or self.token, "data": "0x" + data.hex()})

    def _send(self, tx: dict) -> int:
        receipt = self.client.wait_for_receipt(self.client.send_transaction(tx))
        assert receipt["status"] == 1
        return int(receipt["blockNumber"])

    def _deploy(self, name: str, symbol: str) -> str:
        token = artifacts.demo_contracts()["DemoToken"]
        data = self.client.w3.eth.contract(abi=token.abi, bytecode=token.bytecode).constructor(
            name, symbol, 18, 10**9 * 10**18).data_in_transaction
        receipt = self.client.wait_for_receipt(self.client.send_transaction(
            {"from": self.deployer, "data": data, "gas": 5_000_000}))
        return to_checksum_address(receipt["contractAddress"])

    # --- the app's side -----------------------------------------------------------------------
    def session(self, home: Path, store: Store, rpc_url: str) -> ChainSession:
        """A session on this chain through ``rpc_url`` (the proxy), knowing ``token`` only."""
        client = ChainClient(rpc_url, timeout=60)
        genesis_hash = "0x" + bytes(client.block(self.genesis)["hash"]).hex()
        network = get_network("demo")
        connection = Connection(network, client, client.chain_id(), genesis_hash)
        journal = Journal(store, ChainKey(connection.chain_id, genesis_hash))
        return ChainSession(home, network, store, connection, journal, [Token("KNW", self.token, 18)], [])


def transfers_on_chain(client: ChainClient, addresses: list[str], from_block: int) -> set[tuple]:
    """Every Transfer log from or to ``addresses``, read straight from the node (no limit)."""
    wanted = {a.lower() for a in addresses}
    found = set()
    for log in client.rpc("eth_getLogs", [{"fromBlock": hex(from_block), "toBlock": "latest"}]):
        topics = log["topics"]
        if len(topics) != 3:
            continue
        sender, receiver = "0x" + topics[1][-40:], "0x" + topics[2][-40:]
        if sender in wanted or receiver in wanted:
            found.add((log["transactionHash"].lower(), int(log["logIndex"], 16), to_checksum_address(log["address"]),
                       to_checksum_address(sender), to_checksum_address(receiver), str(int(log["data"], 16)),
                       int(log["blockNumber"], 16)))
    return found


def stored_transfers(store: Store, addresses: list[str]) -> list[tuple]:
    marks = ",".join("?" * len(addresses))
    return [tuple(row) for row in store.db.execute(
        "SELECT tx_hash, log_index, token_address, from_address, to_address, amount, block FROM transfers"
        f" WHERE from_address IN ({marks}) OR to_address IN ({marks})", [*addresses, *addresses]).fetchall()]

"""Vaults that exist only in tests, deployed on the session devnet, and the donation front-run.

The Solidity is in tests/support/solidity (a concrete Solmate ERC4626 over npm solmate 6.8.0,
OpenZeppelin 5's ERC4626 with no decimals offset, an ERC4626Fees-style vault), compiled with the
app's pinned solc-js (app.devnet.artifacts.compiled), cached by source hash.
"""

from __future__ import annotations

from pathlib import Path

from eth_abi import encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector as selector
from eth_utils import to_checksum_address

from app.chain.client import ChainClient
from app.devnet.artifacts import compiled

SOLIDITY = Path(__file__).with_name("solidity")
DONATION = 600 * 10**6      # the attacker's 600 USDC, sent straight to the vault
SEED_UNITS = 1              # the attacker's own deposit first: one unit of USDC, one share unit


def artifacts():
    return compiled({p.name: p.read_text() for p in sorted(SOLIDITY.glob("*.sol"))}, "test-vaults")


def usdc(deployment: dict) -> str:
    return next(t["address"] for t in deployment["tokens"] if t["symbol"] == "USDC")


def send(chain: ChainClient, sender: str, to: str | None, data: bytes) -> dict:
    chain.rpc("anvil_impersonateAccount", [sender])
    tx = {"from": sender, "data": "0x" + data.hex()}
    if to is not None:
        tx["to"] = to
    receipt = chain.wait_for_receipt(chain.send_transaction(tx))
    assert receipt["status"] == 1, f"test transaction failed: {receipt}"
    return receipt


def deploy_vault(chain: ChainClient, deployment: dict, name: str, *args) -> str:
    """``name``: SolmateTestVault | OzPlainTestVault (args: none; the asset is USDC) or
    FeeTestVault (args: entry bps, exit bps, fee recipient)."""
    artifact = artifacts()[name]
    types = {"FeeTestVault": ["address", "uint256", "uint256", "address"]}.get(name, ["address"])
    data = bytes.fromhex(artifact.bytecode[2:]) + encode(types, [usdc(deployment), *args])
    receipt = send(chain, deployment["demo_account"], None, data)
    return to_checksum_address(receipt["contractAddress"])


def fund_usdc(chain: ChainClient, deployment: dict, to: str, amount: int) -> None:
    send(chain, deployment["demo_account"], usdc(deployment),
         selector("transfer(address,uint256)") + encode(["address", "uint256"], [to, amount]))


def balance_of(chain: ChainClient, token: str, owner: str) -> int:
    return int.from_bytes(chain.call({"to": token, "data": "0x" + (
        selector("balanceOf(address)") + encode(["address"], [owner])).hex()}), "big")


def view(chain: ChainClient, vault: str, signature: str, value: int) -> int:
    return int.from_bytes(chain.call({"to": vault, "data": "0x" + (
        selector(signature) + encode(["uint256"], [value])).hex()}), "big")


def front_run(chain: ChainClient, deployment: dict, vault: str, donation: int = DONATION) -> str:
    """Another funded account deposits one unit (one share unit), then sends ``donation`` USDC
    straight to the vault: its share price jumps. Returns the attacker's address."""
    attacker = Account.create().address
    chain.rpc("anvil_setBalance", [attacker, hex(10**18)])
    fund_usdc(chain, deployment, attacker, donation + SEED_UNITS)
    token = usdc(deployment)
    send(chain, attacker, token, selector("approve(address,uint256)") + encode(["address", "uint256"], [vault, SEED_UNITS]))
    send(chain, attacker, vault, selector("deposit(uint256,address)") + encode(["uint256", "address"], [SEED_UNITS, attacker]))
    send(chain, attacker, token, selector("transfer(address,uint256)") + encode(["address", "uint256"], [vault, donation]))
    return attacker

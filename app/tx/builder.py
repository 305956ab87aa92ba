"""Building the exact transaction to sign, and simulating it first."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from app.chain.client import ChainClient
from app.errors import BasketryError, ContractReverted
from app.tx.fees import Fees, suggest_fees
from app.tx.journal import Journal
from wallet.signer import MAX_TX_GAS

GAS_MARGIN_NUM, GAS_MARGIN_DEN = 6, 5  # estimates get 20% headroom (state may move a little)


class TransactionTooLarge(BasketryError):
    """The transaction needs more gas than one transaction may use."""


def next_nonce(client: ChainClient, journal: Journal, account: str) -> int:
    """The node's pending count, but never below what the journal has already signed."""
    with_node = int(client.rpc("eth_getTransactionCount", [account, "pending"]), 16)
    return max(with_node, journal.next_nonce_floor(account))


def build_transaction(client: ChainClient, journal: Journal, chain_id: int, sender: str, to: str | None,
                      value: int = 0, data: bytes | str = b"", gas: int | None = None,
                      fees: Fees | None = None, nonce: int | None = None) -> dict[str, Any]:
    """A complete EIP-1559 transaction dict, simulated: raises ContractReverted (with the
    decoded reason) if it would revert, TransactionTooLarge above the per-transaction cap."""
    sender = to_checksum_address(sender)
    data_hex = data if isinstance(data, str) else "0x" + data.hex()
    tx: dict[str, Any] = {"chainId": chain_id, "from": sender, "value": int(value), "data": data_hex}
    if to is not None:
        tx["to"] = to_checksum_address(to)
    simulate(client, tx)
    if gas is None:
        estimate = client.estimate_gas(tx)
        if estimate > MAX_TX_GAS:
            raise TransactionTooLarge(
                f"this transaction needs {estimate:,} gas, above the {MAX_TX_GAS:,} a transaction may use")
        gas = min(estimate * GAS_MARGIN_NUM // GAS_MARGIN_DEN, MAX_TX_GAS)
    fees = fees or suggest_fees(client)
    tx.update({
        "gas": int(gas),
        "maxFeePerGas": fees.max_fee_per_gas,
        "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        "nonce": next_nonce(client, journal, sender) if nonce is None else nonce,
        "type": 2,
    })
    return tx


def simulate(client: ChainClient, tx: dict[str, Any]) -> bytes:
    """``eth_call`` of the exact transaction; a revert raises ContractReverted."""
    call = {k: tx[k] for k in ("from", "to", "value", "data") if k in tx}
    try:
        return client.call(call, "pending")
    except ContractReverted as exc:
        raise ContractReverted(f"the transaction would fail: {exc.reason or exc}", exc.reason) from exc

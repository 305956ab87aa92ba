"""One interface for every way of signing: local key, Ledger, Trezor (air-gapped signing
produces the same ``SignedTransaction`` from a file)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_utils import keccak, to_checksum_address

from wallet.errors import SigningRefused
from wallet.prompts import Prompts

# Newer mainnet rules (EIP-7825) cap one transaction at 2**24 gas; anvil does not enforce it.
MAX_TX_GAS = 16_777_216


@dataclass(frozen=True)
class SignedTransaction:
    raw: bytes           # the signed, serialised transaction (what eth_sendRawTransaction takes)
    hash: str            # 0x-hex transaction hash
    sender: str          # checksummed address it recovers to


class Signer(ABC):
    """Subclasses implement the ``_sign_*`` methods; the base class owns the guards."""

    kind: str = ""

    def __init__(self, address: str):
        self.address = to_checksum_address(address)

    def sign_transaction(self, tx: dict[str, Any], expected_chain_id: int, prompts: Prompts) -> SignedTransaction:
        """Sign ``tx`` (a web3-style dict with chainId, nonce, gas, fees, to, value, data).

        Refuses (SigningRefused) a transaction whose chainId is missing or differs from the
        chain the app verified, or whose gas exceeds MAX_TX_GAS; checks that the signature
        recovers to this signer's address. May raise UserCancelled.
        """
        chain_id = tx.get("chainId")
        if chain_id is None or int(chain_id) != int(expected_chain_id):
            raise SigningRefused(
                f"refusing to sign for chain id {chain_id}: the connected network is chain id {expected_chain_id}")
        if int(tx.get("gas", 0)) > MAX_TX_GAS:
            raise SigningRefused(f"refusing to sign: gas {tx['gas']:,} is above the {MAX_TX_GAS:,} per-transaction cap")
        if "from" in tx and to_checksum_address(tx["from"]) != self.address:
            raise SigningRefused(f"this transaction is from {tx['from']}, not {self.address}")
        signed = self._sign_transaction({k: v for k, v in tx.items() if k != "from"}, prompts)
        sender = Account.recover_transaction(signed.raw)
        if sender != self.address:
            raise SigningRefused(f"the signature recovers to {sender}, not {self.address}: not sent")
        return signed

    def sign_message(self, message: bytes, prompts: Prompts) -> bytes:
        """EIP-191 personal_sign; returns the 65-byte signature (r, s, v with v in {27, 28})."""
        return self._sign_message(message, prompts)

    def sign_typed_data(self, typed_data: dict[str, Any], prompts: Prompts) -> bytes:
        """EIP-712 full message (domain, types, primaryType, message); 65-byte signature."""
        return self._sign_typed_data(typed_data, prompts)

    @abstractmethod
    def _sign_transaction(self, tx: dict[str, Any], prompts: Prompts) -> SignedTransaction: ...

    @abstractmethod
    def _sign_message(self, message: bytes, prompts: Prompts) -> bytes: ...

    @abstractmethod
    def _sign_typed_data(self, typed_data: dict[str, Any], prompts: Prompts) -> bytes: ...


def transaction_hash(raw: bytes) -> str:
    return "0x" + keccak(raw).hex()

"""Signing with a key kept on this computer (decrypted from the OS keyring, held in memory
only while unlocked).

The app shows the user what will be signed (``prompts.confirm``) BEFORE calling
``sign_transaction``; this signer does not ask again. Nothing here prints, logs or puts the
key in a message or repr.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from wallet.errors import WalletError
from wallet.keys import hd, keystore
from wallet.keys.keyring_vault import KeyringVault
from wallet.prompts import Prompts
from wallet.signer import SignedTransaction, Signer, transaction_hash

LOCKED_MESSAGE = "this account is locked: unlock it with its password, then sign again"


class LocalSigner(Signer):
    kind = "local"

    def __init__(self, private_key: bytes, *, derivation_path: str | None = None):
        key = bytearray(private_key)
        try:
            address = Account.from_key(bytes(key)).address
        except Exception:  # eth-keys' messages are safe, but say nothing about the bytes at all
            raise WalletError("not a valid private key (32 bytes, 1 to n-1)") from None
        super().__init__(address)
        self.derivation_path = derivation_path
        self._key: bytearray | None = key

    # --- unlocking ---------------------------------------------------------------------------
    @classmethod
    def unlock(cls, vault: KeyringVault, item_id: str, password: str, index: int = 0,
               passphrase: str = "") -> LocalSigner:
        """Decrypt the keyring item ``item_id``; for a recovery phrase, derive HD account
        ``index`` (with the BIP-39 ``passphrase``, if the user set one).
        Raises KeyringUnavailable, WrongPassword, WalletError (no such item)."""
        return cls.from_keystore(vault.load(item_id), password, index, passphrase)

    @classmethod
    def from_keystore(cls, document: str, password: str, index: int = 0,
                      passphrase: str = "") -> LocalSigner:
        """The same from a keystore document already at hand. Raises WrongPassword."""
        secret = keystore.decrypt(document, password)
        path = hd.derivation_path(index) if secret.kind == keystore.KIND_MNEMONIC else None
        return cls(secret.private_key(index, passphrase), derivation_path=path)

    def lock(self) -> None:
        """Forget the key (the buffer is zeroed; copies eth-account made are left to the GC)."""
        if self._key is not None:
            self._key[:] = bytes(len(self._key))
        self._key = None

    @property
    def is_locked(self) -> bool:
        return self._key is None

    def __enter__(self) -> LocalSigner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.lock()

    def __repr__(self) -> str:
        state = "locked" if self.is_locked else "unlocked"
        return f"LocalSigner({self.address}, {state})"

    __str__ = __repr__

    # --- signing -----------------------------------------------------------------------------
    def _sign_transaction(self, tx: dict[str, Any], prompts: Prompts) -> SignedTransaction:
        tx = dict(tx)
        if tx.get("type") in (0, "0x0", "0x00"):  # eth-account wants no type for legacy
            del tx["type"]
        signed = Account.sign_transaction(tx, self._unlocked_key())
        raw = bytes(signed.raw_transaction)
        return SignedTransaction(raw=raw, hash=transaction_hash(raw), sender=self.address)

    def _sign_message(self, message: bytes, prompts: Prompts) -> bytes:
        signable = encode_defunct(primitive=bytes(message))
        return bytes(Account.sign_message(signable, self._unlocked_key()).signature)

    def _sign_typed_data(self, typed_data: dict[str, Any], prompts: Prompts) -> bytes:
        signable = encode_typed_data(full_message=typed_data)
        return bytes(Account.sign_message(signable, self._unlocked_key()).signature)

    def _unlocked_key(self) -> bytes:
        if self._key is None:
            raise WalletError(LOCKED_MESSAGE)
        return bytes(self._key)

"""Wallet operations as the CLI and GUI call them: create, import, derive, watch, connect a
hardware wallet, export, and turn an account into a signer. Secrets go to the OS keyring,
password-encrypted; SQLite gets public data only (app.accounts)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.accounts import AccountRecord, AccountRegistry
from app.errors import InvalidInput
from app.inputs import parse_address, parse_int
from wallet.errors import DeviceError
from wallet.prompts import Prompts

# The key code (eth-account, scrypt, the OS keyring) is imported by the methods that use a key,
# so listing accounts, watching one or reading the settings stays light.
if TYPE_CHECKING:
    from app.store import Store
    from wallet.keys.keyring_vault import KeyringVault
    from wallet.signer import Signer

MIN_PASSWORD_LENGTH = 8
DEFAULT_LEDGER_DEVICE = "hid"
DEFAULT_TREZOR_DEVICE = "usb"
AUTO_LOCK_SETTING = "auto_lock_minutes"
DEFAULT_AUTO_LOCK_MINUTES = 5


@dataclass(frozen=True)
class CreatedWallet:
    account: AccountRecord
    mnemonic: str  # shown ONCE to the user, never stored in clear


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"choose a password of at least {MIN_PASSWORD_LENGTH} characters")
    return password


class WalletService:
    def __init__(self, store: Store, vault: KeyringVault | None = None):
        self.store = store
        self.accounts = AccountRegistry(store)
        self._vault = vault

    @property
    def vault(self) -> KeyringVault:
        """The OS keyring (made on first use: accounts are listed without it)."""
        if self._vault is None:
            from wallet.keys.keyring_vault import KeyringVault

            self._vault = KeyringVault()
        return self._vault

    # --- software keys ---------------------------------------------------------------------
    def create(self, label: str, password: str, words: int = 12) -> CreatedWallet:
        from wallet.keys import hd

        check_new_password(password)
        self.vault.check_backend()
        mnemonic = hd.new_mnemonic(words)
        record = self._store_mnemonic(label, mnemonic, password, index=0)
        return CreatedWallet(record, mnemonic)

    def import_mnemonic(self, label: str, mnemonic: str, password: str, index: int = 0) -> AccountRecord:
        from wallet.keys import hd

        check_new_password(password)
        self.vault.check_backend()
        return self._store_mnemonic(label, hd.validate_mnemonic(mnemonic), password, index)

    def import_private_key(self, label: str, key_hex: str, password: str) -> AccountRecord:
        from eth_account import Account

        from wallet.keys import keystore

        check_new_password(password)
        self.vault.check_backend()
        key = _parse_private_key(key_hex)
        document = keystore.encrypt_private_key(key, password)
        return self._store_document(label, Account.from_key(key).address, document, None, None)

    def import_keystore_file(self, label: str, text: str, password: str) -> AccountRecord:
        """A standard v3 keystore file, kept under the same password."""
        from wallet.keys import keystore

        self.vault.check_backend()
        document = keystore.import_keystore(text, password)
        info = keystore.read_info(document)
        return self._store_document(label, info.address, document, None, None)

    def add_hd_account(self, existing_label: str, new_label: str, password: str) -> AccountRecord:
        """The next BIP-44 account (m/44'/60'/0'/0/i) of a stored recovery phrase."""
        from eth_account import Account

        from wallet.keys import hd, keystore

        existing = self.accounts.get(existing_label)
        if existing.kind != "local" or existing.keyring_item is None:
            raise InvalidInput(f"{existing.label} is not a recovery-phrase account of this app")
        document = self.vault.load(existing.keyring_item)
        info = keystore.read_info(document)
        if info.kind != keystore.KIND_MNEMONIC:
            raise InvalidInput(f"{existing.label} was imported as a single key: it has no further accounts")
        secret = keystore.decrypt(document, password)  # checks the password
        index = info.next_index
        address = Account.from_key(secret.private_key(index)).address
        record = self.accounts.add(new_label, address, "local", derivation_path=hd.derivation_path(index),
                                   keyring_item=existing.keyring_item, hd_index=index)
        self.vault.store(existing.keyring_item, keystore.with_next_index(document, index + 1))
        return record

    def export_keystore(self, label: str, password: str) -> str:
        from wallet.keys import keystore

        record = self.accounts.get(label)
        if record.kind != "local" or record.keyring_item is None:
            raise InvalidInput(f"{record.label} holds no key in this app ({record.kind})")
        return keystore.export_keystore(self.vault.load(record.keyring_item), password,
                                        index=record.hd_index or 0)

    # --- other kinds -------------------------------------------------------------------------
    def watch(self, label: str, address: str) -> AccountRecord:
        return self.accounts.add(label, parse_address(address, "the address to watch"), "watch")

    def add_ledger(self, label: str, device: str = DEFAULT_LEDGER_DEVICE,
                   path: str = "m/44'/60'/0'/0/0") -> AccountRecord:
        from wallet.ledger.signer import LedgerSigner  # noqa: PLC0415 (only with a device)

        signer = LedgerSigner.connect(ledger_transport(device), path)
        return self.accounts.add(label, signer.address, "ledger", derivation_path=path, device=device)

    def add_trezor(self, label: str, prompts: Prompts, device: str = DEFAULT_TREZOR_DEVICE,
                   path: str = "m/44'/60'/0'/0/0") -> AccountRecord:
        from wallet.trezor.signer import TrezorSigner  # noqa: PLC0415

        signer = TrezorSigner.connect(device, path, prompts)
        return self.accounts.add(label, signer.address, "trezor", derivation_path=path, device=device)

    # --- signing -----------------------------------------------------------------------------
    def signer(self, record: AccountRecord, prompts: Prompts, password: str | None = None) -> Signer:
        """The signer of an account. A local key needs its password (WrongPassword if not)."""
        if record.kind == "watch":
            raise InvalidInput(f"{record.label} is watch-only: it cannot sign here. Export the "
                               "transaction (tx export-unsigned) and sign it on the device that holds the key.")
        if record.kind == "local":
            if password is None:
                raise InvalidInput(f"unlocking {record.label} needs its password")
            from wallet.local_signer import LocalSigner  # noqa: PLC0415

            return LocalSigner.unlock(self.vault, record.keyring_item, password, index=record.hd_index or 0)
        # A hardware account signs only if the connected device holds THIS account (another
        # device or passphrase would otherwise sign from another address without a word).
        if record.kind == "ledger":
            from wallet.ledger.signer import LedgerSigner  # noqa: PLC0415

            signer = LedgerSigner(ledger_transport(record.device or DEFAULT_LEDGER_DEVICE),
                                  record.derivation_path, record.address)
            signer.verify_device()
            return signer
        from wallet.trezor.signer import TrezorSigner  # noqa: PLC0415

        signer = TrezorSigner.connect(record.device or DEFAULT_TREZOR_DEVICE, record.derivation_path, prompts)
        if signer.address != record.address:
            raise DeviceError(f"This Trezor holds {signer.address} at {record.derivation_path}, not "
                              f"{record.address}: connect the right device or passphrase.")
        return signer

    # --- internals ---------------------------------------------------------------------------
    def _store_mnemonic(self, label: str, mnemonic: str, password: str, index: int) -> AccountRecord:
        from wallet.keys import hd, keystore

        address = hd.derive(mnemonic, index)[0]
        document = keystore.encrypt_mnemonic(mnemonic, password, next_index=index + 1)
        return self._store_document(label, address, document, hd.derivation_path(index), index)

    def _store_document(self, label: str, address: str, document: str, path: str | None,
                        index: int | None) -> AccountRecord:
        self.accounts.ensure_label_free(label)  # before anything reaches the keyring
        item = f"account-{uuid.uuid4().hex}"
        self.vault.store(item, document)
        try:
            return self.accounts.add(label, address, "local", derivation_path=path,
                                     keyring_item=item, hd_index=index)
        except Exception:
            self.vault.delete(item)  # no orphan secret in the keyring
            raise


def ledger_transport(device: str):
    """"tcp:HOST:PORT" (speculos) or "hid" (the first Ledger on USB)."""
    from wallet.ledger.transport import HidTransport, TcpTransport  # noqa: PLC0415

    if device.startswith("tcp:"):
        host, _, port = device[4:].rpartition(":")
        return TcpTransport(host or "127.0.0.1", parse_int(port, "the device's port", minimum=1, maximum=65535))
    if device == "hid":
        return HidTransport()
    raise InvalidInput(f"unknown Ledger device {device!r}: use hid or tcp:HOST:PORT")


def _parse_private_key(text: str) -> bytes:
    cleaned = text.strip().removeprefix("0x")
    try:
        key = bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidInput("a private key is 64 hex digits") from None
    if len(key) != 32:
        raise InvalidInput("a private key is 64 hex digits")
    return key


class UnlockedSigners:
    """Signers unlocked by a password, kept for a while and locked after idle minutes."""

    def __init__(self, idle_seconds: float):
        self.idle_seconds = idle_seconds
        self._signers: dict[str, tuple[Signer, float]] = {}

    def get(self, label: str) -> Signer | None:
        entry = self._signers.get(label)
        if entry is None:
            return None
        self._signers[label] = (entry[0], time.monotonic())
        return entry[0]

    def put(self, label: str, signer: Signer) -> None:
        self._signers[label] = (signer, time.monotonic())

    def lock_idle(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        idle = [label for label, (_, used) in self._signers.items() if now - used >= self.idle_seconds]
        for label in idle:
            self.lock(label)
        return idle

    def lock(self, label: str) -> None:
        signer, _ = self._signers.pop(label, (None, 0))
        if signer is not None and hasattr(signer, "lock"):
            signer.lock()

    def lock_all(self) -> None:
        for label in list(self._signers):
            self.lock(label)

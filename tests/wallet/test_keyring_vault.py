"""The OS keyring: a real Secret Service (gnome-keyring-daemon on a private bus), locked and
unlocked, no D-Bus at all, and the backends Basketry refuses."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from wallet.errors import KeyringUnavailable, WalletError
from wallet.keys import keystore
from wallet.keys.keyring_vault import (
    LOCKED,
    NO_DBUS,
    NULL_KEYRING,
    KeyringVault,
    backend_error,
    usable_backend,
)

pytestmark = pytest.mark.usefixtures("fast_scrypt")

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")


class PlaintextKeyring(KeyringBackend):
    """Stands in for keyrings.alt.file.PlaintextKeyring and friends (not installed here)."""

    priority = 1
    stored: dict = {}

    def get_password(self, service, username):
        return self.stored.get((service, username))

    def set_password(self, service, username, password):
        self.stored[(service, username)] = password

    def delete_password(self, service, username):
        self.stored.pop((service, username), None)


class EmptyChainer(ChainerBackend):
    backends: list = []


# --- refused backends -------------------------------------------------------------------------
def test_fail_backend_is_refused(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    with pytest.raises(KeyringUnavailable, match="No OS keyring was found"):
        KeyringVault().check_backend()


def test_fail_backend_without_dbus_says_so(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringVault().store("item", keystore.encrypt_private_key(KEY, "pw"))
    assert str(caught.value) == NO_DBUS


def test_null_backend_is_refused(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringVault().check_backend()
    assert str(caught.value) == NULL_KEYRING


def test_file_backend_is_refused_by_name():
    with pytest.raises(KeyringUnavailable, match="PlaintextKeyring keeps secrets in a file") as caught:
        KeyringVault(backend=PlaintextKeyring()).load("item")
    assert "Watch-only" in str(caught.value)
    assert PlaintextKeyring.stored == {}


def test_file_backend_named_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", f"{__name__}.PlaintextKeyring")
    with pytest.raises(KeyringUnavailable, match="test_keyring_vault.PlaintextKeyring"):
        KeyringVault().check_backend()


def test_unloadable_backend_name(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.nothere.Keyring")
    with pytest.raises(KeyringUnavailable, match="keyrings.nothere.Keyring cannot be loaded"):
        KeyringVault().check_backend()


def test_chainer_with_nothing_usable_is_refused():
    with pytest.raises(KeyringUnavailable):
        usable_backend(EmptyChainer())


def test_chainer_uses_only_its_allowed_member():
    secret_service = SecretServiceKeyring()

    class Mixed(ChainerBackend):
        backends = [PlaintextKeyring(), secret_service]

    assert usable_backend(Mixed()) is secret_service

    class InsecureOnly(ChainerBackend):
        backends = [PlaintextKeyring()]

    with pytest.raises(KeyringUnavailable):
        usable_backend(InsecureOnly())


def test_no_dbus(no_dbus):
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringVault().check_backend()
    assert str(caught.value) == NO_DBUS


def test_dead_bus(monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/gone")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
    with pytest.raises(KeyringUnavailable, match="Cannot reach the OS keyring"):
        KeyringVault().check_backend()


def test_backend_errors_become_messages():
    assert str(backend_error(RuntimeError("Failed to create the collection: Prompt dismissed.."))) == LOCKED
    assert "Cannot reach the OS keyring" in str(backend_error(ConnectionRefusedError(111, "refused")))
    assert str(backend_error(ValueError("boom"))) == "The OS keyring failed: boom"


# --- the real Secret Service ------------------------------------------------------------------
def test_store_load_delete_round_trip(secret_service):
    vault = secret_service.vault()
    assert vault.check_backend() == "Secret Service"
    document = keystore.encrypt_private_key(KEY, "pw")
    vault.store("acct-1", document)
    assert vault.load("acct-1") == document

    listing = secret_service.search()
    assert "attribute.username = acct-1" in listing
    stored = listing.split("secret = ", 1)[1].splitlines()[0]
    assert json.loads(stored) == json.loads(document)        # the encrypted JSON, nothing else
    assert KEY.hex() not in listing.lower()
    assert bytes(Account.decrypt(json.loads(stored)["keystore"], "pw")) == KEY

    replacement = keystore.encrypt_mnemonic("test test test test test test test test test test test junk", "pw")
    vault.store("acct-1", replacement)
    assert vault.load("acct-1") == replacement

    vault.delete("acct-1")
    with pytest.raises(WalletError, match="has no key 'acct-1'"):
        vault.load("acct-1")
    vault.delete("acct-1")            # already gone: nothing to do
    assert "acct-1" not in secret_service.search()


def test_items_are_per_service(secret_service):
    document = keystore.encrypt_private_key(KEY, "pw")
    secret_service.vault().store("shared-name", document)
    with pytest.raises(WalletError):
        KeyringVault(service=secret_service.service + "-other").load("shared-name")


@pytest.mark.parametrize("payload", [KEY.hex(), "0x" + KEY.hex(),
                                     "test test test test test test test test test test test junk",
                                     json.dumps({"basketry": {}, "keystore": {}})])
def test_only_encrypted_keystores_reach_the_keyring(secret_service, payload):
    with pytest.raises(WalletError, match="refusing"):
        secret_service.vault().store("plain", payload)
    assert "plain" not in secret_service.search()


def test_a_foreign_item_is_not_loaded_as_a_keystore(secret_service):
    result = secret_service.secret_tool("store", "--label=foreign", "service", secret_service.service,
                                        "username", "foreign", stdin="hunter2")
    assert result.returncode == 0, result.stderr
    with pytest.raises(WalletError, match="not a Basketry keystore"):
        secret_service.vault().load("foreign")


def test_bad_item_ids(secret_service):
    with pytest.raises(WalletError, match="1 to 200"):
        secret_service.vault().load("  ")


def test_locked_keyring(locked_secret_service):
    vault = locked_secret_service.vault()
    with pytest.raises(KeyringUnavailable) as caught:
        vault.store("acct", keystore.encrypt_private_key(KEY, "pw"))
    assert str(caught.value) == LOCKED
    with pytest.raises(KeyringUnavailable, match="locked"):
        vault.load("acct")

"""The OS keyring as the home of password-encrypted keystores.

Only the OS's own secret stores are accepted: Secret Service (GNOME Keyring, KeePassXC...),
macOS Keychain, Windows Credential Manager, KWallet. Everything else is refused with a
message saying what to do: the fail and null backends (nothing would be stored), and any
file or terminal-prompting backend (keyrings.alt, keyrings.cryptfile: a file next to the
data, or a prompt on stdin that hangs a GUI). A chainer is reduced to its best allowed backend.

What is stored is ONLY a Basketry keystore document (``wallet.keys.keystore``): ``store``
refuses anything else, so a plaintext secret never reaches the keyring.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import keyring
import keyring.backend
import keyring.core
import keyring.errors
from keyring.backends import chainer, fail

from app.errors import InvalidInput
from wallet.errors import KeyringUnavailable, WalletError
from wallet.keys import keystore

# dotted class name -> what the user knows it as
ALLOWED_BACKENDS = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service (libsecret)",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
}

LOCKED = "The keyring is locked; unlock it (log in to your desktop session) and retry."
NO_DBUS = ("Cannot reach the OS keyring: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS "
           "is unset). Run Basketry inside your desktop session, or start one with "
           "dbus-run-session and gnome-keyring-daemon. Watch-only and hardware-wallet accounts "
           "work without it.")
NO_SERVICE = ("No Secret Service is running on the D-Bus session bus. Install and start GNOME "
              "Keyring or KWallet (apt install gnome-keyring) in your desktop session. Watch-only "
              "and hardware-wallet accounts work without it.")
NO_KEYRING = ("No OS keyring was found, so keys cannot be stored. On Linux install and start a "
              "Secret Service (GNOME Keyring or KWallet) in your desktop session; macOS and "
              "Windows have theirs built in. Watch-only and hardware-wallet accounts work without it.")
NULL_KEYRING = ("The keyring is disabled (keyring.backends.null is selected by "
                "PYTHON_KEYRING_BACKEND or keyringrc.cfg): keys cannot be stored. Remove that "
                "setting to use the OS keyring. Watch-only and hardware-wallet accounts still work.")
INSECURE = ("The keyring backend {name} keeps secrets in a file or asks for its password on the "
            "terminal; Basketry only stores keys in the OS keyring (Secret Service, macOS "
            "Keychain, Windows Credential Manager, KWallet). Remove it from PYTHON_KEYRING_BACKEND "
            "or keyringrc.cfg, or uninstall it. Watch-only and hardware-wallet accounts still work.")


def dotted_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


class KeyringVault:
    """Keystore documents in the OS keyring, one item per ``item_id`` under ``service``."""

    def __init__(self, service: str = "basketry", backend: keyring.backend.KeyringBackend | None = None):
        self.service = service
        self._configured = backend      # None: what keyring's configuration selects
        self._backend: keyring.backend.KeyringBackend | None = None

    def __repr__(self) -> str:
        return f"KeyringVault(service={self.service!r})"

    def check_backend(self) -> str:
        """The name of the OS keyring in use (e.g. "Secret Service"), or KeyringUnavailable
        saying why it cannot be used and how to fix it. Cheap after the first call."""
        return ALLOWED_BACKENDS[dotted_name(self._usable_backend())]

    def store(self, item_id: str, keystore_json: str) -> None:
        """Store (or replace) a keystore document; refuses anything that is not one."""
        try:
            keystore.read_info(keystore_json)
        except InvalidInput:
            raise WalletError("refusing to put anything but an encrypted Basketry keystore in the "
                              "keyring") from None
        key, backend = _item(item_id), self._usable_backend()
        self._call(lambda: backend.set_password(self.service, key, keystore_json))

    def load(self, item_id: str) -> str:
        """The keystore document stored as ``item_id``; WalletError if there is none."""
        key, backend = _item(item_id), self._usable_backend()
        text = self._call(lambda: backend.get_password(self.service, key))
        if text is None:
            raise WalletError(f"the OS keyring has no key {item_id!r} for {self.service}: it was "
                              "deleted, or this is another user's session")
        try:
            keystore.read_info(text)
        except InvalidInput as exc:
            raise WalletError(f"the keyring item {item_id!r} is not a Basketry keystore: {exc}") from None
        return text

    def delete(self, item_id: str) -> None:
        """Remove the item; nothing happens if there is none."""
        key, backend = _item(item_id), self._usable_backend()
        try:
            self._call(lambda: backend.delete_password(self.service, key))
        except _Missing:
            pass

    # --- internals -----------------------------------------------------------------------
    def _usable_backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            self._backend = usable_backend(self._configured or _configured_backend())
        return self._backend

    def _call(self, operation):
        try:
            return operation()
        except keyring.errors.PasswordDeleteError:
            raise _Missing() from None
        except Exception as exc:  # a backend's own errors, at this boundary only
            raise backend_error(exc) from exc


class _Missing(Exception):
    pass


def usable_backend(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """``backend`` if allowed (a chainer: its best allowed member), else KeyringUnavailable."""
    if isinstance(backend, chainer.ChainerBackend):
        allowed = [b for b in backend.backends if dotted_name(b) in ALLOWED_BACKENDS]
        if not allowed:
            raise KeyringUnavailable(_no_keyring_message())
        return allowed[0]
    name = dotted_name(backend)
    if name in ALLOWED_BACKENDS:
        return backend
    if isinstance(backend, fail.Keyring):
        raise KeyringUnavailable(_no_keyring_message())
    if name == "keyring.backends.null.Keyring":
        raise KeyringUnavailable(NULL_KEYRING)
    raise KeyringUnavailable(INSECURE.format(name=name))


def backend_error(exc: BaseException) -> KeyringUnavailable:
    """A backend's failure as a message the user can act on."""
    if isinstance(exc, KeyringUnavailable):
        return exc
    text = str(exc)
    lowered = text.lower()
    names = {cls.__name__ for cls in type(exc).__mro__}
    if ("KeyringLocked" in names or "LockedException" in names or "PromptDismissedException" in names
            or "prompt dismissed" in lowered or "locked" in lowered):
        return KeyringUnavailable(LOCKED)
    if "DBUS_SESSION_BUS_ADDRESS" in text:
        return KeyringUnavailable(NO_DBUS)
    if "SecretServiceNotAvailableException" in names or "neither running nor activatable" in lowered:
        return KeyringUnavailable(NO_SERVICE)
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeyringUnavailable(_no_keyring_message())
    if isinstance(exc, OSError | ConnectionError | EOFError):
        return KeyringUnavailable(f"Cannot reach the OS keyring ({type(exc).__name__}: {exc}); "
                                  "is your desktop session's keyring running?")
    return KeyringUnavailable(f"The OS keyring failed: {text or type(exc).__name__}")


def _configured_backend() -> keyring.backend.KeyringBackend:
    """What keyring itself would pick (PYTHON_KEYRING_BACKEND, keyringrc.cfg, then the best
    viable backend), without touching keyring's process-wide choice."""
    try:
        return (keyring.core.load_env() or keyring.core.load_config()
                or max(keyring.backend.get_all_keyring(), key=keyring.backend.by_priority,
                       default=fail.Keyring()))
    except (ImportError, AttributeError, ValueError) as exc:
        name = os.environ.get("PYTHON_KEYRING_BACKEND", "keyringrc.cfg's default-keyring")
        raise KeyringUnavailable(f"The keyring backend {name} cannot be loaded ({exc}); fix "
                                 "PYTHON_KEYRING_BACKEND or keyringrc.cfg.") from exc
    except Exception as exc:  # a selected backend that is not viable raises RuntimeError
        raise backend_error(exc) from exc


def _no_keyring_message() -> str:
    if sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return NO_DBUS
    return NO_KEYRING


def _item(item_id: str) -> str:
    if not isinstance(item_id, str) or not item_id.strip() or len(item_id) > 200:
        raise WalletError("a keyring item id is 1 to 200 characters")
    return item_id

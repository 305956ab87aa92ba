"""Errors of the wallet layer (all user-facing: subclasses of the app's BasketryError)."""

from app.errors import BasketryError


class WalletError(BasketryError):
    """Something about keys or signing went wrong."""


class SigningRefused(WalletError):
    """A guard refused to sign (wrong chain id, gas above the cap, wrong sender...)."""


class KeyringUnavailable(WalletError):
    """The OS keyring is missing, locked or an insecure backend: secrets cannot be stored."""


class WrongPassword(WalletError):
    """The password does not decrypt the keystore."""


class DeviceError(WalletError):
    """A hardware wallet refused or failed (rejected on device, app not open, blind signing off...)."""

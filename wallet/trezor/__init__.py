"""Trezor hardware wallets through trezorlib (USB, Trezor Bridge, or UDP to an emulator)."""

from wallet.trezor.signer import DEFAULT_PATH, TrezorSigner, find_transport, find_trezors

__all__ = ["DEFAULT_PATH", "TrezorSigner", "find_transport", "find_trezors"]

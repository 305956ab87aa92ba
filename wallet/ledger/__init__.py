"""Ledger hardware wallets (the Ethereum app), over USB HID or the speculos emulator's TCP port.

``apdu`` builds and parses the app's APDUs, ``transport`` carries them, ``signer`` turns them
into a ``Signer``.
"""

from wallet.ledger.signer import LedgerSigner
from wallet.ledger.transport import HidTransport, TcpTransport, Transport

__all__ = ["HidTransport", "LedgerSigner", "TcpTransport", "Transport"]

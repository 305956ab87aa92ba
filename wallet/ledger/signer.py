"""``LedgerSigner``: signs with the Ledger Ethereum app over any ``Transport``.

The unsigned transaction is serialised exactly as the app hashes it (RLP of the unsigned
fields, with the EIP-155 ``chainId, 0, 0`` tail for legacy transactions; the type byte then
the RLP for EIP-2930/EIP-1559), streamed in 255-byte APDUs, and the signed transaction is
rebuilt here from the returned ``v, r, s``.
"""

from __future__ import annotations

from typing import Any

import rlp
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import to_canonical_address, to_checksum_address

from app.errors import InvalidInput
from wallet.errors import DeviceError, SigningRefused
from wallet.ledger import apdu
from wallet.ledger.transport import Transport
from wallet.prompts import Prompts
from wallet.signer import SignedTransaction, Signer, transaction_hash
from wallet.tx_fields import field_bytes as _bytes
from wallet.tx_fields import field_int as _int

LEGACY, ACCESS_LIST, DYNAMIC_FEE = 0, 1, 2


class LedgerSigner(Signer):
    kind = "ledger"

    def __init__(self, transport: Transport, path: str, address: str):
        try:
            apdu.parse_path(path)                # refuse a malformed path early
        except ValueError as e:
            raise InvalidInput(str(e)) from None
        super().__init__(address)
        self.transport = transport
        self.path = path

    @classmethod
    def connect(cls, transport: Transport, path: str = "m/44'/60'/0'/0/0") -> LedgerSigner:
        """Check that the Ethereum app is open and read the address at ``path``."""
        read_app_configuration(transport)
        return cls(transport, path, read_address(transport, path).address)

    # --- reading -------------------------------------------------------------------------
    def app_configuration(self) -> apdu.AppConfiguration:
        return read_app_configuration(self.transport)

    def verify_device(self) -> None:
        """Refuse (DeviceError) when the connected Ledger does not hold this account."""
        found = read_address(self.transport, self.path).address
        if to_checksum_address(found) != self.address:
            raise DeviceError(f"This Ledger holds {to_checksum_address(found)} at {self.path}, "
                              f"not {self.address}: connect the right device or passphrase.")

    # --- signing -------------------------------------------------------------------------
    def _sign_transaction(self, tx: dict[str, Any], prompts: Prompts) -> SignedTransaction:
        tx_type, fields = unsigned_fields(tx)
        chain_id = _int(tx["chainId"], "chainId")
        unsigned = encode_unsigned(tx_type, fields, chain_id)
        data = self._stream(apdu.sign_transaction(self.path, unsigned), prompts,
                            "Confirm the transaction on your Ledger", "transaction")
        sig = apdu.parse_signature(data)
        if tx_type == LEGACY:
            raw = rlp.encode([*fields, legacy_v(sig.v, chain_id), sig.r, sig.s])
        else:
            raw = bytes([tx_type]) + rlp.encode([*fields, y_parity(sig.v), sig.r, sig.s])
        return SignedTransaction(raw=raw, hash=transaction_hash(raw),
                                 sender=Account.recover_transaction(raw))

    def _sign_message(self, message: bytes, prompts: Prompts) -> bytes:
        data = self._stream(apdu.sign_personal_message(self.path, bytes(message)), prompts,
                            "Confirm the message on your Ledger", "message")
        signature = _rsv(apdu.parse_signature(data))
        self._check_recovers(encode_defunct(primitive=bytes(message)), signature)
        return signature

    def _sign_typed_data(self, typed_data: dict[str, Any], prompts: Prompts) -> bytes:
        # The app's hashed mode (E0 0C, P2=00): the device shows the two hashes and signs
        # keccak(0x1901 || domain hash || message hash); it needs blind signing enabled.
        try:
            signable = encode_typed_data(full_message=typed_data)
        except Exception as e:  # eth-account raises many types for bad input
            raise SigningRefused(f"cannot encode this EIP-712 message: {e}") from None
        data = self._stream([apdu.sign_eip712_hashed(self.path, signable.header, signable.body)],
                            prompts, "Confirm the typed data on your Ledger", "typed data")
        signature = _rsv(apdu.parse_signature(data))
        self._check_recovers(signable, signature)
        return signature

    def _stream(self, apdus: list[bytes], prompts: Prompts, action: str, subject: str) -> bytes:
        """Send the chunks of one signing request; the last reply carries the signature."""
        prompts.device_action(action)
        try:
            data = b""
            for command in apdus:
                data, sw = self.transport.exchange(command)
                apdu.check_status(sw, subject)
            return data
        finally:
            prompts.device_done()

    def _check_recovers(self, signable: Any, signature: bytes) -> None:
        sender = Account.recover_message(signable, signature=signature)
        if sender != self.address:
            raise SigningRefused(f"the Ledger's signature recovers to {sender}, not {self.address}")


# --- device reads --------------------------------------------------------------------------
def read_app_configuration(transport: Transport) -> apdu.AppConfiguration:
    data, sw = transport.exchange(apdu.get_app_configuration())
    apdu.check_status(sw, "request")
    return apdu.parse_app_configuration(data)


def read_address(transport: Transport, path: str, display: bool = False) -> apdu.PublicAddress:
    data, sw = transport.exchange(apdu.get_public_address(path, display=display))
    apdu.check_status(sw, "address")
    return apdu.parse_public_address(data)


# --- transaction serialisation -------------------------------------------------------------
def _to(value: Any) -> bytes:
    if value in (None, "", b"", "0x"):
        return b""                                   # contract creation
    try:
        return to_canonical_address(value)
    except (ValueError, TypeError):
        raise SigningRefused(f"not an address: {value!r}") from None


def _access_list(value: Any) -> list:
    entries = []
    for entry in value or []:
        if isinstance(entry, dict):
            address, keys = entry.get("address"), entry.get("storageKeys", [])
        else:
            address, keys = entry
        slots = [_bytes(k, "storageKeys") for k in keys]
        if any(len(s) != 32 for s in slots):
            raise SigningRefused("access-list storage keys must be 32 bytes")
        entries.append([_to(address), slots])
    return entries


def transaction_type(tx: dict[str, Any]) -> int:
    if tx.get("type") is not None:
        return _int(tx["type"], "type")
    if "maxFeePerGas" in tx or "maxPriorityFeePerGas" in tx:
        return DYNAMIC_FEE
    if "accessList" in tx:
        return ACCESS_LIST
    return LEGACY


def unsigned_fields(tx: dict[str, Any]) -> tuple[int, list]:
    """(type, the RLP fields without the signature) of a web3-style transaction dict."""
    tx_type = transaction_type(tx)

    def need(key: str) -> Any:
        if tx.get(key) is None:
            raise SigningRefused(f"the transaction has no {key}")
        return tx[key]

    data = _bytes(tx.get("data", tx.get("input")), "data")
    common = [_int(need("gas"), "gas"), _to(tx.get("to")), _int(tx.get("value", 0), "value"), data]
    nonce, chain_id = _int(need("nonce"), "nonce"), _int(need("chainId"), "chainId")
    if tx_type == LEGACY:
        return tx_type, [nonce, _int(need("gasPrice"), "gasPrice"), *common]
    if tx_type == ACCESS_LIST:
        return tx_type, [chain_id, nonce, _int(need("gasPrice"), "gasPrice"), *common,
                         _access_list(tx.get("accessList"))]
    if tx_type == DYNAMIC_FEE:
        return tx_type, [chain_id, nonce, _int(need("maxPriorityFeePerGas"), "maxPriorityFeePerGas"),
                         _int(need("maxFeePerGas"), "maxFeePerGas"), *common,
                         _access_list(tx.get("accessList"))]
    raise DeviceError(f"Signing transaction type {tx_type} on a Ledger is not supported.")


def encode_unsigned(tx_type: int, fields: list, chain_id: int) -> bytes:
    """What the app hashes: legacy fields with the EIP-155 tail (chainId, 0, 0); typed
    transactions as the type byte then the RLP list."""
    if tx_type == LEGACY:
        return rlp.encode([*fields, chain_id, 0, 0])
    return bytes([tx_type]) + rlp.encode(fields)


def legacy_v(v_byte: int, chain_id: int) -> int:
    """The EIP-155 ``v`` from the app's one-byte answer. The app computes
    ``chain_id * 2 + 35 + parity`` and sends only its low byte, so for chain ids above 109
    the parity is recovered by comparing with the low byte of ``chain_id * 2 + 35``."""
    base = chain_id * 2 + 35
    parity = (v_byte - base) & 0xFF
    if parity not in (0, 1):
        raise DeviceError(f"The Ledger answered an unexpected signature (v=0x{v_byte:02x} for "
                          f"chain id {chain_id}).")
    return base + parity


def y_parity(v_byte: int) -> int:
    if v_byte in (0, 1):
        return v_byte
    if v_byte in (27, 28):
        return v_byte - 27
    raise DeviceError(f"The Ledger answered an unexpected signature (v=0x{v_byte:02x}).")


def _rsv(sig: apdu.Signature) -> bytes:
    return sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([27 + y_parity(sig.v)])

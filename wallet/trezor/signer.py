"""The Trezor signer: trezorlib over its transports (WebUSB/HID, Trezor Bridge, or UDP to an
emulator such as ``udp:127.0.0.1:21324``).

User interaction never happens here: button requests become ``prompts.device_action``, a PIN
matrix request becomes ``prompts.ask_pin`` (scrambled keypad positions), a passphrase comes
from ``prompts.ask_passphrase``. Device I/O is blocking; callers run it on the app's single
hardware-wallet worker thread.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import rlp
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import to_checksum_address
from trezorlib import ethereum, exceptions, messages
from trezorlib.client import AppManifest, PassphraseSetting, Session, TrezorClient, get_client
from trezorlib.tools import parse_path
from trezorlib.transport import (
    Transport,
    TransportException,
    all_transports,
    enumerate_devices,
    get_transport,
)

from app.errors import UserCancelled
from wallet.errors import DeviceError, SigningRefused, WalletError
from wallet.prompts import Prompts
from wallet.signer import SignedTransaction, Signer, transaction_hash
from wallet.tx_fields import field_bytes, field_int

DEFAULT_PATH = "m/44'/60'/0'/0/0"
APP_NAME = "Basketry"

PIN_MESSAGE = ("Enter your Trezor PIN. The Trezor shows a scrambled keypad: type the POSITIONS "
               "of your PIN's digits (7 8 9 top row, 4 5 6 middle row, 1 2 3 bottom row).")
PASSPHRASE_MESSAGE = "Enter the passphrase of your Trezor wallet (leave it empty for the standard wallet)."
PAIRING_MESSAGE = "Enter the pairing code that your Trezor shows."
REJECTED_MESSAGE = "You rejected the request on the Trezor."

_BRT = messages.ButtonRequestType
_BUTTON_MESSAGES = {
    _BRT.SignTx: "Check the transaction on your Trezor and confirm it there.",
    _BRT.ConfirmOutput: "Check the transaction on your Trezor and confirm it there.",
    _BRT.FeeOverThreshold: "The fee is high: check it on your Trezor and confirm it there.",
    _BRT.Address: "Check the address on your Trezor and confirm it there.",
    _BRT.PublicKey: "Check the public key on your Trezor and confirm it there.",
    _BRT.PinEntry: "Enter your PIN on the Trezor.",
    _BRT.PassphraseEntry: "Enter your passphrase on the Trezor.",
    _BRT.UnknownDerivationPath: "Your Trezor warns about an unusual derivation path: read it, then confirm or reject.",
    _BRT.Warning: "Your Trezor shows a warning: read it, then confirm or reject.",
}
_DEFAULT_BUTTON_MESSAGE = "Confirm on your Trezor."

T = TypeVar("T")


# "usb" (the app's default) and "auto"/"" pick the first Trezor found; "usb" looks only at
# USB (WebUSB, HID) and at Trezor Bridge, which holds the USB device while Trezor Suite runs.
AUTO_PATHS = ("", "auto", "usb")
_USB_PREFIXES = ("webusb", "hid", "bridge")


def find_transport(path: str | None) -> Transport:
    """The transport of the Trezor at ``path``; TransportException when there is none."""
    if (path or "") not in AUTO_PATHS:
        return get_transport(path, prefix_search=True)
    for transport_class in all_transports():
        if path == "usb" and transport_class.PATH_PREFIX not in _USB_PREFIXES:
            continue
        try:
            found = list(transport_class.enumerate())
        except Exception:  # noqa: BLE001 - a transport that cannot enumerate has no Trezor
            continue
        if found:
            return found[0]
    raise TransportException("No Trezor device found")


def find_trezors() -> list[str]:
    """Transport paths of the Trezors (and a running emulator) that can be reached now."""
    try:
        return [transport.get_path() for transport in enumerate_devices()]
    except Exception:  # noqa: BLE001 - enumeration problems mean "none found", never a crash
        return []


class PromptsUI:
    """The trezorlib UI of one client (``button_request``/``get_pin`` as trezorlib's own UIs
    have them, plus ``get_passphrase`` for opening a session), talking to the ``Prompts`` of
    the operation in progress."""

    def __init__(self) -> None:
        self.prompts: Prompts | None = None
        self.last_shown: str | None = None
        self.host_cancelled = False
        self.bad_pin = False

    def begin(self, prompts: Prompts) -> None:
        self.prompts, self.last_shown, self.host_cancelled, self.bad_pin = prompts, None, False, False

    def end(self) -> None:
        if self.last_shown is not None and self.prompts is not None:
            self.prompts.device_done()
        self.prompts, self.last_shown = None, None

    def _current(self) -> Prompts:
        if self.prompts is None:
            raise exceptions.Cancelled("the Trezor asked for input outside an operation")
        return self.prompts

    def button_request(self, request: messages.ButtonRequest) -> None:
        text = _BUTTON_MESSAGES.get(request.code, _DEFAULT_BUTTON_MESSAGE)
        if text != self.last_shown:
            self._current().device_action(text)
            self.last_shown = text

    def get_pin(self, request: messages.PinMatrixRequest) -> str:
        try:
            pin = self._current().ask_pin(PIN_MESSAGE)
        except UserCancelled:
            self.host_cancelled = True
            raise exceptions.Cancelled from None  # trezorlib then cancels the PIN screen
        pin = "".join(str(pin).split())
        if not pin or any(c not in "123456789" for c in pin):
            self.bad_pin = True  # trezorlib cancels the PIN screen and raises ValueError
        return pin

    def get_passphrase(self) -> str:
        try:
            return self._current().ask_passphrase(PASSPHRASE_MESSAGE)
        except UserCancelled:
            self.host_cancelled = True
            raise

    def get_pairing_code(self) -> str:
        try:
            return "".join(self._current().ask_pin(PAIRING_MESSAGE).split())
        except UserCancelled:
            self.host_cancelled = True
            raise


class TrezorDevice:
    """One Trezor at one transport path: the trezorlib client and the open wallet session,
    reused between operations and rebuilt after any error."""

    def __init__(self, transport_path: str | None):
        self.transport_path = transport_path or None
        self.ui = PromptsUI()
        self._client: TrezorClient | None = None
        self._session: Session | None = None
        self._lock = threading.RLock()

    @property
    def where(self) -> str:
        if (self.transport_path or "") in AUTO_PATHS:
            return "any USB port"
        return self.transport_path

    def close(self) -> None:
        with self._lock:
            self._client = self._session = None

    def run(self, prompts: Prompts, operation: Callable[[Session], T]) -> T:
        """Run ``operation(session)`` with device errors turned into wallet errors."""
        with self._lock:
            self.ui.begin(prompts)
            try:
                for attempt in (1, 2):
                    with self._errors():
                        session = self._open_session()
                        try:
                            return operation(session)
                        except exceptions.InvalidSessionError:
                            # the device forgot our session (restarted, used by another app):
                            # nothing was shown to the user yet, so open a new one once
                            self.close()
                            if attempt == 2:
                                raise
                raise AssertionError("unreachable")
            finally:
                self.ui.end()

    def _open_session(self) -> Session:
        if self._session is not None:
            return self._session
        try:
            transport = find_transport(self.transport_path)
        except TransportException as e:
            raise DeviceError(
                f"No Trezor found at {self.where}; connect it (or start the emulator) and retry.") from e
        app = AppManifest(app_name=APP_NAME, button_callback=self.ui.button_request,
                          pin_callback=self.ui.get_pin)
        client = get_client(app, transport)
        if not client.pairing.is_paired():  # a THP (Trezor Host Protocol) device, first contact
            from trezorlib.thp.pairing import default_pairing_flow

            default_pairing_flow(client.pairing, code_entry_callback=self.ui.get_pairing_code,
                                 request_credential=False)
        features = client.features
        if features.bootloader_mode:
            raise DeviceError("The Trezor is in bootloader mode: restart it normally and retry.")
        if features.initialized is False:
            raise DeviceError("This Trezor has no wallet yet: set it up in Trezor Suite first.")
        passphrase: str | PassphraseSetting = PassphraseSetting.STANDARD_WALLET
        if features.passphrase_protection:
            if features.passphrase_always_on_device:
                passphrase = PassphraseSetting.ON_DEVICE
            else:
                passphrase = self.ui.get_passphrase()
        session = client.get_session(passphrase=passphrase)
        self._client, self._session = client, session
        return session

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (WalletError, UserCancelled):
            self.close()
            raise
        except exceptions.Cancelled as e:
            if self.ui.host_cancelled:
                raise UserCancelled() from e
            raise DeviceError(REJECTED_MESSAGE) from e
        except exceptions.PinException as e:
            self.close()
            raise DeviceError("The Trezor refused the PIN: it is wrong. Retry (the Trezor waits "
                              "longer after each wrong PIN).") from e
        except exceptions.TrezorFailure as e:
            self.close()
            if e.code == messages.FailureType.PinInvalid:
                raise DeviceError("The Trezor refused the PIN: it is wrong. Retry.") from e
            raise DeviceError(f"The Trezor refused the request: {e.message or e.code}") from e
        except exceptions.OutdatedFirmwareError as e:
            self.close()
            raise DeviceError("The Trezor firmware is too old for this app: update it in "
                              "Trezor Suite and retry.") from e
        except exceptions.PassphraseError as e:
            self.close()
            raise DeviceError(f"The Trezor refused the passphrase: {e}") from e
        except exceptions.InvalidSessionError as e:
            self.close()
            raise DeviceError("The Trezor keeps dropping the session: unplug it, plug it back "
                              "in and retry.") from e
        except TransportException as e:
            self.close()
            raise DeviceError(f"Lost the connection to the Trezor at {self.where} ({e}); "
                              "reconnect it and retry.") from e
        except exceptions.TrezorException as e:
            self.close()
            raise DeviceError(f"The Trezor at {self.where} failed: {e}") from e
        except (ValueError, NotImplementedError) as e:
            # trezorlib raises these for input it cannot encode (a PIN with other characters
            # than 1-9, EIP-712 values of the wrong shape, nested arrays)
            self.close()
            if self.ui.bad_pin:
                raise DeviceError("A Trezor PIN is typed as keypad positions: digits 1 to 9 "
                                  "only.") from e
            raise SigningRefused(f"the Trezor cannot take this request: {e}") from e
        except OSError as e:
            self.close()
            raise DeviceError(f"Lost the connection to the Trezor at {self.where} ({e}); "
                              "reconnect it and retry.") from e


class TrezorSigner(Signer):
    """Signs with the account at ``derivation_path`` of the Trezor at ``transport_path``
    ("udp:127.0.0.1:21324", "webusb:003:1", "hid:...", "bridge:...", or "usb"/None for the
    first one found)."""

    kind = "trezor"

    def __init__(self, transport_path: str | None, derivation_path: str, address: str):
        super().__init__(address)
        self.transport_path = transport_path or None
        self.derivation_path = derivation_path
        self.address_n = _parse_path(derivation_path)
        self._device = TrezorDevice(self.transport_path)
        self._checked_session: Session | None = None

    @classmethod
    def connect(cls, transport_path: str | None, derivation_path: str,
                prompts: Prompts) -> TrezorSigner:
        """Read the address at ``derivation_path`` from the Trezor and return its signer."""
        address_n = _parse_path(derivation_path)
        device = TrezorDevice(transport_path)
        address = device.run(prompts, lambda session: ethereum.get_address(session, address_n))
        signer = cls(transport_path, derivation_path, address)
        signer._device = device  # keep the open session (the passphrase was asked once)
        return signer

    def close(self) -> None:
        self._device.close()

    # --- reads --------------------------------------------------------------------------
    def show_address(self, prompts: Prompts) -> str:
        """Show the address on the Trezor's screen for the user to compare; returns it."""
        return self._run(prompts, lambda s: ethereum.get_address(s, self.address_n, show_display=True))

    def get_public_node(self, prompts: Prompts, derivation_path: str | None = None) -> messages.EthereumPublicKey:
        """The BIP-32 node (and xpub) at ``derivation_path`` (default: this account's path)."""
        n = _parse_path(derivation_path) if derivation_path else self.address_n
        return self._device.run(prompts, lambda s: ethereum.get_public_node(s, n))

    # --- signing ------------------------------------------------------------------------
    def _sign_transaction(self, tx: dict[str, Any], prompts: Prompts) -> SignedTransaction:
        fields = _read_transaction(tx)
        if fields["type"] == 2:
            access_list = [messages.EthereumAccessList(address=a, storage_keys=list(keys))
                           for a, keys in fields["access_list"]]

            def sign(session: Session) -> tuple[int, bytes, bytes]:
                return ethereum.sign_tx_eip1559(
                    session, self.address_n, nonce=fields["nonce"], gas_limit=fields["gas"],
                    to=fields["to"], value=fields["value"], data=fields["data"],
                    chain_id=fields["chain_id"], max_gas_fee=fields["max_fee"],
                    max_priority_fee=fields["max_priority_fee"], access_list=access_list)
        else:
            def sign(session: Session) -> tuple[int, bytes, bytes]:
                # trezorlib turns the firmware's parity bit (chain ids above 2**31 - 19) into
                # the full EIP-155 v = 2 * chain_id + 35 + parity
                return ethereum.sign_tx(
                    session, self.address_n, nonce=fields["nonce"], gas_price=fields["gas_price"],
                    gas_limit=fields["gas"], to=fields["to"], value=fields["value"],
                    data=fields["data"], chain_id=fields["chain_id"])

        v, r, s = self._run(prompts, sign)
        raw = _serialize(fields, v, int.from_bytes(r, "big"), int.from_bytes(s, "big"))
        return SignedTransaction(raw=raw, hash=transaction_hash(raw), sender=self.address)

    def _sign_message(self, message: bytes, prompts: Prompts) -> bytes:
        message = bytes(message)
        response = self._run(prompts, lambda s: ethereum.sign_message(s, self.address_n, message))
        signature = bytes(response.signature)
        self._check_signer(response.address)
        if Account.recover_message(encode_defunct(primitive=message), signature=signature) != self.address:
            raise SigningRefused("the Trezor's message signature does not recover to "
                                 f"{self.address}: not used")
        return signature

    def _sign_typed_data(self, typed_data: dict[str, Any], prompts: Prompts) -> bytes:
        data = _typed_data_for_trezor(typed_data)
        response = self._run(prompts, lambda s: ethereum.sign_typed_data(
            s, self.address_n, copy.deepcopy(data), metamask_v4_compat=True))
        signature = bytes(response.signature)
        self._check_signer(response.address)
        try:
            signable = encode_typed_data(full_message=copy.deepcopy(data))
        except Exception:  # noqa: BLE001 - eth-account refuses some data the Trezor accepts
            signable = None
        if signable is not None and Account.recover_message(signable, signature=signature) != self.address:
            raise SigningRefused("the Trezor's EIP-712 signature does not recover to "
                                 f"{self.address}: not used")
        return signature

    # --- internals ----------------------------------------------------------------------
    def _run(self, prompts: Prompts, operation: Callable[[Session], T]) -> T:
        """Run an operation, first checking (once per session) that this Trezor and
        passphrase hold this signer's address."""

        def checked(session: Session) -> T:
            if self._checked_session is not session:
                found = ethereum.get_address(session, self.address_n)
                self._check_signer(found)
                self._checked_session = session
            return operation(session)

        return self._device.run(prompts, checked)

    def _check_signer(self, found: str) -> None:
        if to_checksum_address(found) != self.address:
            self._checked_session = None
            raise DeviceError(
                f"This Trezor does not hold {self.address} at {self.derivation_path} (it has "
                f"{to_checksum_address(found)} there): connect the right Trezor or enter the "
                "right passphrase.")


# --- helpers ------------------------------------------------------------------------------
def _parse_path(path: str) -> list[int]:
    if not path.isascii():  # trezorlib's int() would read other scripts' digits
        raise WalletError(f"invalid derivation path {path!r}: only ASCII digits, ' and / are accepted")
    try:
        return parse_path(path)
    except ValueError as e:
        raise WalletError(f"invalid derivation path {path!r}: {e}") from e


def _address(value: Any, name: str) -> str:
    if value in (None, "", b""):
        return ""  # contract creation
    try:
        return to_checksum_address(value)
    except (TypeError, ValueError):
        raise SigningRefused(f"transaction field {name} is not an address: {value!r}") from None


def _read_transaction(tx: dict[str, Any]) -> dict[str, Any]:
    """The web3-style dict as plain values; refuses what a Trezor cannot sign."""
    dynamic = "maxFeePerGas" in tx or "maxPriorityFeePerGas" in tx
    tx_type = _int(tx["type"], "type") if tx.get("type") is not None else (2 if dynamic else 0)
    if tx_type not in (0, 2):
        raise SigningRefused(f"a Trezor cannot sign a type {tx_type} transaction (only legacy "
                             "and EIP-1559)")
    fields: dict[str, Any] = {
        "type": tx_type,
        "chain_id": _int(tx.get("chainId"), "chainId"),
        "nonce": _int(tx.get("nonce"), "nonce"),
        "gas": _int(tx.get("gas"), "gas"),
        "to": _address(tx.get("to"), "to"),
        "value": _int(tx.get("value"), "value"),
        "data": _bytes(tx.get("data", tx.get("input")), "data"),
    }
    if fields["chain_id"] <= 0:
        raise SigningRefused("refusing to sign without a chain id (no replay protection)")
    if not fields["to"] and not fields["data"]:
        raise SigningRefused("refusing to sign a contract creation without code")
    if tx_type == 2:
        if "gasPrice" in tx:
            raise SigningRefused("the transaction has both gasPrice and maxFeePerGas")
        if "maxFeePerGas" not in tx or "maxPriorityFeePerGas" not in tx:
            raise SigningRefused("an EIP-1559 transaction needs maxFeePerGas and maxPriorityFeePerGas")
        fields["max_fee"] = _int(tx["maxFeePerGas"], "maxFeePerGas")
        fields["max_priority_fee"] = _int(tx["maxPriorityFeePerGas"], "maxPriorityFeePerGas")
        fields["access_list"] = [
            (_address(item["address"], "accessList.address"),
             [_bytes(key, "accessList.storageKeys").rjust(32, b"\0")
              for key in item.get("storageKeys", [])])
            for item in tx.get("accessList") or []]
    else:
        if dynamic:
            raise SigningRefused("a legacy transaction cannot have maxFeePerGas")
        if tx.get("accessList"):
            raise SigningRefused("a Trezor cannot sign EIP-2930 (access list) legacy transactions")
        if "gasPrice" not in tx:
            raise SigningRefused("the transaction has no gasPrice nor maxFeePerGas")
        fields["gas_price"] = _int(tx["gasPrice"], "gasPrice")
    return fields


def _serialize(fields: dict[str, Any], v: int, r: int, s: int) -> bytes:
    to = bytes.fromhex(fields["to"][2:]) if fields["to"] else b""
    if fields["type"] == 2:
        if v not in (0, 1):
            raise DeviceError(f"the Trezor returned an EIP-1559 signature with y-parity {v}")
        access_list = [[bytes.fromhex(a[2:]), list(keys)] for a, keys in fields["access_list"]]
        return b"\x02" + rlp.encode([
            fields["chain_id"], fields["nonce"], fields["max_priority_fee"], fields["max_fee"],
            fields["gas"], to, fields["value"], fields["data"], access_list, v, r, s])
    if v not in (2 * fields["chain_id"] + 35, 2 * fields["chain_id"] + 36):
        raise DeviceError(f"the Trezor returned v={v}, not an EIP-155 v for chain id {fields['chain_id']}")
    return rlp.encode([fields["nonce"], fields["gas_price"], fields["gas"], to, fields["value"],
                       fields["data"], v, r, s])


_DOMAIN_FIELDS = (("name", "string"), ("version", "string"), ("chainId", "uint256"),
                  ("verifyingContract", "address"), ("salt", "bytes32"))


def _typed_data_for_trezor(typed_data: dict[str, Any]) -> dict[str, Any]:
    """The EIP-712 document with values in the forms trezorlib encodes (ints as ints, bytes
    and addresses as hex strings), and an explicit EIP712Domain type."""
    try:
        types = copy.deepcopy(dict(typed_data["types"]))
        primary = typed_data["primaryType"]
        domain = dict(typed_data.get("domain") or {})
        message = typed_data.get("message") or {}
    except (KeyError, TypeError) as e:
        raise SigningRefused(f"not an EIP-712 document (missing {e})") from None
    if "EIP712Domain" not in types:
        types["EIP712Domain"] = [{"name": n, "type": t} for n, t in _DOMAIN_FIELDS if n in domain]
    if primary not in types:
        raise SigningRefused(f"EIP-712 primaryType {primary!r} is not among the types")

    def convert(value: Any, type_name: str) -> Any:
        if type_name.endswith("]"):
            inner = type_name[: type_name.rindex("[")]
            return [convert(item, inner) for item in value]
        if type_name in types:
            missing = [f["name"] for f in types[type_name] if f["name"] not in value]
            if missing:
                raise SigningRefused(f"EIP-712 {type_name} value lacks {', '.join(missing)}")
            return {f["name"]: convert(value[f["name"]], f["type"]) for f in types[type_name]}
        if type_name.startswith(("uint", "int")):
            return _typed_int(value, type_name)
        if type_name.startswith("bytes") or type_name == "address":
            if isinstance(value, (bytes, bytearray, memoryview)):
                return "0x" + bytes(value).hex()
            return value
        return value

    return {"types": types, "primaryType": primary, "domain": convert(domain, "EIP712Domain"),
            "message": convert(message, primary) if primary != "EIP712Domain" else {}}


def _typed_int(value: Any, type_name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    try:
        return int(text, 16) if text.lstrip("-").lower().startswith("0x") else int(text)
    except ValueError:
        raise SigningRefused(f"EIP-712 {type_name} value is not a number: {value!r}") from None


def _int(value: Any, name: str) -> int:
    """A missing number field is 0 for the Trezor messages (they omit zero fields)."""
    return field_int(value, name, none_is_zero=True)


_bytes = field_bytes

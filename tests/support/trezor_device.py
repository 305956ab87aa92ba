"""A protocol-level Trezor for tests: a UDP server that speaks to trezorlib exactly as the
Trezor emulator does, so the project's real client code (trezorlib + ``TrezorSigner``) runs
unchanged against it.

Wire (trezorlib 0.20.2 ``transport/udp.py`` + ``protocol_v1.py``):
- ``b"PINGPING"`` is answered ``b"PONGPONG"`` (trezorlib's ``is_ready`` check);
- protocol v1: 64-byte reports, the first ``"?##" + type (2 bytes BE) + length (4 bytes BE)``
  + payload, the next ``"?"`` + payload, zero padded. trezorlib 0.20.2 probes v1 FIRST
  (``protocol_v1.probe``: it sends ``Cancel`` and falls back to THP, protocol v2, only if the
  answer is ``Failure(InvalidProtocol)``). This device answers ``Failure(ActionCancelled)``, so
  trezorlib uses its plain v1 client (``TrezorClientV1``); reports not starting with ``"?"``
  (THP) are ignored.
Messages are trezorlib's own protobuf classes (``trezorlib.messages`` through
``trezorlib.mapping.DEFAULT_MAPPING``).

The device holds a BIP-39 seed (optionally behind a PIN entered through a scrambled matrix
and a passphrase asked by ``PassphraseRequest``), derives BIP-32 keys itself and signs with
RFC 6979 deterministic ECDSA (eth-keys), following the firmware's Ethereum app
(trezor-firmware ``core/src/apps/ethereum``): EIP-155 ``v`` (the parity bit only for chain ids
above 2**31 - 19), the EIP-1559 y-parity, calldata streamed with
``EthereumTxRequest(data_length)``/``EthereumTxAck``, and EIP-712 hashed from the struct and
value acks (MetaMask v4 compatible or not). Every signature is computed, never looked up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import socket
import struct
import threading
import unicodedata
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from eth_keys import keys
from eth_utils import keccak
from trezorlib import messages
from trezorlib.mapping import DEFAULT_MAPPING
from trezorlib.protobuf import MessageType

ALL_ALL = "all all all all all all all all all all all all"
HARDENED = 0x8000_0000
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
XPUB_MAGIC = 0x0488B21E
# chain ids above this get only the parity bit as signature_v (it must fit an uint32)
MAX_CHAIN_ID = (0xFFFF_FFFF - 36) // 2
MAX_DATA_STORED = 6144
DATA_CHUNK_SIZE = 1024

FT = messages.FailureType
BRT = messages.ButtonRequestType
EDT = messages.EthereumDataType

Flow = Generator[MessageType, MessageType, MessageType]


class DeviceFailure(Exception):
    """Ends the current workflow with a ``Failure`` message."""

    def __init__(self, code: FT, message: str):
        super().__init__(message)
        self.code, self.message = code, message


# --- crypto -------------------------------------------------------------------------------
def bip39_seed(mnemonic: str, passphrase: str = "") -> bytes:
    words = unicodedata.normalize("NFKD", " ".join(mnemonic.split()))
    salt = unicodedata.normalize("NFKD", "mnemonic" + passphrase)
    return hashlib.pbkdf2_hmac("sha512", words.encode(), salt.encode(), 2048)


def hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


@dataclass(frozen=True)
class Node:
    depth: int
    fingerprint: int        # of the parent, as BIP-32 serialises it
    child_num: int
    chain_code: bytes
    private_key: bytes

    @property
    def public_key(self) -> bytes:
        return keys.PrivateKey(self.private_key).public_key.to_compressed_bytes()

    @property
    def address(self) -> str:
        return keys.PrivateKey(self.private_key).public_key.to_checksum_address()

    def xpub(self) -> str:
        return b58check(struct.pack(">LBLL", XPUB_MAGIC, self.depth, self.fingerprint, self.child_num)
                        + self.chain_code + self.public_key)

    def hd_node(self) -> messages.HDNodeType:
        return messages.HDNodeType(depth=self.depth, fingerprint=self.fingerprint,
                                   child_num=self.child_num, chain_code=self.chain_code,
                                   public_key=self.public_key)

    def sign(self, digest: bytes) -> tuple[int, bytes, bytes]:
        """RFC 6979 ECDSA with low s: (recovery id 0/1, r, s)."""
        sig = keys.PrivateKey(self.private_key).sign_msg_hash(digest)
        return sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")


def derive(seed: bytes, path: list[int]) -> Node:
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    node = Node(0, 0, 0, digest[32:], digest[:32])
    for index in path:
        if index & HARDENED:
            data = b"\0" + node.private_key + index.to_bytes(4, "big")
        else:
            data = node.public_key + index.to_bytes(4, "big")
        digest = hmac.new(node.chain_code, data, hashlib.sha512).digest()
        key = (int.from_bytes(digest[:32], "big") + int.from_bytes(node.private_key, "big")) % SECP256K1_N
        node = Node(node.depth + 1, int.from_bytes(hash160(node.public_key)[:4], "big"), index,
                    digest[32:], key.to_bytes(32, "big"))
    return node


def rlp_length_prefix(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(encoded)]) + encoded


def rlp_item(value: int | bytes) -> bytes:
    """RLP of one string (ints as minimal big-endian strings), as the firmware writes it."""
    if isinstance(value, int):
        value = value.to_bytes((value.bit_length() + 7) // 8, "big")
    if len(value) == 1 and value[0] < 0x80:
        return value
    return rlp_length_prefix(len(value), 0x80) + value


def rlp_list(encoded_items: list[bytes]) -> bytes:
    payload = b"".join(encoded_items)
    return rlp_length_prefix(len(payload), 0xC0) + payload


def address_bytes(address: str) -> bytes:
    if len(address) == 42 and address[:2] in ("0x", "0X"):
        return bytes.fromhex(address[2:])
    if len(address) == 40:
        return bytes.fromhex(address)
    if address == "":
        return b""
    raise DeviceFailure(FT.DataError, "Ethereum: Invalid address length")


def type_name(field: messages.EthereumFieldType) -> str:
    if field.data_type == EDT.STRUCT:
        return field.struct_name
    if field.data_type == EDT.ARRAY:
        inner = type_name(field.entry_type)
        return f"{inner}[]" if field.size is None else f"{inner}[{field.size}]"
    if field.data_type in (EDT.UINT, EDT.INT):
        return ("uint" if field.data_type == EDT.UINT else "int") + str(field.size * 8)
    if field.data_type == EDT.BYTES:
        return "bytes" if field.size is None else f"bytes{field.size}"
    return {EDT.STRING: "string", EDT.BOOL: "bool", EDT.ADDRESS: "address"}[field.data_type]


# --- the device ---------------------------------------------------------------------------
@dataclass
class _Session:
    id: bytes
    seed: bytes | None = None


class TrezorTestDevice:
    """Start with ``with TrezorTestDevice(...) as device:``; ``device.path`` is the transport
    path ("udp:127.0.0.1:PORT"). Switches for tests: ``user_rejects`` (every confirmation
    screen answers ``Failure(ActionCancelled)``), ``pin`` (the device starts locked and asks
    ``PinMatrixRequest``; ``pin_positions(pin)`` reads the scrambled matrix as a user would),
    ``passphrase_protection``. ``button_requests`` and ``received`` record the traffic."""

    def __init__(self, mnemonic: str = ALL_ALL, *, pin: str | None = None,
                 passphrase_protection: bool = False, label: str = "Basketry test device"):
        self.mnemonic = mnemonic
        self.pin = pin
        self.unlocked = pin is None
        self.passphrase_protection = passphrase_protection
        self.label = label
        self.user_rejects = False
        self.button_requests: list[str] = []
        self.received: list[str] = []
        self.typed_data_hashes: list[tuple[bytes, bytes]] = []   # (domain, message) per request
        self.errors: list[str] = []     # exceptions inside the device (its own bugs)
        self.pin_attempts = 0
        self.matrix: str | None = None          # what the screen shows during PIN entry
        self._random = random.Random(1)
        self._seeds: dict[str, bytes] = {}
        self._sessions: dict[bytes, _Session] = {}
        self._session: _Session | None = None
        self._flow: Flow | None = None
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._peer: Any = None
        self._pending: tuple[int, int, bytearray] | None = None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> TrezorTestDevice:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="trezor-test-device", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self._thread = self._sock = None

    def __enter__(self) -> TrezorTestDevice:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._sock is not None, "start the device first"
        return self._sock.getsockname()[1]

    @property
    def path(self) -> str:
        return f"udp:127.0.0.1:{self.port}"

    def pin_positions(self, pin: str) -> str:
        """What a user types for ``pin`` looking at the scrambled matrix now on screen."""
        assert self.matrix is not None, "the device is not showing a PIN matrix"
        return "".join(str(self.matrix.index(digit) + 1) for digit in pin)

    def lock(self) -> None:
        self.unlocked = self.pin is None

    def restart(self) -> None:
        """As after a power cycle: locked again, every session (and derived seed) forgotten."""
        self.lock()
        self._sessions.clear()
        self._session = None

    def address(self, path: list[int], passphrase: str = "") -> str:
        return derive(self._seed(passphrase), path).address

    # --- transport -----------------------------------------------------------------------
    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                packet, peer = self._sock.recvfrom(1024)
            except TimeoutError:
                continue
            except OSError:
                return
            if packet == b"PINGPING":
                self._sock.sendto(b"PONGPONG", peer)
                continue
            if len(packet) != 64:
                continue
            self._peer = peer
            message = self._reassemble(packet)
            if message is None:
                continue
            try:
                for reply in self._dispatch(*message):
                    self._send(reply)
            except Exception as e:  # noqa: BLE001 - a bug here must fail the test, not hang it
                self.errors.append(repr(e))
                self._flow = None
                self._send(messages.Failure(code=FT.FirmwareError, message=f"test device: {e!r}"))

    def _reassemble(self, packet: bytes) -> tuple[int, bytes] | None:
        if self._pending is None:
            if not packet.startswith(b"?##"):
                return None  # not protocol v1 (THP, or noise): a v1 device ignores it
            msg_type, length = struct.unpack(">HL", packet[3:9])
            self._pending = (msg_type, length, bytearray(packet[9:]))
        elif packet.startswith(b"?"):
            self._pending[2].extend(packet[1:])
        else:
            self._pending = None
            return None
        msg_type, length, buffer = self._pending
        if len(buffer) < length:
            return None
        self._pending = None
        return msg_type, bytes(buffer[:length])

    def _send(self, message: MessageType) -> None:
        msg_type, payload = DEFAULT_MAPPING.encode(message)
        data = b"##" + struct.pack(">HL", msg_type, len(payload)) + payload
        for start in range(0, len(data), 63):
            self._sock.sendto((b"?" + data[start:start + 63]).ljust(64, b"\0"), self._peer)

    # --- workflows -----------------------------------------------------------------------
    def _dispatch(self, msg_type: int, payload: bytes) -> list[MessageType]:
        try:
            message = DEFAULT_MAPPING.decode(msg_type, payload)
        except Exception:  # noqa: BLE001 - unknown type or broken protobuf
            self._flow = None
            return [messages.Failure(code=FT.UnexpectedMessage, message="Unexpected message")]
        self.received.append(type(message).__name__)
        if isinstance(message, (messages.Cancel, messages.Initialize)) and self._flow is not None:
            self._flow.close()
            self._flow = None
        if isinstance(message, messages.Cancel):
            return [messages.Failure(code=FT.ActionCancelled, message="Cancelled")]
        if self._flow is not None:
            flow, step = self._flow, (lambda: self._flow.send(message))
        else:
            handler = getattr(self, "_on_" + type(message).__name__, None)
            if handler is None:
                return [messages.Failure(code=FT.UnexpectedMessage, message="Unexpected message")]
            flow = handler(message)
            if not isinstance(flow, Generator):
                return [flow]
            self._flow, step = flow, (lambda: next(flow))
        try:
            return [step()]
        except StopIteration as done:
            self._flow = None
            return [done.value]
        except DeviceFailure as failure:
            self._flow = None
            return [messages.Failure(code=failure.code, message=failure.message)]

    def _call(self, request: MessageType, expected: type[MessageType]) -> Flow:
        reply = yield request
        if not isinstance(reply, expected):
            raise DeviceFailure(FT.UnexpectedMessage, "Unexpected message")
        return reply

    def _confirm(self, code: BRT, name: str) -> Flow:
        """A confirmation screen: ButtonRequest, then the user presses confirm (or rejects)."""
        self.button_requests.append(name)
        yield from self._call(messages.ButtonRequest(code=code, name=name), messages.ButtonAck)
        if self.user_rejects:
            raise DeviceFailure(FT.ActionCancelled, "Cancelled")

    def _unlock(self) -> Flow:
        if self.unlocked:
            return
        self.matrix = "".join(self._random.sample("123456789", 9))
        try:
            ack = yield from self._call(
                messages.PinMatrixRequest(type=messages.PinMatrixRequestType.Current),
                messages.PinMatrixAck)
            if not ack.pin or any(c not in "123456789" for c in ack.pin):
                raise DeviceFailure(FT.PinInvalid, "PIN invalid")
            entered = "".join(self.matrix[int(c) - 1] for c in ack.pin)
        finally:
            self.matrix = None
        if entered != self.pin:
            self.pin_attempts += 1
            raise DeviceFailure(FT.PinInvalid, "PIN invalid")
        self.unlocked = True

    def _keychain_seed(self) -> Flow:
        """PIN unlock, then the session's seed (asking the passphrase if it is on)."""
        yield from self._unlock()
        if self._session is None:
            self._new_session()
        if self._session.seed is None:
            passphrase = ""
            if self.passphrase_protection:
                ack = yield from self._call(messages.PassphraseRequest(), messages.PassphraseAck)
                if ack.on_device:
                    raise DeviceFailure(FT.DataError, "Passphrase entry on device not available")
                passphrase = ack.passphrase or ""
            self._session.seed = self._seed(passphrase)
        return self._session.seed

    def _seed(self, passphrase: str) -> bytes:
        if passphrase not in self._seeds:
            self._seeds[passphrase] = bip39_seed(self.mnemonic, passphrase)
        return self._seeds[passphrase]

    def _node(self, address_n: list[int]) -> Flow:
        seed = yield from self._keychain_seed()
        return derive(seed, list(address_n))

    def _new_session(self) -> None:
        self._session = _Session(os.urandom(32))
        self._sessions[self._session.id] = self._session

    def _features(self) -> messages.Features:
        return messages.Features(
            vendor="trezor.io", major_version=2, minor_version=8, patch_version=9,
            model="T", internal_model="T2T1", device_id="BASKETRYTESTDEVICE", label=self.label,
            initialized=True, pin_protection=self.pin is not None,
            passphrase_protection=self.passphrase_protection, unlocked=self.unlocked,
            passphrase_always_on_device=False,
            capabilities=[messages.Capability.Bitcoin, messages.Capability.Crypto,
                          messages.Capability.Ethereum],
            session_id=self._session.id if self._session else None)

    # --- management messages ---------------------------------------------------------------
    def _on_Initialize(self, msg: messages.Initialize) -> MessageType:
        if msg.session_id in self._sessions:
            self._session = self._sessions[msg.session_id]
        else:
            self._new_session()
        return self._features()

    def _on_GetFeatures(self, msg: messages.GetFeatures) -> MessageType:
        return self._features()

    def _on_Ping(self, msg: messages.Ping) -> Flow:
        if msg.button_protection:
            yield from self._confirm(BRT.ProtectCall, "ping")
        return messages.Success(message=msg.message)

    def _on_EndSession(self, msg: messages.EndSession) -> MessageType:
        if self._session is not None:
            self._sessions.pop(self._session.id, None)
            self._session = None
        return messages.Success(message="Session ended")

    def _on_LockDevice(self, msg: messages.LockDevice) -> MessageType:
        self.lock()
        return messages.Success(message="Locked")

    def _on_ApplyFlags(self, msg: messages.ApplyFlags) -> Flow:
        yield from self._unlock()
        return messages.Success(message="Flags applied")

    def _on_GetPublicKey(self, msg: messages.GetPublicKey) -> Flow:
        if msg.ecdsa_curve_name not in (None, "secp256k1"):
            raise DeviceFailure(FT.DataError, "Unsupported curve")
        seed = yield from self._keychain_seed()
        node = derive(seed, list(msg.address_n))
        root = derive(seed, [])
        if msg.show_display:
            yield from self._confirm(BRT.PublicKey, "show_xpub")
        return messages.PublicKey(node=node.hd_node(), xpub=node.xpub(),
                                  root_fingerprint=int.from_bytes(hash160(root.public_key)[:4], "big"))

    # --- Ethereum ----------------------------------------------------------------------------
    def _on_EthereumGetAddress(self, msg: messages.EthereumGetAddress) -> Flow:
        node = yield from self._node(msg.address_n)
        if msg.show_display:
            yield from self._confirm(BRT.Address, "show_address")
        return messages.EthereumAddress(address=node.address)

    def _on_EthereumGetPublicKey(self, msg: messages.EthereumGetPublicKey) -> Flow:
        node = yield from self._node(msg.address_n)
        if msg.show_display:
            yield from self._confirm(BRT.PublicKey, "show_pubkey")
        return messages.EthereumPublicKey(node=node.hd_node(), xpub=node.xpub())

    def _on_EthereumSignMessage(self, msg: messages.EthereumSignMessage) -> Flow:
        node = yield from self._node(msg.address_n)
        yield from self._confirm(BRT.Other, "sign_message")
        digest = keccak(b"\x19Ethereum Signed Message:\n" + str(len(msg.message)).encode() + msg.message)
        recovery, r, s = node.sign(digest)
        return messages.EthereumMessageSignature(address=node.address,
                                                 signature=r + s + bytes([27 + recovery]))

    def _check_tx(self, msg: messages.EthereumSignTx | messages.EthereumSignTxEIP1559) -> None:
        if msg.data_length > 0:
            if not msg.data_initial_chunk:
                raise DeviceFailure(FT.DataError, "Data length provided, but no initial chunk")
            if msg.data_length > 16_000_000:
                raise DeviceFailure(FT.DataError, "Data length exceeds limit")
            if len(msg.data_initial_chunk) > msg.data_length:
                raise DeviceFailure(FT.DataError, "Invalid size of initial chunk")
        if len(msg.to) not in (0, 40, 42):
            raise DeviceFailure(FT.DataError, "Invalid recipient address")
        if not msg.to and msg.data_length == 0:
            raise DeviceFailure(FT.DataError, "Contract creation without data")
        if msg.chain_id == 0:
            raise DeviceFailure(FT.DataError, "Chain ID out of bounds")

    def _collect_data(self, received: bytes, limit: int) -> Flow:
        """The calldata up to ``limit`` bytes, asked in chunks of at most 1024 bytes."""
        data = bytearray(received)
        while len(data) < limit:
            wanted = min(limit - len(data), DATA_CHUNK_SIZE)
            ack = yield from self._call(messages.EthereumTxRequest(data_length=wanted),
                                        messages.EthereumTxAck)
            if len(ack.data_chunk) > wanted:
                raise DeviceFailure(FT.DataError, "Too much data")
            if not ack.data_chunk:
                raise DeviceFailure(FT.DataError, "Missing data")
            data.extend(ack.data_chunk)
        return bytes(data)

    def _confirm_tx(self, msg: messages.EthereumSignTx | messages.EthereumSignTxEIP1559) -> Flow:
        """Stored calldata first (as the firmware does before its screens), the screens, then
        the rest of the calldata streamed while the data screen pages through it."""
        data = yield from self._collect_data(msg.data_initial_chunk,
                                             min(msg.data_length, MAX_DATA_STORED))
        yield from self._confirm(BRT.SignTx, "confirm_output")
        if msg.data_length:
            yield from self._confirm(BRT.SignTx, "confirm_data")
            data = yield from self._collect_data(data, msg.data_length)
        yield from self._confirm(BRT.SignTx, "confirm_total")
        return data

    def _on_EthereumSignTx(self, msg: messages.EthereumSignTx) -> Flow:
        self._check_tx(msg)
        if msg.tx_type not in (1, 6, None):
            raise DeviceFailure(FT.DataError, "tx_type out of bounds")
        if len(msg.gas_price) + len(msg.gas_limit) > 30:
            raise DeviceFailure(FT.DataError, "Fee overflow")
        node = yield from self._node(msg.address_n)
        data = yield from self._confirm_tx(msg)
        items = [] if msg.tx_type is None else [rlp_item(msg.tx_type)]
        items += [rlp_item(f) for f in (msg.nonce, msg.gas_price, msg.gas_limit,
                                        address_bytes(msg.to), msg.value, data)]
        items += [rlp_item(msg.chain_id), rlp_item(0), rlp_item(0)]
        recovery, r, s = node.sign(keccak(rlp_list(items)))
        v = recovery if msg.chain_id > MAX_CHAIN_ID else 27 + recovery + 2 * msg.chain_id + 8
        return messages.EthereumTxRequest(signature_v=v, signature_r=r, signature_s=s)

    def _on_EthereumSignTxEIP1559(self, msg: messages.EthereumSignTxEIP1559) -> Flow:
        if len(msg.max_gas_fee) + len(msg.gas_limit) > 30 or \
                len(msg.max_priority_fee) + len(msg.gas_limit) > 30:
            raise DeviceFailure(FT.DataError, "Fee overflow")
        self._check_tx(msg)
        node = yield from self._node(msg.address_n)
        data = yield from self._confirm_tx(msg)
        access_list = [rlp_list([rlp_item(address_bytes(item.address)),
                                 rlp_list([rlp_item(key) for key in item.storage_keys])])
                       for item in msg.access_list]
        items = [rlp_item(f) for f in (msg.chain_id, msg.nonce, msg.max_priority_fee,
                                       msg.max_gas_fee, msg.gas_limit, address_bytes(msg.to),
                                       msg.value, data)]
        recovery, r, s = node.sign(keccak(b"\x02" + rlp_list(items + [rlp_list(access_list)])))
        return messages.EthereumTxRequest(signature_v=recovery, signature_r=r, signature_s=s)

    def _on_EthereumSignTypedData(self, msg: messages.EthereumSignTypedData) -> Flow:
        node = yield from self._node(msg.address_n)
        yield from self._confirm(BRT.Other, "confirm_address")
        eip712 = _TypedData(self, msg.metamask_v4_compat)
        yield from eip712.collect_types("EIP712Domain")
        yield from eip712.collect_types(msg.primary_type)
        domain_hash = yield from eip712.hash_struct("EIP712Domain", [0])
        if msg.primary_type == "EIP712Domain":
            message_hash = b""
        else:
            message_hash = yield from eip712.hash_struct(msg.primary_type, [1])
        self.typed_data_hashes.append((domain_hash, message_hash))
        if msg.show_message_hash is not None:
            if msg.show_message_hash != message_hash:
                raise DeviceFailure(FT.DataError, "Message hash mismatch")
            yield from self._confirm(BRT.Other, "confirm_message_hash")
        yield from self._confirm(BRT.SignTx, "confirm_typed_data")
        recovery, r, s = node.sign(keccak(b"\x19\x01" + domain_hash + message_hash))
        return messages.EthereumTypedDataSignature(address=node.address,
                                                   signature=r + s + bytes([27 + recovery]))


class _TypedData:
    """EIP-712 as the firmware computes it: types asked one struct at a time, values one
    member path at a time ([0, ...] the domain, [1, ...] the message)."""

    def __init__(self, device: TrezorTestDevice, metamask_v4_compat: bool):
        self.device = device
        self.v4 = metamask_v4_compat
        self.types: dict[str, list[messages.EthereumStructMember]] = {}

    def collect_types(self, name: str) -> Flow:
        ack = yield from self.device._call(messages.EthereumTypedDataStructRequest(name=name),
                                           messages.EthereumTypedDataStructAck)
        self.types[name] = list(ack.members)
        for member in ack.members:
            field = member.type
            _validate_field_type(field)
            while field.data_type == EDT.ARRAY:
                field = field.entry_type
            if field.data_type == EDT.STRUCT and field.struct_name not in self.types:
                yield from self.collect_types(field.struct_name)

    def encode_type(self, name: str) -> bytes:
        deps: set[str] = set()
        self._dependencies(name, deps)
        deps.discard(name)
        return "".join(
            f"{t}(" + ",".join(f"{type_name(m.type)} {m.name}" for m in self.types[t]) + ")"
            for t in [name, *sorted(deps)]).encode()

    def _dependencies(self, name: str, found: set[str]) -> None:
        if name in found or name not in self.types:
            return
        found.add(name)
        for member in self.types[name]:
            field = member.type
            while field.data_type == EDT.ARRAY:
                field = field.entry_type
            if field.data_type == EDT.STRUCT:
                self._dependencies(field.struct_name, found)

    def hash_struct(self, name: str, path: list[int]) -> Flow:
        encoded = yield from self.encode_data(name, path)
        return keccak(keccak(self.encode_type(name)) + encoded)

    def encode_data(self, name: str, path: list[int]) -> Flow:
        out = bytearray()
        for index, member in enumerate(self.types[name]):
            field, member_path = member.type, [*path, index]
            if field.data_type == EDT.STRUCT:
                out += yield from self.hash_struct(field.struct_name, member_path)
            elif field.data_type == EDT.ARRAY:
                if field.size is None:
                    length = yield from self.value(
                        messages.EthereumFieldType(data_type=EDT.UINT, size=2), member_path)
                    size = int.from_bytes(length, "big")
                else:
                    size = field.size
                entry, items = field.entry_type, bytearray()
                for i in range(size):
                    if entry.data_type == EDT.STRUCT and self.v4:
                        items += yield from self.hash_struct(entry.struct_name, [*member_path, i])
                    elif entry.data_type == EDT.STRUCT:
                        items += yield from self.encode_data(entry.struct_name, [*member_path, i])
                    else:
                        value = yield from self.value(entry, [*member_path, i])
                        items += _encode_field(entry, value)
                out += keccak(bytes(items))
            else:
                value = yield from self.value(field, member_path)
                out += _encode_field(field, value)
        return bytes(out)

    def value(self, field: messages.EthereumFieldType, path: list[int]) -> Flow:
        ack = yield from self.device._call(
            messages.EthereumTypedDataValueRequest(member_path=path),
            messages.EthereumTypedDataValueAck)
        value = ack.value
        if field.size is not None and len(value) != field.size:
            raise DeviceFailure(FT.DataError, "Invalid length")
        if field.data_type == EDT.BOOL and value not in (b"\x00", b"\x01"):
            raise DeviceFailure(FT.DataError, "Invalid boolean value")
        if field.data_type == EDT.ADDRESS and len(value) != 20:
            raise DeviceFailure(FT.DataError, "Invalid address")
        if field.data_type == EDT.STRING:
            try:
                value.decode()
            except UnicodeDecodeError:
                raise DeviceFailure(FT.DataError, "Invalid UTF-8") from None
        return value


def _validate_field_type(field: messages.EthereumFieldType) -> None:
    if field.data_type == EDT.ARRAY:
        if field.entry_type is None:
            raise DeviceFailure(FT.DataError, "Missing entry_type in array")
        _validate_field_type(field.entry_type)
    elif field.entry_type is not None:
        raise DeviceFailure(FT.DataError, "Unexpected entry_type in nonarray")
    if (field.data_type == EDT.STRUCT) != (field.struct_name is not None):
        raise DeviceFailure(FT.DataError, "Invalid struct_name")
    if field.data_type == EDT.STRUCT and field.size is None:
        raise DeviceFailure(FT.DataError, "Missing size in struct")
    if field.data_type == EDT.BYTES and field.size is not None and not 1 <= field.size <= 32:
        raise DeviceFailure(FT.DataError, "Invalid size in bytes")
    if field.data_type in (EDT.UINT, EDT.INT) and (field.size is None or not 1 <= field.size <= 32):
        raise DeviceFailure(FT.DataError, "Invalid size in int/uint")
    if field.data_type in (EDT.STRING, EDT.BOOL, EDT.ADDRESS) and field.size is not None:
        raise DeviceFailure(FT.DataError, "Unexpected size in str/bool/addr")


def _encode_field(field: messages.EthereumFieldType, value: bytes) -> bytes:
    if field.data_type in (EDT.STRING,) or (field.data_type == EDT.BYTES and field.size is None):
        return keccak(value)
    if field.data_type == EDT.BYTES:
        return value.ljust(32, b"\0")
    if field.data_type == EDT.INT and value and value[0] & 0x80:
        return value.rjust(32, b"\xff")
    if field.data_type in (EDT.INT, EDT.UINT, EDT.BOOL, EDT.ADDRESS):
        return value.rjust(32, b"\0")
    raise DeviceFailure(FT.DataError, "Unsupported data type for field encoding")

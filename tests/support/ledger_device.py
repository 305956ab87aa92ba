"""A protocol-level Ledger test device: the Ethereum app's side of the APDU protocol, computed
from a BIP-39 seed (not looked up), behind speculos' TCP framing on 127.0.0.1.

What it implements, as the real app does (checked against real-firmware golden data in
``tests/wallet/test_ledger.py``):
- E0 06 app configuration: flags (0x01 blind signing on, 0x02 external token info) + version;
- E0 02 address: 65-byte uncompressed public key, the EIP-55 address in ASCII, optional chain
  code (P2=01); P1=01 asks the user (who may reject: 6985);
- E0 04 transaction, streamed in chunks (P1 00 first with the path, 80 after): legacy (with
  or without the EIP-155 tail), EIP-2930 and EIP-1559; the data field is checked as soon as
  its RLP header arrives (6A80 when it is not empty and blind signing is off); once complete
  the user approves or rejects (6985); the answer is v || r || s with v the low byte of
  chainId * 2 + 35 + parity (legacy EIP-155), 27 + parity (legacy pre-155), or the parity
  (typed transactions);
- E0 08 personal message (EIP-191), chunked: v (27/28) || r || s;
- E0 0C EIP-712 hashed mode (P2=00): needs blind signing (else 6A80); v (27/28) || r || s.

Signatures are RFC 6979 deterministic (eth_keys), like the device's, so the same seed gives
byte-identical answers. ``blind_signing`` is the app's setting; ``user_rejects`` is what the
user does with the buttons when the app asks.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import struct
import threading
from dataclasses import dataclass, field

import rlp
from eth_account.hdaccount import seed_from_mnemonic
from eth_account.hdaccount.deterministic import HardNode, SoftNode, derive_child_key
from eth_keys import keys
from eth_utils import keccak

SPECULOS_MNEMONIC = ("glory promote mansion idle axis finger extra february uncover one trip resource "
                     "lawn turtle enact monster seven myth punch hobby comfort wild raise skin")

HARDENED = 0x8000_0000
SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_CONDITIONS = 0x6985          # user rejected / no request in progress
SW_INVALID_DATA = 0x6A80
SW_WRONG_P1_P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

# index of the data field in each transaction type's RLP list
DATA_FIELD = {0: 5, 1: 6, 2: 7}
FIELD_COUNTS = {0: (6, 9), 1: (8,), 2: (9,)}


class _Refuse(Exception):
    def __init__(self, sw: int):
        self.sw = sw


@dataclass
class _Stream:
    kind: int                   # the INS being streamed (E0 04 or E0 08)
    path: list[int]
    buffer: bytearray = field(default_factory=bytearray)
    length: int = 0             # personal message: announced length


class LedgerTestDevice:
    def __init__(self, mnemonic: str = SPECULOS_MNEMONIC, passphrase: str = "",
                 version: tuple[int, int, int] = (1, 22, 0), blind_signing: bool = False):
        self.seed = seed_from_mnemonic(mnemonic, passphrase)
        self.version = version
        self.blind_signing = blind_signing     # the app's "Blind signing" setting
        self.user_rejects = False              # the user presses "Reject" when asked
        self.app_open = True                   # False: the dashboard answers (6E00)
        self.apdus: list[bytes] = []           # every APDU received, in order
        self._stream: _Stream | None = None

    # --- keys ----------------------------------------------------------------------------
    def derive(self, path: list[int]) -> tuple[keys.PrivateKey, bytes]:
        """BIP-32 from the seed: (private key, chain code) at ``path``."""
        master = hmac.new(b"Bitcoin seed", self.seed, hashlib.sha512).digest()
        key, chain_code = master[:32], master[32:]
        for index in path:
            node = HardNode(index - HARDENED) if index & HARDENED else SoftNode(index)
            key, chain_code = derive_child_key(key, chain_code, node)
        return keys.PrivateKey(key), chain_code

    # --- APDU dispatch -------------------------------------------------------------------
    def handle(self, apdu: bytes) -> bytes:
        """One APDU in, the reply (data followed by the 2-byte status word) out."""
        self.apdus.append(bytes(apdu))
        try:
            data = self._dispatch(bytes(apdu))
            sw = SW_OK
        except _Refuse as refusal:
            data, sw = b"", refusal.sw
        return data + struct.pack(">H", sw)

    def _dispatch(self, apdu: bytes) -> bytes:
        if not self.app_open:
            raise _Refuse(SW_CLA_NOT_SUPPORTED)
        if len(apdu) < 5 or apdu[4] != len(apdu) - 5:
            raise _Refuse(SW_WRONG_LENGTH)
        cla, ins, p1, p2 = apdu[:4]
        data = apdu[5:]
        if cla != 0xE0:
            raise _Refuse(SW_CLA_NOT_SUPPORTED)
        handler = {0x06: self._app_configuration, 0x02: self._address, 0x04: self._sign_tx,
                   0x08: self._sign_personal, 0x0C: self._sign_eip712}.get(ins)
        if handler is None:
            raise _Refuse(SW_INS_NOT_SUPPORTED)
        if ins not in (0x04, 0x08):
            self._stream = None                # any other command ends a streamed request
        return handler(p1, p2, data)

    @staticmethod
    def _path(data: bytes) -> tuple[list[int], bytes]:
        if not data or not 1 <= data[0] <= 10 or len(data) < 1 + 4 * data[0]:
            raise _Refuse(SW_INVALID_DATA)
        depth = data[0]
        return [struct.unpack_from(">I", data, 1 + 4 * i)[0] for i in range(depth)], data[1 + 4 * depth:]

    def _ask_user(self) -> None:
        self._stream = None
        if self.user_rejects:
            raise _Refuse(SW_CONDITIONS)

    # --- E0 06 ---------------------------------------------------------------------------
    def _app_configuration(self, p1: int, p2: int, data: bytes) -> bytes:
        flags = (0x01 if self.blind_signing else 0x00) | 0x02
        return bytes([flags, *self.version])

    # --- E0 02 ---------------------------------------------------------------------------
    def _address(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 not in (0, 1) or p2 not in (0, 1):
            raise _Refuse(SW_WRONG_P1_P2)
        path, rest = self._path(data)
        if rest and len(rest) != 8:             # optional 8-byte chain id (display only)
            raise _Refuse(SW_INVALID_DATA)
        key, chain_code = self.derive(path)
        public_key = b"\x04" + key.public_key.to_bytes()
        address = key.public_key.to_checksum_address()[2:].encode("ascii")
        if p1 == 1:
            self._ask_user()
        reply = bytes([len(public_key)]) + public_key + bytes([len(address)]) + address
        return reply + (chain_code if p2 == 1 else b"")

    # --- E0 04 ---------------------------------------------------------------------------
    def _sign_tx(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 == 0x00:
            path, rest = self._path(data)
            self._stream = _Stream(0x04, path, bytearray(rest))
        elif p1 == 0x80:
            if self._stream is None or self._stream.kind != 0x04:
                raise _Refuse(SW_CONDITIONS)
            self._stream.buffer += data
        else:
            raise _Refuse(SW_WRONG_P1_P2)
        try:
            complete = self._inspect_tx(bytes(self._stream.buffer))
        except _Refuse:
            self._stream = None
            raise
        if not complete:
            return b""
        stream = self._stream
        payload = bytes(stream.buffer)
        tx_type = payload[0] if payload[0] < 0x80 else 0
        items = rlp.decode(payload[1:] if tx_type else payload)
        if not isinstance(items, list) or len(items) not in FIELD_COUNTS[tx_type]:
            self._stream = None
            raise _Refuse(SW_INVALID_DATA)
        self._ask_user()
        key, _ = self.derive(stream.path)
        sig = key.sign_msg_hash(keccak(payload))
        if tx_type:
            v = sig.v
        elif len(items) == 9:
            chain_id = int.from_bytes(items[6], "big")
            v = (chain_id * 2 + 35 + sig.v) & 0xFF    # the app sends the low byte only
        else:
            v = 27 + sig.v
        return bytes([v]) + sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big")

    def _inspect_tx(self, payload: bytes) -> bool:
        """Walk what has arrived of the transaction, as the app's streaming parser does:
        True when complete; refuses contract data without blind signing as soon as the data
        field's header is seen; refuses malformed or overlong input."""
        if not payload:
            return False
        tx_type = payload[0] if payload[0] < 0x80 else 0
        if tx_type not in DATA_FIELD:
            raise _Refuse(SW_INVALID_DATA)
        offset = 1 if tx_type else 0
        header = _rlp_header(payload, offset)
        if header is None:
            return False
        is_list, start, length = header
        if not is_list:
            raise _Refuse(SW_INVALID_DATA)
        end = start + length
        position, index = start, 0
        while position < min(end, len(payload)):
            item = _rlp_header(payload, position)
            if item is None:
                break
            _, item_start, item_length = item
            if index == DATA_FIELD[tx_type] and item_length > 0 and not self.blind_signing:
                raise _Refuse(SW_INVALID_DATA)
            position, index = item_start + item_length, index + 1
        if len(payload) > end:
            raise _Refuse(SW_INVALID_DATA)
        return len(payload) == end

    # --- E0 08 ---------------------------------------------------------------------------
    def _sign_personal(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 == 0x00:
            path, rest = self._path(data)
            if len(rest) < 4:
                raise _Refuse(SW_INVALID_DATA)
            self._stream = _Stream(0x08, path, bytearray(rest[4:]), struct.unpack(">I", rest[:4])[0])
        elif p1 == 0x80:
            if self._stream is None or self._stream.kind != 0x08:
                raise _Refuse(SW_CONDITIONS)
            self._stream.buffer += data
        else:
            raise _Refuse(SW_WRONG_P1_P2)
        stream = self._stream
        if len(stream.buffer) > stream.length:
            self._stream = None
            raise _Refuse(SW_INVALID_DATA)
        if len(stream.buffer) < stream.length:
            return b""
        self._ask_user()
        message = bytes(stream.buffer)
        digest = keccak(b"\x19Ethereum Signed Message:\n" + str(len(message)).encode() + message)
        return self._sign_27(stream.path, digest)

    # --- E0 0C ---------------------------------------------------------------------------
    def _sign_eip712(self, p1: int, p2: int, data: bytes) -> bytes:
        if p1 != 0x00 or p2 != 0x00:            # only the hashed ("v0") mode
            raise _Refuse(SW_WRONG_P1_P2)
        if not self.blind_signing:
            raise _Refuse(SW_INVALID_DATA)
        path, rest = self._path(data)
        if len(rest) < 64:
            raise _Refuse(SW_INVALID_DATA)
        self._ask_user()
        return self._sign_27(path, keccak(b"\x19\x01" + rest[:32] + rest[32:64]))

    def _sign_27(self, path: list[int], digest: bytes) -> bytes:
        key, _ = self.derive(path)
        sig = key.sign_msg_hash(digest)
        return bytes([27 + sig.v]) + sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big")


def _rlp_header(data: bytes, offset: int) -> tuple[bool, int, int] | None:
    """(is_list, payload start, payload length) of the RLP item at ``offset``, or None when
    its header has not fully arrived yet."""
    if offset >= len(data):
        return None
    first = data[offset]
    if first < 0x80:
        return False, offset, 1
    if first <= 0xB7:
        return False, offset + 1, first - 0x80
    if first <= 0xBF:
        size = first - 0xB7
        if offset + 1 + size > len(data):
            return None
        return False, offset + 1 + size, int.from_bytes(data[offset + 1:offset + 1 + size], "big")
    if first <= 0xF7:
        return True, offset + 1, first - 0xC0
    size = first - 0xF7
    if offset + 1 + size > len(data):
        return None
    return True, offset + 1 + size, int.from_bytes(data[offset + 1:offset + 1 + size], "big")


class LedgerTcpServer:
    """speculos' APDU server framing on 127.0.0.1 (ephemeral port), in a background thread:
    read a 4-byte big-endian length and the APDU; answer a 4-byte length of the response data
    (status word not counted), the data, then the status word."""

    def __init__(self, device: LedgerTestDevice | None = None, host: str = "127.0.0.1"):
        self.device = device or LedgerTestDevice()
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.1)            # so ``stop`` is noticed promptly
        self.host, self.port = self._listener.getsockname()[:2]
        self._clients: list[socket.socket] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="ledger-test-device", daemon=True)

    def start(self) -> LedgerTcpServer:
        self._thread.start()
        return self

    def __enter__(self) -> LedgerTcpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            self._clients.append(client)
            threading.Thread(target=self._talk, args=(client,), daemon=True).start()

    def _talk(self, client: socket.socket) -> None:
        with client:
            while True:
                header = _recv_exact(client, 4)
                if header is None:
                    return
                apdu = _recv_exact(client, struct.unpack(">I", header)[0])
                if apdu is None:
                    return
                with self._lock:                  # one device: one APDU at a time
                    reply = self.device.handle(apdu)
                try:
                    client.sendall(struct.pack(">I", len(reply) - 2) + reply)
                except OSError:
                    return

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        for client in self._clients:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        try:
            part = sock.recv(size - len(data))
        except OSError:
            return None
        if not part:
            return None
        data += part
    return bytes(data)


class FakeHidLedger:
    """Stands in for an opened ``hid.device`` holding the test device: decodes Ledger's HID
    framing (64-byte reports after a 0x00 report id; channel 0x0101, tag 0x05, sequence
    number, APDU length in the first report), answers through ``device``, and frames the reply
    the same way. Written independently of the client's framing code, to test it."""

    def __init__(self, device: LedgerTestDevice | None = None, channel: int = 0x0101):
        self.device = device or LedgerTestDevice()
        self.channel = channel
        self.writes: list[bytes] = []
        self._incoming = bytearray()
        self._expected: int | None = None
        self._seq = 0
        self._outgoing: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> int:
        data = bytes(data)
        self.writes.append(data)
        assert len(data) == 65 and data[0] == 0x00, "one 64-byte report after report id 0"
        report = data[1:]
        channel, tag, seq = struct.unpack_from(">HBH", report)
        assert (channel, tag, seq) == (self.channel, 0x05, self._seq), (channel, tag, seq)
        body = report[5:]
        if self._seq == 0:
            self._expected, body = struct.unpack_from(">H", body)[0], body[2:]
        self._seq += 1
        self._incoming += body
        if len(self._incoming) >= self._expected:
            apdu = bytes(self._incoming[:self._expected])
            self._incoming, self._expected, self._seq = bytearray(), None, 0
            self._queue_reply(self.device.handle(apdu))
        return len(data)

    def _queue_reply(self, reply: bytes) -> None:
        rest, seq = struct.pack(">H", len(reply)) + reply, 0
        while rest:
            header = struct.pack(">HBH", self.channel, 0x05, seq)
            chunk, rest = rest[:64 - 5], rest[64 - 5:]
            self._outgoing.append((header + chunk).ljust(64, b"\x00"))
            seq += 1

    def read(self, size: int, timeout_ms: int = 0) -> list[int]:
        return list(self._outgoing.pop(0)[:size]) if self._outgoing else []

    def close(self) -> None:
        self.closed = True

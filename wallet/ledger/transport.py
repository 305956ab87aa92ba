"""Ways to carry APDUs to a Ledger: ``TcpTransport`` (the speculos emulator) and
``HidTransport`` (a real device over USB HID, through ``hidapi``).

Both have one method that matters: ``exchange(apdu) -> (data, status_word)``. They raise
``DeviceError`` when the device cannot be reached or the link breaks; a status word other
than 0x9000 is NOT an error here (``signer.py`` decides what it means).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any, Protocol

from wallet.errors import DeviceError

LEDGER_VENDOR_ID = 0x2C97


class Transport(Protocol):
    def exchange(self, apdu: bytes) -> tuple[bytes, int]: ...

    def close(self) -> None: ...


# --- speculos' TCP framing -----------------------------------------------------------------
class TcpTransport:
    """speculos' APDU server: send a 4-byte big-endian length then the APDU; the reply is a
    4-byte big-endian length of the response data, the data, then the 2-byte status word
    (the length does not count the status word)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 9999, timeout: float | None = 300.0,
                 connect_timeout: float = 5.0):
        self.host, self.port = host, port
        self.timeout = timeout                  # a signing waits for the user: be patient
        self.connect_timeout = connect_timeout
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> TcpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> socket.socket:
        if self._sock is None:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
            except OSError as e:
                raise DeviceError(f"Cannot reach the Ledger emulator at {self.host}:{self.port} "
                                  f"({e.strerror or e}).") from None
            sock.settimeout(self.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
        return self._sock

    def _recv_exact(self, sock: socket.socket, size: int) -> bytes:
        data = bytearray()
        while len(data) < size:
            part = sock.recv(size - len(data))
            if not part:
                raise ConnectionError("connection closed by the emulator")
            data += part
        return bytes(data)

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        with self._lock:
            sock = self._connect()
            try:
                sock.sendall(struct.pack(">I", len(apdu)) + bytes(apdu))
                (size,) = struct.unpack(">I", self._recv_exact(sock, 4))
                data = self._recv_exact(sock, size)
                (sw,) = struct.unpack(">H", self._recv_exact(sock, 2))
            except TimeoutError:
                self._drop()
                raise DeviceError(f"The Ledger emulator did not answer within {self.timeout:g} s.") from None
            except OSError as e:
                self._drop()
                raise DeviceError(f"Lost the connection to the Ledger emulator at "
                                  f"{self.host}:{self.port} ({e}).") from None
            return data, sw

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def close(self) -> None:
        with self._lock:
            self._drop()


# --- Ledger's HID framing ------------------------------------------------------------------
HID_REPORT_SIZE = 64
HID_CHANNEL = 0x0101
HID_TAG_APDU = 0x05


def hid_frames(apdu: bytes, channel: int = HID_CHANNEL, size: int = HID_REPORT_SIZE) -> list[bytes]:
    """Split an APDU into HID reports: each starts with channel (2 bytes), tag 0x05, sequence
    number (2 bytes); the first also carries the APDU length (2 bytes); the last is padded
    with zeros to the report size."""
    frames = []
    payload = struct.pack(">H", len(apdu)) + bytes(apdu)
    seq = 0
    while payload or seq == 0:
        header = struct.pack(">HBH", channel, HID_TAG_APDU, seq)
        body, payload = payload[:size - len(header)], payload[size - len(header):]
        frames.append((header + body).ljust(size, b"\x00"))
        seq += 1
    return frames


class HidReassembler:
    """Collects the reports of one reply; ``feed`` returns the full reply (data + status word)
    once complete, else None."""

    def __init__(self, channel: int = HID_CHANNEL):
        self.channel = channel
        self.expected: int | None = None
        self.buffer = bytearray()
        self.seq = 0

    def feed(self, report: bytes) -> bytes | None:
        if len(report) < 5:
            raise DeviceError("The Ledger sent a truncated USB report.")
        channel, tag, seq = struct.unpack_from(">HBH", report)
        if channel != self.channel or tag != HID_TAG_APDU:
            raise DeviceError("The Ledger sent an unexpected USB report: unplug it, plug it in, retry.")
        if seq != self.seq:
            raise DeviceError(f"The Ledger's USB reports arrived out of order (got {seq}, "
                              f"expected {self.seq}).")
        body = report[5:]
        if self.seq == 0:
            if len(body) < 2:
                raise DeviceError("The Ledger sent a truncated USB report.")
            self.expected = struct.unpack_from(">H", body)[0]
            body = body[2:]
        self.seq += 1
        assert self.expected is not None
        self.buffer += body[:self.expected - len(self.buffer)]
        return bytes(self.buffer) if len(self.buffer) >= self.expected else None


class HidTransport:
    """A Ledger on USB, through ``hidapi`` (``pip install hidapi``; Linux needs Ledger's udev
    rules). ``device`` may be an already opened ``hid.device`` (or anything with ``write`` and
    ``read(size, timeout_ms)``); otherwise the first Ledger found, or the one at ``path``."""

    def __init__(self, path: bytes | None = None, device: Any = None, timeout: float | None = 300.0):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._device = device
        if device is None:
            try:
                import hid
            except ImportError:
                raise DeviceError("USB access to the Ledger needs the 'hidapi' package.") from None
            if path is None:
                found = self.enumerate()
                if not found:
                    raise DeviceError("No Ledger found on USB: plug it in, unlock it and open the "
                                      "Ethereum app.")
                path = found[0]
            try:
                self._device = hid.device()
                self._device.open_path(path)
            except OSError as e:
                raise DeviceError(f"Cannot open the Ledger on USB ({e}); on Linux, install "
                                  "Ledger's udev rules.") from None

    @staticmethod
    def enumerate() -> list[bytes]:
        """Paths of the Ledger devices' APDU interfaces."""
        try:
            import hid
        except ImportError:
            return []
        return [info["path"] for info in hid.enumerate(LEDGER_VENDOR_ID, 0)
                if info.get("interface_number") == 0 or info.get("usage_page") == 0xFFA0]

    def __enter__(self) -> HidTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        with self._lock:
            if self._device is None:
                raise DeviceError("The Ledger connection is closed.")
            try:
                for frame in hid_frames(apdu):
                    # hidapi wants the report id first; Ledger uses none (0x00)
                    if self._device.write(b"\x00" + frame) < 0:
                        raise OSError("write failed")
                reply = self._read_reply()
            except OSError as e:
                raise DeviceError(f"Lost the connection to the Ledger ({e}).") from None
        if len(reply) < 2:
            raise DeviceError("The Ledger sent an empty answer.")
        return reply[:-2], struct.unpack(">H", reply[-2:])[0]

    def _read_reply(self) -> bytes:
        reassembler = HidReassembler()
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            report = bytes(self._device.read(HID_REPORT_SIZE + 1, 200))
            if report:
                reply = reassembler.feed(report)
                if reply is not None:
                    return reply
            elif deadline is not None and time.monotonic() > deadline:
                raise DeviceError(f"The Ledger did not answer within {self.timeout:g} s.")

    def close(self) -> None:
        with self._lock:
            if self._device is not None:
                try:
                    self._device.close()
                finally:
                    self._device = None

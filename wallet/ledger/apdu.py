"""The Ledger Ethereum app's APDU protocol, pure: build commands, parse replies, map status
words to errors. No I/O here (see ``transport.py``) and no signing policy (see ``signer.py``).

Command layout (ISO 7816-like, as BOLOS uses it): CLA INS P1 P2 Lc data, with Lc one byte, so
at most 255 bytes of data per APDU. Longer payloads go in chunks: the first with P1=0x00 and
the BIP-32 path in front, the following ones with P1=0x80.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from wallet.errors import DeviceError

CLA = 0xE0
INS_GET_PUBLIC_ADDRESS = 0x02
INS_SIGN_TRANSACTION = 0x04
INS_GET_APP_CONFIGURATION = 0x06
INS_SIGN_PERSONAL_MESSAGE = 0x08
INS_SIGN_EIP712 = 0x0C

P1_FIRST_CHUNK = 0x00
P1_MORE_CHUNKS = 0x80
P1_NO_DISPLAY = 0x00
P1_DISPLAY = 0x01
P2_NO_CHAIN_CODE = 0x00
P2_CHAIN_CODE = 0x01
P2_EIP712_HASHED = 0x00         # "v0": the host sends the domain and message hashes

MAX_CHUNK = 255
HARDENED = 0x8000_0000
MAX_PATH_DEPTH = 10

# app configuration flags (byte 0 of the E0 06 reply)
FLAG_BLIND_SIGNING = 0x01       # "arbitrary data" / blind signing enabled in the app's settings
FLAG_EXTERNAL_TOKEN_NEEDED = 0x02

SW_OK = 0x9000
SW_USER_REJECTED = 0x6985       # "conditions of use not satisfied": the user said no
SW_INVALID_DATA = 0x6A80        # bad data, or contract data / typed-data hash with blind signing off
SW_WRONG_LENGTH = 0x6700
SW_WRONG_P1_P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00   # another app is open (or the dashboard)
SW_CLA_NOT_SUPPORTED = 0x6E00   # the dashboard, no app open
SW_APP_NOT_OPEN = 0x6511        # newer firmware: no app open
SW_LOCKED = 0x5515              # the device is locked (PIN)
SW_SECURITY_STATUS = 0x6982     # older firmware: locked / security status not satisfied

APP_NOT_OPEN_SWS = frozenset({SW_INS_NOT_SUPPORTED, SW_CLA_NOT_SUPPORTED, SW_APP_NOT_OPEN})


# --- paths ---------------------------------------------------------------------------------
_PATH_PART = re.compile(r"([0-9]+)(['hH]?)\Z")  # ASCII digits only (\d takes other scripts' digits)


def parse_path(path: str) -> list[int]:
    """``"m/44'/60'/0'/0/0"`` -> ``[0x8000002C, 0x8000003C, 0x80000000, 0, 0]``."""
    parts = path.strip().split("/")
    if parts and parts[0] in ("m", "M"):
        parts = parts[1:]
    if not parts or parts == [""] or len(parts) > MAX_PATH_DEPTH:
        raise ValueError(f"not a BIP-32 path: {path!r}")
    indexes = []
    for part in parts:
        match = _PATH_PART.match(part)
        if match is None or int(match.group(1)) >= HARDENED:
            raise ValueError(f"not a BIP-32 path: {path!r} (bad part {part!r})")
        indexes.append(int(match.group(1)) | (HARDENED if match.group(2) else 0))
    return indexes


def format_path(indexes: list[int]) -> str:
    return "m/" + "/".join(f"{i & ~HARDENED}'" if i & HARDENED else str(i) for i in indexes)


def pack_path(path: str | list[int]) -> bytes:
    """The path as the app reads it: one byte of depth, then each index as 4 bytes big-endian."""
    indexes = parse_path(path) if isinstance(path, str) else list(path)
    return bytes([len(indexes)]) + b"".join(struct.pack(">I", i) for i in indexes)


def unpack_path(data: bytes) -> tuple[list[int], bytes]:
    """Inverse of ``pack_path``: (indexes, the bytes that follow)."""
    if not data:
        raise ValueError("no BIP-32 path")
    depth = data[0]
    if not 1 <= depth <= MAX_PATH_DEPTH or len(data) < 1 + 4 * depth:
        raise ValueError("bad BIP-32 path")
    indexes = [struct.unpack_from(">I", data, 1 + 4 * i)[0] for i in range(depth)]
    return indexes, data[1 + 4 * depth:]


# --- commands ------------------------------------------------------------------------------
def command(ins: int, p1: int = 0, p2: int = 0, data: bytes = b"") -> bytes:
    if len(data) > MAX_CHUNK:
        raise ValueError(f"APDU data is {len(data)} bytes, the most is {MAX_CHUNK}")
    return bytes([CLA, ins, p1, p2, len(data)]) + bytes(data)


def chunked(ins: int, payload: bytes, p2: int = 0) -> list[bytes]:
    """``payload`` in 255-byte APDUs: P1=0x00 for the first, 0x80 for the rest."""
    chunks = [payload[i:i + MAX_CHUNK] for i in range(0, len(payload), MAX_CHUNK)] or [b""]
    return [command(ins, P1_FIRST_CHUNK if n == 0 else P1_MORE_CHUNKS, p2, chunk)
            for n, chunk in enumerate(chunks)]


def get_app_configuration() -> bytes:
    return command(INS_GET_APP_CONFIGURATION)


def get_public_address(path: str, display: bool = False, chain_code: bool = False) -> bytes:
    return command(INS_GET_PUBLIC_ADDRESS, P1_DISPLAY if display else P1_NO_DISPLAY,
                   P2_CHAIN_CODE if chain_code else P2_NO_CHAIN_CODE, pack_path(path))


def sign_transaction(path: str, unsigned_tx: bytes) -> list[bytes]:
    """``unsigned_tx``: what the app hashes: RLP of the unsigned fields (legacy, with the
    EIP-155 chainId, 0, 0 tail), or the type byte followed by the RLP (EIP-2930/1559)."""
    return chunked(INS_SIGN_TRANSACTION, pack_path(path) + unsigned_tx)


def sign_personal_message(path: str, message: bytes) -> list[bytes]:
    return chunked(INS_SIGN_PERSONAL_MESSAGE, pack_path(path) + struct.pack(">I", len(message)) + message)


def sign_eip712_hashed(path: str, domain_hash: bytes, message_hash: bytes) -> bytes:
    if len(domain_hash) != 32 or len(message_hash) != 32:
        raise ValueError("EIP-712 hashes are 32 bytes")
    return command(INS_SIGN_EIP712, P1_FIRST_CHUNK, P2_EIP712_HASHED,
                   pack_path(path) + domain_hash + message_hash)


# --- replies -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AppConfiguration:
    flags: int
    version: str

    @property
    def blind_signing(self) -> bool:
        return bool(self.flags & FLAG_BLIND_SIGNING)


@dataclass(frozen=True)
class PublicAddress:
    public_key: bytes           # 65 bytes, uncompressed (0x04 || x || y)
    address: str                # 0x-prefixed, as the app spelled it (EIP-55 checksummed)
    chain_code: bytes | None = None


@dataclass(frozen=True)
class Signature:
    v: int                      # the byte the app answered (see ``signer.py`` for its meaning)
    r: int
    s: int


def _short_reply(what: str, data: bytes) -> DeviceError:
    return DeviceError(f"The Ledger sent a malformed answer to {what} ({len(data)} bytes).")


def parse_app_configuration(data: bytes) -> AppConfiguration:
    if len(data) < 4:
        raise _short_reply("the app configuration request", data)
    return AppConfiguration(flags=data[0], version=f"{data[1]}.{data[2]}.{data[3]}")


def parse_public_address(data: bytes, chain_code: bool = False) -> PublicAddress:
    try:
        key_len = data[0]
        public_key = bytes(data[1:1 + key_len])
        addr_len = data[1 + key_len]
        address = bytes(data[2 + key_len:2 + key_len + addr_len]).decode("ascii")
        rest = bytes(data[2 + key_len + addr_len:])
    except (IndexError, UnicodeDecodeError):
        raise _short_reply("the address request", data) from None
    if len(public_key) != 65 or len(address) != 40 or (chain_code and len(rest) < 32):
        raise _short_reply("the address request", data)
    return PublicAddress(public_key, "0x" + address, rest[:32] if chain_code else None)


def parse_signature(data: bytes) -> Signature:
    if len(data) != 65:
        raise _short_reply("the signing request", data)
    return Signature(v=data[0], r=int.from_bytes(data[1:33], "big"), s=int.from_bytes(data[33:65], "big"))


# --- status words --------------------------------------------------------------------------
def status_error(sw: int, subject: str = "transaction") -> DeviceError:
    """The error for a status word other than 0x9000. ``subject`` names what was being signed
    ("transaction", "message", "typed data") so the messages read right."""
    if sw == SW_USER_REJECTED:
        return DeviceError(f"You rejected the {subject} on the Ledger.")
    if sw == SW_INVALID_DATA:
        if subject == "transaction":
            return DeviceError("The Ledger Ethereum app refused contract data: enable Blind signing "
                               "in the app's settings, then retry.")
        if subject == "typed data":
            return DeviceError("The Ledger Ethereum app refused to sign typed data by its hash: enable "
                               "Blind signing in the app's settings, then retry.")
        return DeviceError(f"The Ledger Ethereum app refused the {subject} as invalid (status 0x6A80).")
    if sw in APP_NOT_OPEN_SWS:
        return DeviceError("The Ethereum app is not open on the Ledger: unlock the device, open the "
                           f"Ethereum app, then retry (status 0x{sw:04X}).")
    if sw in (SW_LOCKED, SW_SECURITY_STATUS):
        return DeviceError(f"The Ledger is locked: unlock it with your PIN, open the Ethereum app, "
                           f"then retry (status 0x{sw:04X}).")
    return DeviceError(f"The Ledger refused the request (status 0x{sw:04X}).")


def check_status(sw: int, subject: str = "transaction") -> None:
    if sw != SW_OK:
        raise status_error(sw, subject)

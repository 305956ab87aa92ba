"""Reading the fields of a web3-style transaction dict for a hardware signer: numbers (int,
decimal or 0x-hex text, big-endian bytes) and byte strings (bytes or hex text). Anything else
is refused (SigningRefused) naming the field: a signer never guesses what a value meant."""

from __future__ import annotations

from typing import Any

from wallet.errors import SigningRefused


def field_int(value: Any, name: str, *, none_is_zero: bool = False) -> int:
    if value is None and none_is_zero:
        return 0
    if isinstance(value, bool):
        raise SigningRefused(f"transaction field {name} is not a number: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, bytes | bytearray):
        number = int.from_bytes(value, "big")
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            raise SigningRefused(f"transaction field {name} is not a number: {value!r}") from None
    else:
        raise SigningRefused(f"transaction field {name} is not a number: {value!r}")
    if number < 0:
        raise SigningRefused(f"transaction field {name} is negative: {value!r}")
    return number


def field_bytes(value: Any, name: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        text = value[2:] if value.lower().startswith("0x") else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise SigningRefused(f"transaction field {name} is not hex data: {value[:20]!r}") from None
    raise SigningRefused(f"transaction field {name} is not bytes: {value!r}")

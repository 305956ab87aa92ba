"""The one strict reader of what a person types, pastes or puts in a file: amounts, whole
numbers, percentages, addresses and transaction hashes. Every input of the CLI, the GUI,
basket files and settings goes through here, so a number is read the same way everywhere.

A *plain decimal* is, after ASCII spaces and tabs at either end are dropped: ASCII digits
0-9 with at most one ASCII point among them (``12``, ``0.5``, ``.5``, ``1.``), at most
``MAX_INPUT_CHARS`` long. Nothing else is a number here, although Python would read it as one:
other scripts' digits (``١٢``, ``１２``), digit separators (``1_0``, ``1,000``, ``1 000``),
exponents (``1e5``), signs (``+1``, ``-1``), ``0x10``, ``NaN``, ``Infinity``. A comma is a
decimal point only where the GUI says so, for a locale that writes one (``read_localized``),
and the GUI shows what it read.

Every refusal is an ``InvalidInput`` whose message names the input (``what``) and, for a
character that is not allowed, its Unicode name. Nothing here raises anything else, whatever
the input (property-tested in tests/app/test_inputs_properties.py).

Light on purpose: no web3/eth-utils at all (the checksum's keccak is loaded on first use), so
the CLI and the offline GUI start fast.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from app.errors import InvalidInput

MAX_INPUT_CHARS = 100            # longer than any real amount or address
UINT256_MAX = 2**256 - 1

_PLAIN_DECIMAL = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_PLAIN_INTEGER = re.compile(r"[0-9]+\Z")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\Z")
_TX_HASH = re.compile(r"0x[0-9a-fA-F]{64}\Z")
_EDGE_SPACE = " \t"


def clean_text(text: object, what: str, *, max_chars: int = MAX_INPUT_CHARS) -> str:
    """``text`` without the ASCII spaces/tabs at its ends. Refuses a non-string, an empty or
    over-long input, and any character outside printable ASCII (naming it)."""
    if not isinstance(text, str):
        raise InvalidInput(f"{what} must be text, not {type(text).__name__}")
    cleaned = text.strip(_EDGE_SPACE)
    if not cleaned:
        raise InvalidInput(f"{what} is empty")
    if len(cleaned) > max_chars:
        raise InvalidInput(f"{what} is {len(cleaned):,} characters long: too long to be one")
    for char in cleaned:
        if not (" " <= char <= "~"):
            raise InvalidInput(f"{what} {_show(text)} contains {_describe_char(char)}: "
                               "only plain ASCII is accepted here (type it rather than paste it)")
    return cleaned


def parse_decimal(text: object, what: str = "amount", *, max_places: int | None = None,
                  minimum: Decimal | int | None = None, maximum: Decimal | int | None = None,
                  allow_zero: bool = False, unit: str = "") -> Decimal:
    """A plain decimal (see the module's doc) as a ``Decimal``, exactly as written. Above zero
    unless ``allow_zero``; at most ``max_places`` decimal places; within [minimum, maximum].
    ``unit`` (e.g. "%") follows the numbers in messages."""
    cleaned = clean_text(text, what)
    problem = decimal_problem(cleaned)
    if problem:
        raise InvalidInput(f"{what} {_show(text)} is not a number: {problem}")
    places = len(cleaned.partition(".")[2].rstrip("0"))
    if max_places is not None and places > max_places:
        raise InvalidInput(f"{what} {cleaned} has more than {max_places} decimal places")
    value = Decimal(cleaned)
    if value == 0 and not allow_zero:
        raise InvalidInput(f"{what} must be above {'0' + unit if unit else 'zero'} (got {cleaned}{unit})")
    if minimum is not None and value < minimum:
        raise InvalidInput(f"{what} must be at least {minimum}{unit} (got {cleaned}{unit})")
    if maximum is not None and value > maximum:
        raise InvalidInput(f"{what} must be at most {maximum}{unit} (got {cleaned}{unit})")
    return value


def decimal_problem(cleaned: str) -> str | None:
    """Why ``cleaned`` (from ``clean_text``) is not a plain decimal, in words; None if it is."""
    return None if _PLAIN_DECIMAL.match(cleaned) else _why_not_decimal(cleaned)


def parse_units(text: object, decimals: int, what: str = "amount", *, allow_zero: bool = False) -> int:
    """"1.5", 6 -> 1500000: a plain decimal with at most ``decimals`` places, in base units,
    above zero (unless ``allow_zero``) and no more than a uint256 holds."""
    value = parse_decimal(text, what, max_places=decimals, allow_zero=allow_zero)
    if value.adjusted() > 80:  # a cheap bound before scaling: 10**81 > 2**256 for any decimals
        raise InvalidInput(f"{what} {_show(text)} is larger than any token amount can be")
    _sign, digits, exponent = value.as_tuple()  # exact: Decimal arithmetic would round to 28 digits
    whole = int("".join(map(str, digits)))
    shift = int(exponent) + decimals
    units = whole * 10**shift if shift >= 0 else whole // 10**-shift  # (only zeros are dropped)
    if units > UINT256_MAX:
        raise InvalidInput(f"{what} {_show(text)} is larger than any token amount can be")
    return units


def parse_int(text: object, what: str, *, minimum: int = 0, maximum: int) -> int:
    """Plain ASCII digits as an int in [minimum, maximum] (no sign, no separators)."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    else:
        cleaned = clean_text(text, what)
        if not _PLAIN_INTEGER.match(cleaned):
            raise InvalidInput(f"{what} {_show(text)} is not a whole number: "
                               f"{_why_not_decimal(cleaned) if '.' not in cleaned else 'no decimal point here'}")
        if len(cleaned.lstrip("0")) > len(str(maximum)):
            raise InvalidInput(f"{what} must be at most {maximum} (got {_show(text)})")
        value = int(cleaned)
    if not minimum <= value <= maximum:
        raise InvalidInput(f"{what} must be {minimum} to {maximum} (got {value})")
    return value


def parse_percent(text: object, what: str, *, minimum: Decimal, maximum: Decimal,
                  max_places: int = 2, allow_zero: bool = False) -> Decimal:
    """A percentage as a plain decimal, optionally written with one trailing ``%``."""
    cleaned = clean_text(text, what)
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1].rstrip(_EDGE_SPACE) or cleaned
    return parse_decimal(cleaned, what, max_places=max_places, minimum=minimum, maximum=maximum,
                         allow_zero=allow_zero, unit="%")


def read_localized(text: object, decimal_point: str, what: str = "amount") -> str:
    """What a person typed in a GUI field, as the plain decimal text it means, for a locale
    whose decimal point is ``decimal_point`` ("." or ","). One comma is read as the point when
    the locale writes a comma and the text has no "."; digit grouping is refused either way
    (``1,000`` is ambiguous across locales). The result still goes through ``parse_decimal``."""
    cleaned = clean_text(text, what)
    if decimal_point == "," and "." not in cleaned and cleaned.count(",") == 1:
        return cleaned.replace(",", ".")
    return cleaned


def parse_address(text: object, what: str = "address") -> str:
    """``0x`` and 40 hex digits, as its EIP-55 checksummed form. Mixed case must be the
    checksum (a typo in it is caught); all-lower or all-upper case carries no checksum and is
    accepted."""
    cleaned = clean_text(text, what)
    if not _ADDRESS.match(cleaned):
        raise InvalidInput(f"{what} {_show(text)} is not an Ethereum address: {_why_not_address(cleaned)}")
    checksummed = to_checksum(cleaned)
    body = cleaned[2:]
    if body != body.lower() and body != body.upper() and cleaned != checksummed:
        raise InvalidInput(f"{what} {cleaned} has a wrong checksum (mixed case that is not its "
                           "EIP-55 form): check it for a typo")
    return checksummed


def parse_tx_hash(text: object, what: str = "transaction hash") -> str:
    """``0x`` and 64 hex digits, lower-cased."""
    cleaned = clean_text(text, what)
    if not _TX_HASH.match(cleaned):
        raise InvalidInput(f"{what} {_show(text)} is not a transaction hash (0x and 64 hex digits)")
    return cleaned.lower()


def to_checksum(address: str) -> str:
    """EIP-55 form of a syntactically valid address: a hex letter is upper case where the
    matching nibble of keccak256(lower-case hex) is 8 or more. Keccak from pycryptodome, loaded
    on first use (0.05 s; eth_utils would take 0.25 s, which the offline GUI start cannot afford)."""
    from Crypto.Hash import keccak  # noqa: PLC0415

    body = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=body.encode("ascii")).hexdigest()
    return "0x" + "".join(c.upper() if int(h, 16) >= 8 else c for c, h in zip(body, digest[:40], strict=True))


# --- messages ----------------------------------------------------------------------------
def _show(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 48 else shown[:45] + "...'"


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} {name}" if name else f"{code} (a control or unassigned character)"


def _why_not_decimal(cleaned: str) -> str:
    if any(c in cleaned for c in "eE") and any(c.isdigit() for c in cleaned):
        return "no exponents; write the number out"
    if cleaned[:1] in "+-":
        return "no sign; amounts are written without + or -"
    if cleaned[:2].lower() == "0x":
        return "hex is not accepted; write it in decimal"
    if set(cleaned) <= set("0123456789._, '") and any(c in cleaned for c in "_, '"):
        return "no digit separators (write 1000, not 1,000 or 1_000)"
    if cleaned.count(".") > 1:
        return "more than one decimal point"
    return "use only the digits 0-9 and one decimal point"


def _why_not_address(cleaned: str) -> str:
    if cleaned.lower().endswith(".eth"):
        return "names (ENS) are not resolved here; paste the 0x address"
    if cleaned[:2] == "0X":
        return "write the prefix as 0x (lower-case x)"
    if cleaned[:2] != "0x":
        return "an address starts with 0x"
    body = cleaned[2:]
    bad = next((c for c in body if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        return f"{bad!r} is not a hex digit"
    return f"it has {len(body)} hex digits; an address has 40"

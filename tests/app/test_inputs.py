"""The strict input reader (app.inputs) and the unusual-recipient check (app.recipients): a
table of what is refused, and why, and of what is read. The properties that hold for every
input are in test_inputs_properties.py."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.errors import InvalidInput
from app.inputs import (
    UINT256_MAX,
    parse_address,
    parse_decimal,
    parse_int,
    parse_percent,
    parse_tx_hash,
    parse_units,
    read_localized,
)
from app.networks import get_network
from app.recipients import UnusualRecipient, check_recipient, unusual_recipient_reasons

ORDINARY = "0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5"

# Each of these was accepted (and several sent) before the strict reader, because Python's
# Decimal and int read them as numbers.
REFUSED_AMOUNTS = [
    ("١٢", "U+0661 ARABIC-INDIC DIGIT ONE"),
    ("১২", "U+09E7 BENGALI DIGIT ONE"),
    ("１２", "U+FF11 FULLWIDTH DIGIT ONE"),
    ("۱.۵", "U+06F1 EXTENDED ARABIC-INDIC DIGIT ONE"),
    ("1\u00a0000", "U+00A0 NO-BREAK SPACE"),
    ("1\u2009000", "U+2009 THIN SPACE"),
    ("1\u200b", "U+200B ZERO WIDTH SPACE"),
    ("\u202e01", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("0\u066b5", "U+066B ARABIC DECIMAL SEPARATOR"),
    ("1_0", "no digit separators"),
    ("1,000", "no digit separators"),
    ("1 000", "no digit separators"),
    ("1'000", "no digit separators"),
    ("1e5", "no exponents"),
    ("1E-3", "no exponents"),
    ("1e999999999", "no exponents"),
    ("1e400000000000000000", "no exponents"),
    ("+1", "no sign"),
    ("-1", "no sign"),
    ("-0", "no sign"),
    ("0x10", "hex is not accepted"),
    ("1.2.3", "more than one decimal point"),
    ("NaN", "use only the digits 0-9"),
    ("Infinity", "use only the digits 0-9"),
    ("inf", "use only the digits 0-9"),
    (".", "use only the digits 0-9"),
    ("", "is empty"),
    ("   ", "is empty"),
    ("1\n", "U+000A"),
    ("0", "above zero"),
    ("0.000", "above zero"),
    ("9" * 101, "too long"),
    ("1.0000000000000000001", "more than 18 decimal places"),
    ("2" * 78, "larger than any token amount"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED_AMOUNTS)
def test_refused_amounts_name_the_input_and_the_reason(text, reason):
    with pytest.raises(InvalidInput) as caught:
        parse_units(text, 18)
    message = str(caught.value)
    assert message.startswith("amount") and reason in message


@pytest.mark.parametrize(("text", "decimals", "units"), [
    ("1", 18, 10**18), ("0.5", 6, 500_000), (".5", 6, 500_000), ("1.", 6, 10**6), (" 12.5\t", 6, 12_500_000),
    ("007", 0, 7), ("1.500000", 6, 1_500_000), ("0.000001", 6, 1), (str(UINT256_MAX), 0, UINT256_MAX),
])
def test_plain_decimals_are_read_exactly(text, decimals, units):
    assert parse_units(text, decimals) == units


def test_the_largest_amount_is_a_uint256():
    with pytest.raises(InvalidInput, match="larger than any token amount"):
        parse_units(str(UINT256_MAX + 1), 0)


def test_non_text_is_refused():
    for value in (1.5, None, b"1", Decimal("1")):
        with pytest.raises(InvalidInput, match="must be text"):
            parse_decimal(value)


@pytest.mark.parametrize(("text", "message"), [
    ("١٢", "U+0661"), ("1_0", "separators"), ("+5", "no sign"), ("1.5", "no decimal point"),
    ("99999999999999999999999", "at most 65535"), ("0", "1 to 65535"), ("70000", "1 to 65535"),
])
def test_whole_numbers(text, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_int(text, "--port", minimum=1, maximum=65535)
    assert parse_int(" 8545 ", "--port", minimum=1, maximum=65535) == 8545
    assert parse_int(42, "--port", minimum=1, maximum=65535) == 42
    with pytest.raises(InvalidInput):
        parse_int(True, "--port", minimum=0, maximum=1)


def test_percentages():
    assert parse_percent("0.5", "slippage", minimum=Decimal(0), maximum=Decimal(50)) == Decimal("0.5")
    assert parse_percent("2.5 %", "slippage", minimum=Decimal(0), maximum=Decimal(50)) == Decimal("2.5")
    for text, message in (("0", "above 0%"), ("60", "at most 50%"), ("0.001", "more than 2 decimal places"),
                          ("٠٫٥", "U+0660"), ("%", "not a number"), ("5%%", "not a number")):
        with pytest.raises(InvalidInput, match=re.escape(message)):
            parse_percent(text, "slippage", minimum=Decimal(0), maximum=Decimal(50))


@pytest.mark.parametrize(("text", "point", "read"), [
    ("0,5", ",", "0.5"), ("0.5", ",", "0.5"), ("12", ",", "12"), ("0,5", ".", "0,5"), ("1,000,5", ",", "1,000,5"),
])
def test_the_gui_reads_a_decimal_comma_only_where_the_locale_writes_one(text, point, read):
    assert read_localized(text, point) == read
    if read == "0.5":
        assert parse_decimal(read) == Decimal("0.5")
    elif "," in read:
        with pytest.raises(InvalidInput, match="separators"):
            parse_decimal(read)


# --- addresses and hashes ------------------------------------------------------------------------
REFUSED_ADDRESSES = [
    ("0xab5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5", "wrong checksum"),         # one letter's case changed
    ("0X" + ORDINARY[2:].lower(), "write the prefix as 0x"),
    (ORDINARY[2:], "starts with 0x"),
    (ORDINARY[:-1], "39 hex digits"),
    (ORDINARY + "0", "41 hex digits"),
    (ORDINARY[:-1] + "g", "'g' is not a hex digit"),
    ("vitalik.eth", "names (ENS) are not resolved"),
    ("0xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f\u0455", "U+0455 CYRILLIC SMALL LETTER DZE"),  # ѕ for 5
    ("０xAb5d3B6E954EB4c79eD03732c0F5C90D6A3c00f5", "U+FF10 FULLWIDTH DIGIT ZERO"),
    ("\u200b" + ORDINARY, "U+200B ZERO WIDTH SPACE"),
    ("", "is empty"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED_ADDRESSES)
def test_refused_addresses(text, reason):
    with pytest.raises(InvalidInput) as caught:
        parse_address(text, "recipient")
    assert str(caught.value).startswith("recipient") and reason in str(caught.value)


def test_addresses_come_back_checksummed():
    assert parse_address(ORDINARY.lower()) == ORDINARY
    assert parse_address("0x" + ORDINARY[2:].upper()) == ORDINARY
    assert parse_address(f"  {ORDINARY} ") == ORDINARY


def test_transaction_hashes():
    good = "0x" + "aB" * 32
    assert parse_tx_hash(good) == good.lower()
    for bad in ("0x" + "ab" * 31, "ab" * 32, "0x" + "zz" * 32, "0x" + "١" * 64):
        with pytest.raises(InvalidInput):
            parse_tx_hash(bad)


# --- recipients ----------------------------------------------------------------------------------
ETHEREUM = get_network("ethereum")
ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@pytest.mark.parametrize(("recipient", "token", "reason"), [
    ("0x0000000000000000000000000000000000000000", None, "the zero address"),
    ("0x000000000000000000000000000000000000dEaD", None, "burn address"),
    ("0xdEAD000000000000000042069420694206942069", None, "burn address"),
    ("0x0000000000000000000000000000000000000001", None, "precompile"),    # ecrecover
    ("0x0000000000000000000000000000000000000100", None, "precompile"),    # P-256 on L2s
    ("0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF", None, "reserved"),
    (ETHEREUM.usdc, ETHEREUM.usdc, "the USDC's own contract"),
    (ETHEREUM.swap_router, ETHEREUM.usdc, "Uniswap's SwapRouter02 on Ethereum"),
    (ETHEREUM.universal_router, None, "Universal Router"),
    (ETHEREUM.wrapped_native, None, "wrapped-coin contract"),
    (ETHEREUM.multicall3, None, "Multicall3"),
    (ME, None, "your own sending address"),
])
def test_unusual_recipients_are_refused_with_the_reason(recipient, token, reason):
    with pytest.raises(UnusualRecipient) as caught:
        check_recipient(recipient, ETHEREUM, sender=ME, token_address=token,
                        token_symbol="USDC" if token else None)
    assert reason in str(caught.value) and "Nothing was sent" in str(caught.value)
    # ... unless the person says they mean it: then the reasons travel with the plan.
    assert check_recipient(recipient, ETHEREUM, allow_unusual=True, sender=ME, token_address=token,
                           token_symbol="USDC" if token else None)


def test_an_ordinary_recipient_passes():
    assert unusual_recipient_reasons(ORDINARY, ETHEREUM, sender=ME, token_address=ETHEREUM.usdc) == []
    assert check_recipient(ORDINARY, None) == []
    assert unusual_recipient_reasons("0x0000000000000000000000000000000000010000", None) == []


def test_derivation_paths_take_ascii_digits_only():
    from wallet.errors import WalletError
    from wallet.ledger.apdu import parse_path
    from wallet.trezor.signer import _parse_path

    assert parse_path("m/44'/60'/0'/0/1") == _parse_path("m/44'/60'/0'/0/1")
    for bad in ("m/４４'/60'/0'/0/0", "m/44'/٦٠'/0'/0/0", "m/44'/60'/0'/0/0x1"):
        with pytest.raises(ValueError):
            parse_path(bad)
        with pytest.raises(WalletError):
            _parse_path(bad)

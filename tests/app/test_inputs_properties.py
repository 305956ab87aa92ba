"""Properties of the strict input reader, for every input Hypothesis can think of: nothing that
is not a plain decimal (ASCII digits, at most one ASCII point) is ever accepted, what is
accepted is read exactly, and no input gives anything but an InvalidInput (no traceback)."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

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

# The oracle, written independently of app.inputs: what a plain decimal is.
PLAIN = re.compile(r"[ \t]*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t]*", re.ASCII)
HEX_ADDRESS = re.compile(r"[ \t]*0x[0-9a-fA-F]{40}[ \t]*", re.ASCII)

# Text that looks like a number: digits of every script, separators, signs, exponents, spaces.
NUMBERISH = st.text(alphabet=st.one_of(
    st.sampled_from(list("0123456789.,_ +-eE%x'\t\n")),
    st.characters(categories=["Nd", "No", "Zs", "Cf", "Pd", "Po"]),
), max_size=40)
ANY_TEXT = st.one_of(NUMBERISH, st.text(max_size=120))
DECIMALS = st.integers(min_value=0, max_value=36)
EXAMPLES = ["١٢", "১২", "１２", "1_0", "1e5", "1e999999999", "-1", "+1", "0x10", "NaN", "Infinity",
            "1,5", "1\u00a0000", "1\u200b", "\u202e1", "9" * 200, "", ".", "1.2.3", "٫5"]


def _exact_units(text: str, decimals: int) -> Fraction:
    return Fraction(text.strip(" \t")) * 10**decimals


@settings(max_examples=800, deadline=None)
@given(text=ANY_TEXT, decimals=DECIMALS)
@example(text="1.5", decimals=6)
def test_units_accept_only_plain_decimals_and_read_them_exactly(text, decimals):
    try:
        units = parse_units(text, decimals)
    except InvalidInput:
        return
    assert PLAIN.fullmatch(text), f"accepted {text!r}"
    assert units == _exact_units(text, decimals) and 0 < units <= UINT256_MAX


@settings(max_examples=300, deadline=None)
@given(text=st.sampled_from(EXAMPLES), decimals=DECIMALS)
def test_the_reported_surprises_are_refused(text, decimals):
    try:
        parse_units(text, decimals)
    except InvalidInput as exc:
        assert str(exc).startswith("amount")
    else:
        raise AssertionError(f"accepted {text!r}")


@settings(max_examples=500, deadline=None)
@given(whole=st.integers(min_value=0, max_value=10**40), places=st.integers(min_value=0, max_value=18),
       fraction=st.integers(min_value=0, max_value=10**18 - 1))
def test_every_plain_decimal_in_range_is_accepted(whole, places, fraction):
    digits = str(fraction).zfill(18)[:places]
    text = f"{whole}.{digits}" if places else str(whole)
    if Fraction(text) == 0:
        return
    assert parse_units(text, 18) == _exact_units(text, 18)


@settings(max_examples=600, deadline=None)
@given(text=ANY_TEXT)
def test_decimals_and_percentages(text):
    try:
        value = parse_decimal(text, allow_zero=True)
    except InvalidInput:
        value = None
    if value is not None:
        assert PLAIN.fullmatch(text) and value == Decimal(text.strip(" \t"))
    try:
        pct = parse_percent(text, "slippage", minimum=Decimal(0), maximum=Decimal(50))
    except InvalidInput:
        return
    body = text.strip(" \t").removesuffix("%")
    assert PLAIN.fullmatch(body) and 0 < pct <= 50 and pct == Decimal(body.strip(" \t"))


@settings(max_examples=600, deadline=None)
@given(text=ANY_TEXT)
def test_whole_numbers(text):
    try:
        value = parse_int(text, "--port", minimum=1, maximum=65535)
    except InvalidInput:
        return
    assert re.fullmatch(r"[ \t]*[0-9]+[ \t]*", text, re.ASCII) and value == int(text) and 1 <= value <= 65535


@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT, point=st.sampled_from([".", ","]))
def test_localized_input_is_a_plain_decimal_or_refused(text, point):
    try:
        read = read_localized(text, point)
        value = parse_decimal(read, allow_zero=True)
    except InvalidInput:
        return
    # What the GUI accepts is the plain decimal typed, or it with the one decimal comma as a point.
    assert PLAIN.fullmatch(text) or (point == "," and PLAIN.fullmatch(text.replace(",", ".", 1)))
    assert value == Decimal(read)


HEXISH = st.text(alphabet=st.one_of(st.sampled_from(list("0123456789abcdefABCDEFxX ")),
                                    st.characters(categories=["Ll", "Lu", "Nd", "Cf"])),
                 min_size=40, max_size=44)


@settings(max_examples=600, deadline=None)
@given(text=st.one_of(HEXISH, st.builds(lambda body: "0x" + body, HEXISH), ANY_TEXT))
def test_addresses_and_hashes(text):
    try:
        address = parse_address(text)
    except InvalidInput:
        address = None
    if address is not None:
        assert HEX_ADDRESS.fullmatch(text) and address.lower() == text.strip(" \t").lower()
    try:
        parse_tx_hash(text)
    except InvalidInput:
        return
    assert re.fullmatch(r"[ \t]*0x[0-9a-fA-F]{64}[ \t]*", text, re.ASCII)


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(min_size=20, max_size=20), flips=st.sets(st.integers(min_value=0, max_value=39)))
def test_a_case_change_in_a_checksummed_address_is_caught(raw, flips):
    good = parse_address("0x" + raw.hex())
    body = list(good[2:])
    for i in flips:
        body[i] = body[i].swapcase()
    typed = "0x" + "".join(body)
    lowered, uppered = typed[2:].lower(), typed[2:].upper()
    try:
        assert parse_address(typed) == good
        assert typed == good or typed[2:] in (lowered, uppered)   # only the checksum or no checksum
    except InvalidInput as exc:
        assert "wrong checksum" in str(exc) and typed != good


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(min_size=20, max_size=20))
def test_the_checksum_is_eip55_as_eth_utils_computes_it(raw):
    from eth_utils import to_checksum_address

    from app.inputs import to_checksum

    assert to_checksum("0x" + raw.hex()) == to_checksum_address("0x" + raw.hex())

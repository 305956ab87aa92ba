"""Air-gapped signing: export -> sign offline -> verify every field before anything is sent."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from eth_account import Account

from app.errors import InvalidInput, UserCancelled
from wallet import airgap
from wallet.errors import SigningRefused
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts, SigningSummary

ROOT = Path(__file__).resolve().parents[2]
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
OTHER_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
SENDER = Account.from_key(KEY).address
USDC = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CHAIN_ID = 31337
TRANSFER_DATA = ("0xa9059cbb" + "00" * 12 + RECIPIENT[2:].lower() + f"{1_500_000:064x}")
SLOT = "0x" + "00" * 31 + "01"

TYPE2 = {"type": 2, "chainId": CHAIN_ID, "from": SENDER, "nonce": 7, "to": USDC, "value": 0,
         "data": TRANSFER_DATA, "gas": 60_000, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9,
         "accessList": [{"address": USDC, "storageKeys": [SLOT]}]}
LEGACY = {"chainId": CHAIN_ID, "from": SENDER, "nonce": 8, "to": RECIPIENT, "value": 25 * 10**16,
          "data": "0x", "gas": 21_000, "gasPrice": 2 * 10**9}


def summary_for(tx: dict, **changes) -> SigningSummary:
    per_gas = tx.get("maxFeePerGas", tx.get("gasPrice"))
    value = tx["value"] / 10**18
    base = SigningSummary(
        network="Demo (anvil)", chain_id=tx["chainId"], sender=tx["from"],
        to=f"{tx['to']} (USDC)" if tx.get("to") == USDC else tx.get("to"),
        value=f"{value:g} ETH", method="transfer(address,uint256)" if tx["data"] != "0x" else None,
        arguments={"to": RECIPIENT, "amount": "1.5 USDC"} if tx["data"] != "0x" else {},
        max_fee=f"{per_gas * tx['gas'] / 10**18:.6f} ETH", notes=("first note",))
    return replace(base, **changes)


@pytest.fixture(params=["type2", "legacy"])
def unsigned(request) -> airgap.UnsignedTransaction:
    tx = TYPE2 if request.param == "type2" else LEGACY
    return airgap.load_unsigned(airgap.export_unsigned(tx, summary_for(tx)))


@pytest.fixture
def signer() -> LocalSigner:
    return LocalSigner(KEY)


def resign(unsigned: airgap.UnsignedTransaction, key: bytes = KEY, **changes) -> bytes:
    """The exported transaction with ``changes``, signed properly (a signer that lied)."""
    tx = {**airgap.signing_dict(unsigned), **changes}
    tx.pop("from", None)
    return bytes(Account.sign_transaction({k: v for k, v in tx.items() if v is not None}, key).raw_transaction)


# --- the file ---------------------------------------------------------------------------------
def test_file_format_is_documented_json_with_decimal_strings():
    text = airgap.export_unsigned(TYPE2, summary_for(TYPE2), created_at=datetime(2026, 1, 31, 12, tzinfo=UTC))
    doc = json.loads(text)
    assert doc["format"] == "basketry-unsigned-tx/1"
    assert doc["chain_id"] == "31337" and doc["from"] == SENDER
    assert doc["created_at"] == "2026-01-31T12:00:00Z"
    assert doc["tx"] == {"type": "2", "chainId": "31337", "nonce": "7", "to": USDC, "value": "0",
                         "data": TRANSFER_DATA, "gas": "60000", "maxFeePerGas": "3000000000",
                         "maxPriorityFeePerGas": "1000000000",
                         "accessList": [{"address": USDC, "storageKeys": [SLOT]}]}
    assert doc["summary"]["chain_id"] == "31337" and doc["summary"]["arguments"]["amount"] == "1.5 USDC"


@pytest.mark.parametrize("tx", [TYPE2, LEGACY, {**LEGACY, "to": None, "data": "0x6000"}],
                         ids=["type2", "legacy", "create"])
def test_export_load_round_trip(tx):
    loaded = airgap.load_unsigned(airgap.export_unsigned(tx, summary_for(tx)))
    expected = {**tx, "type": tx.get("type", 0)}
    assert loaded.tx == ({**expected, "accessList": tx.get("accessList", [])} if loaded.tx_type == 2 else expected)
    assert loaded.chain_id == CHAIN_ID and loaded.sender == SENDER
    assert loaded.summary == summary_for(tx)


def test_web3_style_hex_quantities_are_accepted_on_export():
    web3_tx = {**TYPE2, "nonce": "0x7", "gas": "0xea60", "type": "0x2"}
    assert airgap.load_unsigned(airgap.export_unsigned(web3_tx, summary_for(TYPE2))).tx["nonce"] == 7


def _doc(**changes) -> str:
    doc = json.loads(airgap.export_unsigned(TYPE2, summary_for(TYPE2)))
    for path, value in changes.items():
        target = doc
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return json.dumps(doc)


@pytest.mark.parametrize(("text", "message"), [
    ("{", "not JSON"),
    ("[]", "expected a JSON object"),
    (_doc(format="basketry-unsigned-tx/2"), "not a basketry-unsigned-tx/1 file"),
    (_doc(created_at=None), "missing created_at"),
    (_doc(tx__nonce="0x7"), "tx.nonce must be a decimal string"),
    (_doc(tx__nonce=7), "tx.nonce must be a decimal string"),
    (_doc(tx__value="1.5"), "tx.value must be a decimal string"),
    (_doc(tx__gas="021000"), "tx.gas must be a decimal string"),
    (_doc(tx__type="1"), "type 1 is not supported"),
    (_doc(tx__gasPrice="1"), "unknown transaction field"),
    (_doc(tx__from=SENDER), "top-level 'from'"),
    (_doc(tx__data="0xabc"), "data is not valid hex"),
    (_doc(tx__data=None), "tx.data is missing"),
    (_doc(tx__to=USDC.lower().replace("a", "A", 1)), "wrong checksum"),
    (_doc(tx__to="0x1234"), "is not an address"),
    (_doc(tx__maxPriorityFeePerGas="4000000000"), "above maxFeePerGas"),
    (_doc(tx__accessList=[{"address": USDC}]), "exactly 'address' and 'storageKeys'"),
    (_doc(tx__accessList=[{"address": USDC, "storageKeys": ["0x01"]}]), "32 bytes"),
    (_doc(chain_id="1"), "differs from the transaction's chainId"),
    (_doc(summary__value="1 ETH"), "summary says the value"),
    (_doc(summary__to=RECIPIENT), "summary says the recipient"),
    (_doc(summary__sender=RECIPIENT), "summary says the sender"),
    (_doc(summary__chain_id="1"), "summary says chain id"),
    (_doc(summary__max_fee="0.000001 ETH"), "network fee"),
    (_doc(summary__notes="x"), "summary.notes"),
])
def test_load_refuses_bad_files_clearly(text, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        airgap.load_unsigned(text)


def test_export_refuses_incomplete_transactions():
    with pytest.raises(InvalidInput, match="no 'from'"):
        airgap.export_unsigned({k: v for k, v in TYPE2.items() if k != "from"}, summary_for(TYPE2))
    with pytest.raises(InvalidInput, match="no nonce"):
        airgap.export_unsigned({k: v for k, v in TYPE2.items() if k != "nonce"}, summary_for(TYPE2))
    with pytest.raises(InvalidInput, match="neither gasPrice nor maxFeePerGas"):
        airgap.export_unsigned({k: v for k, v in LEGACY.items() if k != "gasPrice"}, summary_for(LEGACY))


# --- sign offline, verify ---------------------------------------------------------------------
def test_export_sign_verify(unsigned, signer):
    prompts = AutoApprovePrompts()
    raw_hex = airgap.sign_unsigned_file(unsigned, signer, prompts)
    signed = airgap.verify_signed(unsigned, raw_hex)
    assert signed.sender == SENDER and "0x" + signed.raw.hex() == raw_hex
    assert Account.recover_transaction(raw_hex) == SENDER
    (shown,) = prompts.confirmed
    assert shown.to == unsigned.summary.to and shown.value == unsigned.summary.value
    assert shown.notes[0] == "first note" and f"Nonce {unsigned.tx['nonce']}" in shown.notes[1]


def test_user_can_say_no(unsigned, signer):
    class No(AutoApprovePrompts):
        def confirm(self, summary):
            return False

    with pytest.raises(UserCancelled):
        airgap.sign_unsigned_file(unsigned, signer, No())


def test_a_file_for_another_account_is_refused(unsigned):
    with pytest.raises(SigningRefused, match="this transaction is from"):
        airgap.sign_unsigned_file(unsigned, LocalSigner(OTHER_KEY), AutoApprovePrompts())


TYPE2_TAMPERING = [
    ("chainId", 1, "chain id"), ("nonce", 8, "nonce"), ("to", RECIPIENT, "recipient (to)"),
    ("value", 1, "value"), ("data", "0x", "data"), ("gas", 60_001, "gas limit"),
    ("maxFeePerGas", 4 * 10**9, "max fee per gas"),
    ("maxPriorityFeePerGas", 2 * 10**9, "max priority fee per gas"),
    ("accessList", [], "access list"), ("to", None, "recipient (to)"),
]
LEGACY_TAMPERING = [
    ("chainId", 1, "chain id"), ("nonce", 9, "nonce"), ("to", USDC, "recipient (to)"),
    ("value", 2, "value"), ("data", "0x00", "data"), ("gas", 21_001, "gas limit"),
    ("gasPrice", 3 * 10**9, "gas price"),
]


@pytest.mark.parametrize(("field", "value", "label"), TYPE2_TAMPERING)
def test_tampered_type2_fields_are_refused(field, value, label):
    unsigned = airgap.load_unsigned(airgap.export_unsigned(TYPE2, summary_for(TYPE2)))
    with pytest.raises(SigningRefused, match=re.escape(f"signed transaction's {label} differs")):
        airgap.verify_signed(unsigned, resign(unsigned, **{field: value}))


@pytest.mark.parametrize(("field", "value", "label"), LEGACY_TAMPERING)
def test_tampered_legacy_fields_are_refused(field, value, label):
    unsigned = airgap.load_unsigned(airgap.export_unsigned(LEGACY, summary_for(LEGACY)))
    with pytest.raises(SigningRefused, match=re.escape(f"signed transaction's {label} differs")):
        airgap.verify_signed(unsigned, resign(unsigned, **{field: value}))


def test_refusal_names_both_values():
    unsigned = airgap.load_unsigned(airgap.export_unsigned(LEGACY, summary_for(LEGACY)))
    with pytest.raises(SigningRefused) as caught:
        airgap.verify_signed(unsigned, resign(unsigned, value=1))
    assert str(caught.value) == ("the signed transaction's value differs from the one exported: "
                                 "signed 1, exported 250000000000000000; not sent")


def test_another_type_is_refused():
    unsigned = airgap.load_unsigned(airgap.export_unsigned(TYPE2, summary_for(TYPE2)))
    legacy = {k: v for k, v in airgap.signing_dict(unsigned).items()
              if k not in ("type", "maxFeePerGas", "maxPriorityFeePerGas", "accessList", "from")}
    raw = Account.sign_transaction({**legacy, "gasPrice": 3 * 10**9}, KEY).raw_transaction
    with pytest.raises(SigningRefused, match="type differs.*signed 0, exported 2"):
        airgap.verify_signed(unsigned, bytes(raw))


def test_a_signature_without_chain_id_is_refused():
    unsigned = airgap.load_unsigned(airgap.export_unsigned(LEGACY, summary_for(LEGACY)))
    raw = resign(unsigned, chainId=None)          # pre-EIP-155: replayable on every chain
    with pytest.raises(SigningRefused, match="chain id differs.*signed none, exported 31337"):
        airgap.verify_signed(unsigned, raw)


def test_signed_by_another_key_is_refused(unsigned):
    with pytest.raises(SigningRefused, match=f"recovers to {Account.from_key(OTHER_KEY).address}"):
        airgap.verify_signed(unsigned, resign(unsigned, key=OTHER_KEY))


@pytest.mark.parametrize(("raw", "message"), [
    ("0x", "empty"), ("0xzz", "not valid hex"), ("abcd", "0x-hex"),
    ("0x01c0", "unsupported signed transaction type 0x01"), ("0x02c0", "cannot be decoded"),
    ("0xc3010203", "cannot be decoded"),
])
def test_garbage_signed_input(unsigned, raw, message):
    with pytest.raises(InvalidInput, match=message):
        airgap.verify_signed(unsigned, raw)


# --- QR ---------------------------------------------------------------------------------------
def test_qr_payload_round_trip(unsigned):
    payload = airgap.qr_payload(unsigned)
    assert payload.startswith("BASKETRY:UTX1:")
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]+", payload)     # QR alphanumeric mode only
    scanned = airgap.from_qr_payload(payload)
    assert scanned.tx == unsigned.tx and scanned.sender == SENDER
    assert scanned.summary.network == "chain id 31337" and scanned.summary.to == unsigned.tx["to"]
    # the scanned form signs and verifies like the file
    raw = airgap.sign_unsigned_file(scanned, LocalSigner(KEY), AutoApprovePrompts())
    airgap.verify_signed(unsigned, raw)


def test_qr_payload_is_compact(unsigned):
    assert len(airgap.qr_payload(unsigned)) < 300
    assert len(airgap.qr_payload(unsigned)) < len(airgap.export_unsigned(unsigned.tx, unsigned.summary)) / 4


@pytest.mark.parametrize("text", ["hello", "BASKETRY:UTX1:", "BASKETRY:UTX1:AAAA", "BASKETRY:UTX1:!!"])
def test_damaged_qr_payload(text):
    with pytest.raises(InvalidInput):
        airgap.from_qr_payload(text)


def test_qr_matrix(unsigned):
    matrix = airgap.qr_matrix(airgap.qr_payload(unsigned))
    size = len(matrix)
    assert size >= 21 + 8 and all(len(row) == size for row in matrix)
    assert all(isinstance(cell, bool) for row in matrix for cell in row)
    assert not any(matrix[0]) and matrix[4][4]      # quiet zone, then a finder pattern corner


def test_qr_matrix_too_large():
    with pytest.raises(InvalidInput, match="too large for one QR code"):
        airgap.qr_matrix("A" * 5000)


def test_airgap_needs_no_network_stack():
    code = ("import sys, wallet.airgap, wallet.local_signer\n"
            "bad = [m for m in ('web3', 'requests', 'aiohttp', 'websockets', 'urllib3') if m in sys.modules]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- the decoded summary travels with the file, and its fee figure is checked -------------------
def _described(l1_fee_wei: int | None = 5_000) -> str:
    from app.tx.describe import describe_transaction

    summary = describe_transaction(TYPE2, "Demo", "ETH", {USDC: ("USDC", 6)}, l1_fee_wei=l1_fee_wei)
    return airgap.export_unsigned(TYPE2, summary)


def test_a_decoded_summary_round_trips_through_the_file():
    text = _described()
    loaded = airgap.load_unsigned(text)
    assert loaded.summary.actions[0].text == f"Send 1.5 USDC to {RECIPIENT}"
    assert loaded.summary.fee.total_wei == str(60_000 * 3 * 10**9 + 5_000)
    assert loaded.summary.fee.gas_wei == str(60_000 * 3 * 10**9) and loaded.summary.l1_fee == "0.000000000000005 ETH"
    assert json.loads(text)["summary"] == loaded.summary.to_json()


@pytest.mark.parametrize(("path", "value", "message"), [
    ("fee__gas_wei", "1", "the summary's fee says the gas may cost 1 wei"),
    ("fee__total_wei", str(60_000 * 3 * 10**9), "is not its gas part"),
    ("fee__exact", "0.0001 ETH", "shows the max fee as"),
    ("l1_fee", "0.1 ETH", "L1 data fee"),
    ("fee__l1_wei", "0x1", "summary.fee.l1_wei must be a decimal string"),
    ("actions", {}, "summary.actions must be a list"),
])
def test_a_summary_whose_fee_figure_lies_is_refused(path, value, message):
    doc = json.loads(_described())
    target = doc["summary"]
    *parents, last = path.split("__")
    for part in parents:
        target = target[part]
    target[last] = value
    with pytest.raises(InvalidInput, match=re.escape(message)):
        airgap.load_unsigned(json.dumps(doc))

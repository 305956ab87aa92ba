"""The Ledger signer against a protocol-level test device, and the test device against real
firmware: the golden transcript (Ethereum app 1.22.0 under speculos 0.27.1) is replayed
byte for byte, then the client is shown to send exactly the golden APDUs and to rebuild
exactly the golden signed transactions."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_keys.backends.native.jacobian import fast_add, fast_multiply
from eth_keys.constants import SECPK1_G
from eth_utils import to_checksum_address

from app.errors import InvalidInput
from tests.support.golden import require_golden
from tests.support.ledger_device import (
    SPECULOS_MNEMONIC,
    FakeHidLedger,
    LedgerTcpServer,
    LedgerTestDevice,
)
from wallet.errors import DeviceError, SigningRefused
from wallet.ledger import HidTransport, LedgerSigner, TcpTransport
from wallet.ledger import apdu as ledger_apdu
from wallet.ledger.signer import legacy_v, read_address
from wallet.ledger.transport import HidReassembler, hid_frames
from wallet.prompts import AutoApprovePrompts
from wallet.signer import transaction_hash

GOLDEN = "ledger-speculos-transcript.json"

PATH_0 = "m/44'/60'/0'/0/0"
PATH_1 = "m/44'/60'/0'/0/1"
PATH_5 = "m/44'/60'/5'/0/0"
TO = to_checksum_address("0xf0155486a14539f784739be1c02e93f28eb8e900")
VALUE = 0x2BDBB64BC09000
GWEI = 10**9


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(require_golden(GOLDEN).read_text())


@pytest.fixture
def server():
    with LedgerTcpServer(LedgerTestDevice()) as running:
        yield running


@pytest.fixture
def device(server) -> LedgerTestDevice:
    return server.device


@pytest.fixture
def transport(server):
    with TcpTransport(server.host, server.port, timeout=10) as tcp:
        yield tcp


class RecordingPrompts(AutoApprovePrompts):
    def __init__(self, events: list | None = None):
        super().__init__()
        self.events = events if events is not None else []

    def device_action(self, message: str) -> None:
        super().device_action(message)
        self.events.append(("action", message))

    def device_done(self) -> None:
        self.events.append(("done",))


def legacy_tx(chain_id: int, **extra) -> dict:
    return {"chainId": chain_id, "nonce": 3, "gasPrice": GWEI, "gas": 21000, "to": TO,
            "value": VALUE, "data": b"", **extra}


def dynamic_fee_tx(**extra) -> dict:
    return {"type": 2, "chainId": 1, "nonce": 3, "maxPriorityFeePerGas": GWEI,
            "maxFeePerGas": 30 * GWEI, "gas": 21000, "to": TO, "value": VALUE, **extra}


ACCESS_LIST = [{"address": to_checksum_address("0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae"),
                "storageKeys": ["0x" + f"{i:064x}" for i in range(1, 9)]}]


def local_key(path: str):
    """The same account as a local key, to compare with what the device signs."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(SPECULOS_MNEMONIC, account_path=path)


# --- the test device is the real firmware, as far as the golden data can tell ----------------
def test_the_test_device_replays_the_golden_transcript_byte_for_byte(golden, server, transport):
    transcript = golden["transcript"]
    assert len(transcript) == 17
    # The app's blind-signing setting during the recorded session, read from the device's
    # own E0 06 answer (flag 0x01); it stays as it was for the whole session.
    config = bytes.fromhex(transcript[0]["data"])
    server.device.blind_signing = bool(config[0] & ledger_apdu.FLAG_BLIND_SIGNING)
    assert server.device.blind_signing is False
    matched = 0
    for n, exchange in enumerate(transcript):
        expected_sw = int(exchange["sw"], 16)
        # What the user did on the screen is not in the APDU: the recorded session shows a
        # rejection only where the app answered 6985; everywhere else the user approved.
        server.device.user_rejects = expected_sw == ledger_apdu.SW_USER_REJECTED
        data, sw = transport.exchange(bytes.fromhex(exchange["apdu"]))
        assert (data.hex(), f"{sw:04x}") == (exchange["data"], exchange["sw"]), f"exchange {n}"
        matched += 1
    assert matched == 17


def test_the_rejected_request_is_computed_not_looked_up(golden, device, transport):
    rejected = next(e for e in golden["transcript"] if e["sw"] == "6985")
    data, sw = transport.exchange(bytes.fromhex(rejected["apdu"]))        # the user approves
    assert sw == 0x9000 and len(data) == 65
    device.user_rejects = True
    assert transport.exchange(bytes.fromhex(rejected["apdu"])) == (b"", 0x6985)


def test_contract_data_is_refused_only_with_blind_signing_off(golden, device, transport):
    blind = next(e for e in golden["transcript"] if e["sw"] == "6a80")
    assert transport.exchange(bytes.fromhex(blind["apdu"])) == (b"", 0x6A80)
    device.blind_signing = True
    assert transport.exchange(bytes.fromhex(blind["apdu"])) == (b"", 0x9000)   # wants the rest


def test_the_test_device_answers_chain_codes_that_derive_its_own_children(transport):
    # BIP-32 public derivation (CKDpub) from m/44'/60'/0'/0's key and chain code must land on
    # the key the device gives for m/44'/60'/0'/0/0.
    data, sw = transport.exchange(ledger_apdu.get_public_address("m/44'/60'/0'/0", chain_code=True))
    assert sw == 0x9000
    parent = ledger_apdu.parse_public_address(data, chain_code=True)
    child = ledger_apdu.parse_public_address(transport.exchange(ledger_apdu.get_public_address(PATH_0))[0])
    x, y = (int.from_bytes(parent.public_key[i:i + 32], "big") for i in (1, 33))
    compressed = bytes([2 + (y & 1)]) + x.to_bytes(32, "big")
    tweak = hmac.new(parent.chain_code, compressed + (0).to_bytes(4, "big"), hashlib.sha512).digest()[:32]
    point = fast_add(fast_multiply(SECPK1_G, int.from_bytes(tweak, "big")), (x, y))
    assert child.public_key == b"\x04" + b"".join(c.to_bytes(32, "big") for c in point)
    assert child.address == "0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D"


# --- the client sends the golden APDUs and rebuilds the golden results -------------------------
def test_the_signer_sends_the_golden_apdus_and_rebuilds_the_golden_results(golden, device, transport):
    results = golden["results"]
    prompts = AutoApprovePrompts()

    signer = LedgerSigner.connect(transport, PATH_0)                    # E0 06, then E0 02
    assert signer.kind == "ledger"
    signer_1 = LedgerSigner(transport, PATH_1, read_address(transport, PATH_1).address)
    signer_5 = LedgerSigner(transport, PATH_5, read_address(transport, PATH_5).address)
    assert signer.address == results["addr 44'/60'/0'/0/0"]
    assert signer_1.address == results["addr 44'/60'/0'/0/1"]
    assert signer_5.address == results["addr 44'/60'/5'/0/0"]

    cases = [
        ("legacy chain1", signer, legacy_tx(1)),
        ("legacy chain137", signer, legacy_tx(137)),
        ("legacy chain11155111", signer, legacy_tx(11155111)),
        ("1559 chain1", signer, dynamic_fee_tx()),
        ("1559 sender 0/1", signer_1, dynamic_fee_tx()),
        ("1559 access list (multi-chunk)", signer, dynamic_fee_tx(accessList=ACCESS_LIST)),
    ]
    for name, who, tx in cases:
        signed = who.sign_transaction(tx, tx["chainId"], prompts)
        raw, sender = results[name]
        assert "0x" + signed.raw.hex() == raw, name
        assert signed.sender == sender == who.address == Account.recover_transaction(signed.raw), name
        assert signed.hash == transaction_hash(signed.raw)

    with pytest.raises(DeviceError, match="refused contract data: enable Blind signing"):
        signer.sign_transaction(legacy_tx(1, data=b"\xab" * 300), 1, prompts)
    device.user_rejects = True
    with pytest.raises(DeviceError, match="^You rejected the transaction on the Ledger.$"):
        signer.sign_transaction(legacy_tx(1), 1, prompts)
    device.user_rejects = False

    for name, message in (("msg short", b"hello"), ("msg long (multi-chunk)", b"x" * 600)):
        signature = signer.sign_message(message, prompts)
        assert "0x" + signature.hex() == results[name][0], name
        assert Account.recover_message(encode_defunct(primitive=message), signature=signature) \
            == results[name][1]

    sent = [apdu.hex() for apdu in device.apdus]
    assert sent == [exchange["apdu"] for exchange in golden["transcript"]]


def test_app_configuration_and_version(golden, transport):
    signer = LedgerSigner.connect(transport, PATH_0)
    config = signer.app_configuration()
    assert config.version == golden["results"]["version"] == "1.22.0"
    assert config.blind_signing is False


# --- signing beyond the golden cases ------------------------------------------------------------
@pytest.mark.parametrize("tx", [
    dynamic_fee_tx(nonce=0, value=10**18, gas=60_000, data="0xa9059cbb" + "00" * 64),
    dynamic_fee_tx(chainId=137, nonce=41, maxFeePerGas=200 * GWEI, maxPriorityFeePerGas=30 * GWEI),
    dynamic_fee_tx(chainId=11155111, type="0x2", accessList=ACCESS_LIST, data=b"\x01" * 700),
    legacy_tx(137, data=b"\xde\xad" * 200),
    legacy_tx(42161, nonce=2**40, gasPrice=10**8, value=0),
    {"type": 1, "chainId": 10, "nonce": 7, "gasPrice": GWEI, "gas": 50_000, "to": TO,
     "value": 1, "data": b"\x12\x34", "accessList": ACCESS_LIST},
])
def test_signed_transactions_equal_eth_accounts_for_the_same_key(device, transport, tx):
    device.blind_signing = True                 # some carry contract data
    signer = LedgerSigner.connect(transport, PATH_0)
    signed = signer.sign_transaction(tx, int(tx["chainId"]), AutoApprovePrompts())
    # Both sides sign RFC 6979-deterministically with the same key: identical bytes.
    expected = local_key(PATH_0).sign_transaction(tx)
    assert signed.raw == bytes(expected.raw_transaction)
    assert signed.sender == signer.address


def test_eip1559_signing_streams_in_255_byte_chunks(device, transport):
    device.blind_signing = True
    signer = LedgerSigner.connect(transport, PATH_0)
    device.apdus.clear()
    tx = dynamic_fee_tx(data=b"\x07" * 1000)
    signed = signer.sign_transaction(tx, 1, AutoApprovePrompts())
    assert signed.raw[0] == 2 and Account.recover_transaction(signed.raw) == signer.address
    assert [a[2] for a in device.apdus] == [0x00] + [0x80] * (len(device.apdus) - 1)
    assert all(a[4] == len(a) - 5 <= 255 for a in device.apdus)
    assert [a[4] for a in device.apdus][:-1] == [255] * (len(device.apdus) - 1)


def test_personal_sign_recovers_to_the_address(transport):
    signer = LedgerSigner.connect(transport, PATH_1)
    for message in (b"", b"Sign in to Basketry", bytes(range(256)) * 3):
        signature = signer.sign_message(message, AutoApprovePrompts())
        assert len(signature) == 65 and signature[-1] in (27, 28)
        assert Account.recover_message(encode_defunct(primitive=message), signature=signature) \
            == signer.address
        assert signature == bytes(local_key(PATH_1).sign_message(encode_defunct(primitive=message)).signature)


TYPED_DATA = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"},
                         {"name": "verifyingContract", "type": "address"}],
        "Mail": [{"name": "from", "type": "address"}, {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Basketry", "version": "1", "chainId": 1, "verifyingContract": TO},
    "message": {"from": TO, "contents": "hello"},
}


def test_typed_data_is_signed_by_hash_with_blind_signing_on(device, transport):
    device.blind_signing = True
    signer = LedgerSigner.connect(transport, PATH_0)
    signature = signer.sign_typed_data(TYPED_DATA, AutoApprovePrompts())
    assert Account.recover_message(encode_typed_data(full_message=TYPED_DATA), signature=signature) \
        == signer.address
    assert signature == bytes(local_key(PATH_0).sign_typed_data(full_message=TYPED_DATA).signature)


def test_typed_data_without_blind_signing_says_what_to_enable(transport):
    signer = LedgerSigner.connect(transport, PATH_0)
    with pytest.raises(DeviceError, match="enable Blind signing"):
        signer.sign_typed_data(TYPED_DATA, AutoApprovePrompts())


# --- prompts and errors -------------------------------------------------------------------------
class RecordingTransport:
    def __init__(self, inner, events: list):
        self.inner, self.events = inner, events

    def exchange(self, apdu: bytes):
        self.events.append(("exchange", apdu[1]))
        return self.inner.exchange(apdu)

    def close(self) -> None:
        self.inner.close()


def test_the_user_is_told_to_confirm_on_the_ledger_before_and_released_after(transport):
    events: list = []
    signer = LedgerSigner.connect(RecordingTransport(transport, events), PATH_0)
    events.clear()
    prompts = RecordingPrompts(events)
    signer.sign_transaction(dynamic_fee_tx(accessList=ACCESS_LIST), 1, prompts)
    assert events == [("action", "Confirm the transaction on your Ledger"),
                      ("exchange", 0x04), ("exchange", 0x04), ("done",)]
    events.clear()
    signer.sign_message(b"hello", prompts)
    assert events == [("action", "Confirm the message on your Ledger"), ("exchange", 0x08), ("done",)]


def test_rejection_and_blind_signing_errors_still_release_the_prompt(device, transport):
    signer = LedgerSigner.connect(transport, PATH_0)
    prompts = RecordingPrompts()
    device.user_rejects = True
    with pytest.raises(DeviceError) as rejected:
        signer.sign_transaction(legacy_tx(1), 1, prompts)
    assert str(rejected.value) == "You rejected the transaction on the Ledger."
    with pytest.raises(DeviceError, match="^You rejected the message on the Ledger.$"):
        signer.sign_message(b"hello", prompts)
    device.user_rejects = False
    with pytest.raises(DeviceError) as blind:
        signer.sign_transaction(dynamic_fee_tx(data="0x095ea7b3" + "00" * 64), 1, prompts)
    assert str(blind.value) == ("The Ledger Ethereum app refused contract data: enable Blind signing "
                                "in the app's settings, then retry.")
    assert prompts.events.count(("done",)) == 3


def test_the_chain_id_guard_refuses_before_the_device_is_asked(device, transport):
    signer = LedgerSigner.connect(transport, PATH_0)
    device.apdus.clear()
    prompts = RecordingPrompts()
    with pytest.raises(SigningRefused, match="chain id 137"):
        signer.sign_transaction(legacy_tx(137), 1, prompts)
    with pytest.raises(SigningRefused, match="chain id None"):
        signer.sign_transaction({k: v for k, v in legacy_tx(1).items() if k != "chainId"}, 1, prompts)
    assert device.apdus == [] and prompts.events == []


def test_a_signer_for_another_account_refuses_what_the_device_signs(transport):
    impostor = LedgerSigner(transport, PATH_1, "0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D")
    with pytest.raises(SigningRefused, match="recovers to"):
        impostor.sign_transaction(legacy_tx(1), 1, AutoApprovePrompts())
    with pytest.raises(SigningRefused, match="recovers to"):
        impostor.sign_message(b"hello", AutoApprovePrompts())
    with pytest.raises(DeviceError, match="holds 0xd692Cb1346262F584D17B4B470954501f6715a82"):
        impostor.verify_device()


@pytest.mark.parametrize("sw, expected", [
    (0x6E00, "The Ethereum app is not open on the Ledger"),
    (0x6D00, "The Ethereum app is not open on the Ledger"),
    (0x6511, "The Ethereum app is not open on the Ledger"),
    (0x5515, "The Ledger is locked"),
    (0x6F42, r"The Ledger refused the request \(status 0x6F42\)"),
])
def test_status_words_become_clear_errors(sw, expected):
    with pytest.raises(DeviceError, match=expected):
        ledger_apdu.check_status(sw)


def test_connecting_with_the_app_closed_says_open_the_app(device, transport):
    device.app_open = False
    with pytest.raises(DeviceError, match="open the Ethereum app"):
        LedgerSigner.connect(transport, PATH_0)


def test_unsupported_transaction_types_are_refused(transport):
    signer = LedgerSigner.connect(transport, PATH_0)
    with pytest.raises(DeviceError, match="type 4"):
        signer.sign_transaction(dynamic_fee_tx(type=4), 1, AutoApprovePrompts())


def test_legacy_v_recovers_parity_from_the_low_byte():
    assert legacy_v(0x25, 1) == 37
    assert legacy_v(0x36, 137) == 310
    assert legacy_v(0x72, 11155111) == 0x01546D72
    assert legacy_v(0x71, 11155111) == 11155111 * 2 + 35
    with pytest.raises(DeviceError):
        legacy_v(0x40, 1)


# --- APDUs and transports -------------------------------------------------------------------
def test_paths_pack_as_the_app_reads_them():
    assert ledger_apdu.pack_path(PATH_5).hex() == "058000002c8000003c800000050000000000000000"
    assert ledger_apdu.pack_path("44'/60'/0'/0/1") == ledger_apdu.pack_path(PATH_1)
    assert ledger_apdu.format_path(ledger_apdu.parse_path(PATH_0)) == PATH_0
    for bad in ("", "m", "m/44'/x", "m/4294967296", "m/" + "/".join(["0"] * 11)):
        with pytest.raises(ValueError):
            ledger_apdu.parse_path(bad)
    with pytest.raises(InvalidInput, match="not a BIP-32 path"):
        LedgerSigner(None, "m/44'/bad", "0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D")


def test_hid_framing_splits_into_64_byte_reports_with_sequence_numbers():
    command = ledger_apdu.command(0x04, 0, 0, bytes(range(255)))
    frames = hid_frames(command)
    assert len(frames) == 5 and all(len(f) == 64 for f in frames)
    assert [f[:5].hex() for f in frames] == [f"010105{n:04x}" for n in range(5)]
    assert frames[0][5:7] == len(command).to_bytes(2, "big")
    reassembler = HidReassembler()
    assert [reassembler.feed(f) for f in frames][-1] == command   # framing is symmetric
    with pytest.raises(DeviceError, match="out of order"):
        HidReassembler().feed(frames[1])


def test_the_signer_works_over_hid(golden):
    fake = FakeHidLedger(LedgerTestDevice())
    with HidTransport(device=fake, timeout=5) as hid_transport:
        signer = LedgerSigner.connect(hid_transport, PATH_0)
        assert signer.address == golden["results"]["addr 44'/60'/0'/0/0"]
        signature = signer.sign_message(b"x" * 600, AutoApprovePrompts())
        assert "0x" + signature.hex() == golden["results"]["msg long (multi-chunk)"][0]
        signed = signer.sign_transaction(dynamic_fee_tx(accessList=ACCESS_LIST), 1, AutoApprovePrompts())
        assert "0x" + signed.raw.hex() == golden["results"]["1559 access list (multi-chunk)"][0]
    assert fake.closed


def test_tcp_transport_reports_an_unreachable_emulator():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeviceError, match=f"Cannot reach the Ledger emulator at 127.0.0.1:{port}"):
        TcpTransport("127.0.0.1", port, connect_timeout=1).exchange(ledger_apdu.get_app_configuration())


def test_tcp_transport_reports_a_dropped_connection(server):
    tcp = TcpTransport(server.host, server.port, timeout=5)
    assert tcp.exchange(ledger_apdu.get_app_configuration())[1] == 0x9000
    server.stop()
    with pytest.raises(DeviceError, match="Lost the connection"):
        tcp.exchange(ledger_apdu.get_app_configuration())
    tcp.close()


# --- the real emulator, when available ------------------------------------------------------
@pytest.mark.skipif(not os.environ.get("SPECULOS_APP_ELF"),
                    reason="set SPECULOS_APP_ELF to a Ledger Ethereum app ELF to run real speculos")
def test_real_speculos_gives_the_same_address(tmp_path):
    exe = shutil.which("speculos") or str(Path(sys.executable).with_name("speculos"))
    if not Path(exe).exists():
        pytest.skip("speculos is not installed (pip install speculos)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [exe, os.environ["SPECULOS_APP_ELF"], "--display", "headless",
               "--apdu-port", str(port), "--api-port", "0"]
    if os.environ.get("SPECULOS_MODEL"):
        command += ["--model", os.environ["SPECULOS_MODEL"]]
    log = (tmp_path / "speculos.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "speculos.log").read_text()[-2000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "speculos did not open its APDU port in 60 s"
                time.sleep(0.2)
        with TcpTransport("127.0.0.1", port, timeout=60) as tcp:
            signer = LedgerSigner.connect(tcp, PATH_0)
        assert signer.address == "0xDad77910DbDFdE764fC21FCD4E74D71bBACA6D8D"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()

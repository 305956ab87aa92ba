"""The Trezor signer against a protocol-level test device (UDP, protocol v1, trezorlib's own
protobuf messages). The test device is kept honest by replaying every case of the
real-firmware golden data in ../shared/hw-golden/trezor through the REAL trezorlib client
functions, and through ``TrezorSigner`` wherever its interface fits the case."""

from __future__ import annotations

import copy
import json
import socket

import pytest
import rlp
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from trezorlib import ethereum
from trezorlib.client import AppManifest, get_client
from trezorlib.tools import parse_path
from trezorlib.transport import get_transport

from app.errors import UserCancelled
from tests.support.golden import golden_path, missing_reason, require_golden
from tests.support.trezor_device import ALL_ALL, TrezorTestDevice, derive
from wallet.errors import DeviceError, SigningRefused
from wallet.prompts import AutoApprovePrompts
from wallet.trezor import DEFAULT_PATH, TrezorSigner

GOLDEN = golden_path("trezor")


def load_cases(name: str) -> list:
    if GOLDEN is None:  # a clone without ../shared: one skipped case that says why
        return [pytest.param(None, None, id=f"{name.removesuffix('.json')}-no-golden-data",
                             marks=pytest.mark.skip(reason=missing_reason("trezor")))]
    document = json.loads((GOLDEN / name).read_text())
    mnemonic = document["setup"]["mnemonic"]
    assert document["setup"].get("passphrase", "") == ""
    stem = name.removesuffix(".json")
    return [pytest.param(mnemonic, case,
                         id=f"{stem}-{i}-{case.get('name', case['parameters'].get('path'))}")
            for i, case in enumerate(document["tests"])]


class RecordingPrompts(AutoApprovePrompts):
    def __init__(self, pin=None, passphrase=""):
        super().__init__(pin=pin, passphrase=passphrase)
        self.pin_requests: list[str] = []
        self.passphrase_requests: list[str] = []
        self.done = 0

    def ask_pin(self, message):
        self.pin_requests.append(message)
        return super().ask_pin(message)

    def ask_passphrase(self, message):
        self.passphrase_requests.append(message)
        return super().ask_passphrase(message)

    def device_done(self):
        self.done += 1


# --- devices shared by the golden cases (one per mnemonic, one trezorlib session each) ------
class _Golden:
    def __init__(self):
        self.devices: dict[str, TrezorTestDevice] = {}
        self.sessions: dict[str, object] = {}

    def device(self, mnemonic: str) -> TrezorTestDevice:
        if mnemonic not in self.devices:
            self.devices[mnemonic] = TrezorTestDevice(mnemonic).start()
        return self.devices[mnemonic]

    def session(self, mnemonic: str):
        """A session of the real trezorlib client (v1 probe, Initialize, derive...)."""
        if mnemonic not in self.sessions:
            transport = get_transport(self.device(mnemonic).path, prefix_search=True)
            client = get_client(AppManifest(app_name="basketry-tests"), transport)
            self.sessions[mnemonic] = client.get_session(passphrase="")
        return self.sessions[mnemonic]

    def close(self):
        for device in self.devices.values():
            device.stop()
            assert device.errors == []


@pytest.fixture(scope="module")
def golden():
    shared = _Golden()
    yield shared
    shared.close()


def _hex_int(text: str) -> int:
    return int(text, 16) if text else 0


def _decode_signed(raw: bytes) -> tuple[int, str, str]:
    if raw[0] == 2:
        fields = rlp.decode(raw[1:])
    else:
        fields = rlp.decode(raw)
    v, r, s = (int.from_bytes(f, "big") for f in fields[-3:])
    return v, f"{r:064x}", f"{s:064x}"


# --- golden: addresses, public keys, messages -------------------------------------------------
@pytest.mark.parametrize(("mnemonic", "case"), load_cases("getaddress.json"))
def test_golden_getaddress(golden, mnemonic, case):
    path = case["parameters"]["path"]
    session = golden.session(mnemonic)
    assert ethereum.get_address(session, parse_path(path)) == case["result"]["address"]

    signer = TrezorSigner.connect(golden.device(mnemonic).path, path, AutoApprovePrompts())
    assert signer.kind == "trezor" and signer.address == case["result"]["address"]


@pytest.mark.parametrize(("mnemonic", "case"), load_cases("getpublickey.json"))
def test_golden_getpublickey(golden, mnemonic, case):
    path, expected = case["parameters"]["path"], case["result"]
    for public in (ethereum.get_public_node(golden.session(mnemonic), parse_path(path)),
                   TrezorSigner(golden.device(mnemonic).path, path,
                                derive_address(mnemonic, path)).get_public_node(AutoApprovePrompts())):
        assert public.node.fingerprint == expected["fingerprint"]
        assert public.node.child_num == expected["child_num"]
        assert public.node.chain_code.hex() == expected["chain_code"]
        assert public.node.public_key.hex() == expected["public_key"]
        assert public.xpub == expected["xpub"]


@pytest.mark.parametrize(("mnemonic", "case"), load_cases("signmessage.json"))
def test_golden_signmessage(golden, mnemonic, case):
    params, expected = case["parameters"], case["result"]
    response = ethereum.sign_message(golden.session(mnemonic), parse_path(params["path"]), params["msg"])
    assert response.address == expected["address"]
    assert response.signature.hex() == expected["sig"]

    signer = TrezorSigner(golden.device(mnemonic).path, params["path"], expected["address"])
    signature = signer.sign_message(params["msg"].encode(), AutoApprovePrompts())
    assert signature.hex() == expected["sig"]


# --- golden: transactions ----------------------------------------------------------------------
TX_CASES = (load_cases("sign_tx.json") + load_cases("sign_tx_eip155.json")
            + load_cases("sign_tx_erc20.json"))


@pytest.mark.parametrize(("mnemonic", "case"), TX_CASES)
def test_golden_sign_tx(golden, mnemonic, case):
    p, expected = case["parameters"], case["result"]
    v, r, s = ethereum.sign_tx(
        golden.session(mnemonic), parse_path(p["path"]), nonce=_hex_int(p["nonce"]),
        gas_price=_hex_int(p["gas_price"]), gas_limit=_hex_int(p["gas_limit"]),
        to=p["to_address"], value=_hex_int(p["value"]), data=bytes.fromhex(p["data"]),
        chain_id=p["chain_id"], tx_type=p["tx_type"])
    assert (v, r.hex(), s.hex()) == (expected["sig_v"], expected["sig_r"], expected["sig_s"])

    if p["tx_type"] is not None:
        return  # Wanchain-style tx_type prefixes are not web3 transactions: trezorlib only
    tx = {"chainId": p["chain_id"], "nonce": _hex_int(p["nonce"]), "gasPrice": _hex_int(p["gas_price"]),
          "gas": _hex_int(p["gas_limit"]), "to": p["to_address"] or None,
          "value": _hex_int(p["value"]), "data": "0x" + p["data"]}
    address = derive_address(mnemonic, p["path"])
    signed = TrezorSigner(golden.device(mnemonic).path, p["path"], address).sign_transaction(
        tx, p["chain_id"], AutoApprovePrompts())
    assert signed.sender == address
    assert _decode_signed(signed.raw) == (expected["sig_v"], expected["sig_r"], expected["sig_s"])


@pytest.mark.parametrize(("mnemonic", "case"), load_cases("sign_tx_eip1559.json"))
def test_golden_sign_tx_eip1559(golden, mnemonic, case):
    p, expected = case["parameters"], case["result"]
    v, r, s = ethereum.sign_tx_eip1559(
        golden.session(mnemonic), parse_path(p["path"]), nonce=_hex_int(p["nonce"]),
        gas_limit=_hex_int(p["gas_limit"]), to=p["to_address"], value=_hex_int(p["value"]),
        data=bytes.fromhex(p["data"]), chain_id=p["chain_id"],
        max_gas_fee=_hex_int(p["max_gas_fee"]), max_priority_fee=_hex_int(p["max_priority_fee"]))
    assert (v, r.hex(), s.hex()) == (expected["sig_v"], expected["sig_r"], expected["sig_s"])

    tx = {"type": 2, "chainId": p["chain_id"], "nonce": _hex_int(p["nonce"]),
          "maxFeePerGas": _hex_int(p["max_gas_fee"]),
          "maxPriorityFeePerGas": _hex_int(p["max_priority_fee"]),
          "gas": _hex_int(p["gas_limit"]), "to": p["to_address"], "value": _hex_int(p["value"]),
          "data": bytes.fromhex(p["data"])}
    address = derive_address(mnemonic, p["path"])
    signed = TrezorSigner(golden.device(mnemonic).path, p["path"], address).sign_transaction(
        tx, p["chain_id"], AutoApprovePrompts())
    assert signed.sender == address
    assert _decode_signed(signed.raw) == (expected["sig_v"], expected["sig_r"], expected["sig_s"])


@pytest.mark.parametrize(("mnemonic", "case"), load_cases("sign_typed_data.json"))
def test_golden_sign_typed_data(golden, mnemonic, case):
    p, expected = case["parameters"], case["result"]
    device = golden.device(mnemonic)
    show_hash = p.get("show_message_hash")
    response = ethereum.sign_typed_data(
        golden.session(mnemonic), parse_path(p["path"]), copy.deepcopy(p["data"]),
        metamask_v4_compat=p["metamask_v4_compat"],
        show_message_hash=bytes.fromhex(show_hash[2:]) if show_hash else None)
    assert response.address == expected["address"]
    assert "0x" + response.signature.hex() == expected["sig"]
    domain_hash, message_hash = device.typed_data_hashes[-1]
    assert "0x" + domain_hash.hex() == p["domain_separator_hash"]
    assert message_hash.hex() == (p["message_hash"] or "0x")[2:]

    if not p["metamask_v4_compat"]:
        return  # TrezorSigner always signs the MetaMask v4 way (what wallets and dapps use)
    signer = TrezorSigner(device.path, p["path"], expected["address"])
    assert "0x" + signer.sign_typed_data(copy.deepcopy(p["data"]), AutoApprovePrompts()).hex() == expected["sig"]


def derive_address(mnemonic: str, path: str) -> str:
    from tests.support.trezor_device import bip39_seed

    return derive(bip39_seed(mnemonic), parse_path(path)).address


def test_the_golden_data_is_all_there():
    golden = require_golden("trezor")
    counts = {name: len(json.loads((golden / name).read_text())["tests"])
              for name in ("getaddress.json", "getpublickey.json", "sign_tx.json",
                           "sign_tx_eip155.json", "sign_tx_eip1559.json", "sign_tx_erc20.json",
                           "sign_typed_data.json", "signmessage.json")}
    assert all(counts.values()), counts


# --- the signer --------------------------------------------------------------------------------
@pytest.fixture
def device():
    with TrezorTestDevice(ALL_ALL) as running:
        yield running
    assert running.errors == []


ADDRESS_0 = "0x73d0385F4d8E00C5e6504C6030F47BF6212736A8"   # all...all, m/44'/60'/0'/0/0
RECIPIENT = "0x1D1C328764A41BdA0492b66bAA30C4A339FF85EF"


def _legacy_tx(**overrides):
    tx = {"chainId": 1, "nonce": 7, "gasPrice": 2_000_000_000, "gas": 21_000, "to": RECIPIENT,
          "value": 10**16, "data": b""}
    tx.update(overrides)
    return tx


def _eip1559_tx(**overrides):
    tx = {"type": 2, "chainId": 31337, "nonce": 3, "maxFeePerGas": 30 * 10**9,
          "maxPriorityFeePerGas": 10**9, "gas": 150_000, "to": RECIPIENT, "value": 0,
          "data": "0xa9059cbb" + "00" * 64,
          "accessList": [{"address": RECIPIENT, "storageKeys": ["0x" + "00" * 31 + "01"]}]}
    tx.update(overrides)
    return tx


def _local_account(index: int = 0):
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(ALL_ALL, account_path=f"m/44'/60'/0'/0/{index}")


@pytest.mark.parametrize("tx", [_legacy_tx(), _eip1559_tx(), _legacy_tx(to=None, data="0x6001")],
                         ids=["legacy", "eip1559-access-list", "contract-creation"])
def test_sign_transaction_recovers_and_matches_a_software_signature(device, tx):
    prompts = RecordingPrompts()
    signer = TrezorSigner.connect(device.path, DEFAULT_PATH, prompts)
    assert signer.address == ADDRESS_0

    signed = signer.sign_transaction(tx, tx["chainId"], prompts)

    assert Account.recover_transaction(signed.raw) == ADDRESS_0 == signed.sender
    # RFC 6979 on both sides: the same key signs the same bytes
    assert signed.raw == bytes(_local_account().sign_transaction(tx).raw_transaction)
    assert signed.hash.startswith("0x") and len(signed.hash) == 66
    assert prompts.device_messages == ["Check the transaction on your Trezor and confirm it there."]
    assert prompts.done == 1
    assert "confirm_total" in device.button_requests


def test_sign_message_and_typed_data_recover_to_the_address(device):
    prompts = RecordingPrompts()
    signer = TrezorSigner(device.path, "m/44'/60'/0'/0/1", _local_account(1).address)
    signature = signer.sign_message(b"Basketry login 42", prompts)
    assert len(signature) == 65 and signature[64] in (27, 28)
    assert Account.recover_message(encode_defunct(b"Basketry login 42"), signature=signature) == signer.address

    typed = {"types": {"EIP712Domain": [{"name": "name", "type": "string"},
                                        {"name": "chainId", "type": "uint256"}],
                       "Permit": [{"name": "owner", "type": "address"},
                                  {"name": "value", "type": "uint256"},
                                  {"name": "tag", "type": "bytes4"}]},
             "primaryType": "Permit", "domain": {"name": "Basketry", "chainId": "0x1"},
             "message": {"owner": signer.address, "value": "1000000", "tag": b"\x01\x02\x03\x04"}}
    signature = signer.sign_typed_data(typed, prompts)
    expected = _local_account(1).sign_message(encode_typed_data(full_message={
        **typed, "domain": {"name": "Basketry", "chainId": 1},
        "message": {"owner": signer.address, "value": 1000000, "tag": b"\x01\x02\x03\x04"}}))
    assert signature == bytes(expected.signature)
    assert prompts.device_messages  # the confirmations went through prompts.device_action


@pytest.mark.parametrize("operation", ["transaction", "message", "typed_data"])
def test_a_rejection_on_the_device_is_a_clear_device_error(device, operation):
    prompts = RecordingPrompts()
    signer = TrezorSigner(device.path, DEFAULT_PATH, ADDRESS_0)
    device.user_rejects = True
    with pytest.raises(DeviceError, match=r"^You rejected the request on the Trezor\.$"):
        if operation == "transaction":
            signer.sign_transaction(_legacy_tx(), 1, prompts)
        elif operation == "message":
            signer.sign_message(b"no", prompts)
        else:
            signer.sign_typed_data({"types": {"EIP712Domain": []}, "primaryType": "EIP712Domain",
                                    "domain": {}, "message": {}}, prompts)
    assert prompts.device_messages and prompts.done == 1

    device.user_rejects = False  # the next request works on the same signer
    assert len(signer.sign_message(b"yes", prompts)) == 65


def test_the_pin_matrix_goes_through_prompts_ask_pin():
    with TrezorTestDevice(ALL_ALL, pin="2468") as device:
        class PinPrompts(RecordingPrompts):
            def ask_pin(self, message):
                self.pin_requests.append(message)
                return device.pin_positions("2468")  # what the user reads off the screen

        prompts = PinPrompts()
        signer = TrezorSigner.connect(device.path, DEFAULT_PATH, prompts)
        assert signer.address == ADDRESS_0
        assert len(prompts.pin_requests) == 1 and "POSITIONS" in prompts.pin_requests[0]
        signer.sign_transaction(_legacy_tx(), 1, prompts)
        assert len(prompts.pin_requests) == 1  # unlocked for the session
        assert "PinMatrixAck" in device.received


def test_a_wrong_pin_and_a_cancelled_pin():
    with TrezorTestDevice(ALL_ALL, pin="2468") as device:
        with pytest.raises(DeviceError, match="PIN"):
            TrezorSigner.connect(device.path, DEFAULT_PATH, RecordingPrompts(pin="1111"))
        assert device.pin_attempts == 1 and not device.unlocked

        with pytest.raises(DeviceError, match="keypad positions"):
            TrezorSigner.connect(device.path, DEFAULT_PATH, RecordingPrompts(pin="12a4"))
        assert device.received[-1] == "Cancel" and device.pin_attempts == 1

        with pytest.raises(UserCancelled):  # AutoApprovePrompts without a PIN cancels
            TrezorSigner.connect(device.path, DEFAULT_PATH, RecordingPrompts(pin=None))
        assert device.received[-1] == "Cancel" and device.matrix is None


def test_a_passphrase_wallet_asks_prompts_for_the_passphrase():
    with TrezorTestDevice(ALL_ALL, passphrase_protection=True) as device:
        prompts = RecordingPrompts(passphrase="basketry")
        signer = TrezorSigner.connect(device.path, DEFAULT_PATH, prompts)
        assert signer.address == device.address(parse_path(DEFAULT_PATH), "basketry") != ADDRESS_0
        assert len(prompts.passphrase_requests) == 1
        signer.sign_message(b"hi", prompts)
        assert len(prompts.passphrase_requests) == 1

        wrong = TrezorSigner(device.path, DEFAULT_PATH, signer.address)
        with pytest.raises(DeviceError, match="does not hold"):
            wrong.sign_message(b"hi", RecordingPrompts(passphrase="other"))


def test_the_chain_id_guard_refuses_before_the_device_sees_anything(device):
    signer = TrezorSigner(device.path, DEFAULT_PATH, ADDRESS_0)
    with pytest.raises(SigningRefused, match="chain id 1: the connected network is chain id 137"):
        signer.sign_transaction(_legacy_tx(chainId=1), 137, RecordingPrompts())
    with pytest.raises(SigningRefused, match="chain id None"):
        signer.sign_transaction({k: v for k, v in _legacy_tx().items() if k != "chainId"}, 1,
                                RecordingPrompts())
    assert "EthereumSignTx" not in device.received


def test_transactions_a_trezor_cannot_sign_are_refused(device):
    signer = TrezorSigner(device.path, DEFAULT_PATH, ADDRESS_0)
    with pytest.raises(SigningRefused, match="type 1"):
        signer.sign_transaction(_legacy_tx(type=1, accessList=[]), 1, RecordingPrompts())
    with pytest.raises(SigningRefused, match="both gasPrice and maxFeePerGas"):
        signer.sign_transaction(_eip1559_tx(gasPrice=1), 31337, RecordingPrompts())
    assert "EthereumSignTx" not in device.received and "EthereumSignTxEIP1559" not in device.received


def test_a_different_trezor_is_caught_before_signing(device):
    signer = TrezorSigner(device.path, DEFAULT_PATH, _local_account(5).address)
    with pytest.raises(DeviceError, match="does not hold"):
        signer.sign_transaction(_legacy_tx(), 1, RecordingPrompts())
    assert "EthereumSignTx" not in device.received


def test_no_trezor_at_the_path_is_a_clear_device_error():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = f"udp:127.0.0.1:{port}"
    with pytest.raises(DeviceError) as raised:
        TrezorSigner.connect(path, DEFAULT_PATH, RecordingPrompts())
    assert str(raised.value) == f"No Trezor found at {path}; connect it (or start the emulator) and retry."


def test_usb_means_the_first_trezor_on_usb(monkeypatch):
    import wallet.trezor.signer as trezor_signer

    monkeypatch.setattr(trezor_signer, "all_transports", lambda: [])  # nothing plugged in
    with pytest.raises(DeviceError) as raised:
        TrezorSigner.connect("usb", DEFAULT_PATH, RecordingPrompts())
    assert str(raised.value) == ("No Trezor found at any USB port; connect it (or start the "
                                 "emulator) and retry.")


def test_a_device_restart_reopens_the_session_once():
    with TrezorTestDevice(ALL_ALL, passphrase_protection=True) as device:
        prompts = RecordingPrompts(passphrase="basketry")
        signer = TrezorSigner.connect(device.path, DEFAULT_PATH, prompts)
        device.restart()  # forgets every session: the next request asks the passphrase
        assert len(signer.sign_message(b"again", prompts)) == 65
        assert len(prompts.passphrase_requests) == 2


def test_the_test_device_speaks_v1_and_ignores_thp(device):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
        raw.settimeout(2)
        raw.connect(("127.0.0.1", device.port))
        raw.send(b"PINGPING")
        assert raw.recv(64) == b"PONGPONG"
        raw.send(bytes([0x40]) + b"\0" * 63)  # a THP channel-allocation-like report
        raw.send(b"?##" + (55).to_bytes(2, "big") + (0).to_bytes(4, "big") + b"\0" * 55)  # GetFeatures
        reply = raw.recv(64)
        assert reply[:3] == b"?##" and int.from_bytes(reply[3:5], "big") == 17  # Features

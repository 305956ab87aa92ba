"""LocalSigner: unlocked from the real Secret Service, signs what recovers to its address."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak

from wallet.errors import SigningRefused, WalletError, WrongPassword
from wallet.keys import hd, keystore
from wallet.local_signer import LocalSigner
from wallet.prompts import AutoApprovePrompts

pytestmark = pytest.mark.usefixtures("fast_scrypt")

ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
ANVIL_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
RECIPIENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CHAIN_ID = 31337

EIP1559_TX = {"type": 2, "chainId": CHAIN_ID, "nonce": 5, "to": RECIPIENT, "value": 10**18, "data": "0x",
              "gas": 21_000, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9}
LEGACY_TX = {"chainId": CHAIN_ID, "nonce": 6, "to": RECIPIENT, "value": 1, "data": "0xabcdef",
             "gas": 50_000, "gasPrice": 2 * 10**9}
MAIL = {  # the EIP-712 example message
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"},
                         {"name": "verifyingContract", "type": "address"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                 {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"},
}


@pytest.fixture
def signer() -> LocalSigner:
    return LocalSigner(KEY)


def test_unlock_a_key_from_the_keyring(secret_service):
    vault = secret_service.vault()
    vault.store("imported", keystore.encrypt_private_key(KEY, "pw"))
    signer = LocalSigner.unlock(vault, "imported", "pw")
    assert signer.address == Account.from_key(KEY).address
    assert signer.kind == "local" and signer.derivation_path is None and not signer.is_locked
    with pytest.raises(WrongPassword, match="^Wrong password.$"):
        LocalSigner.unlock(vault, "imported", "not it")
    with pytest.raises(WalletError, match="no HD index"):
        LocalSigner.unlock(vault, "imported", "pw", index=1)


def test_unlock_hd_accounts_from_the_keyring(secret_service):
    vault = secret_service.vault()
    vault.store("hd", keystore.encrypt_mnemonic(ANVIL_MNEMONIC, "pw"))
    first = LocalSigner.unlock(vault, "hd", "pw")
    fourth = LocalSigner.unlock(vault, "hd", "pw", index=3)
    assert first.address == ANVIL_0
    assert fourth.address == hd.derive(ANVIL_MNEMONIC, 3)[0]
    assert fourth.derivation_path == "m/44'/60'/0'/0/3"
    with_passphrase = LocalSigner.unlock(vault, "hd", "pw", passphrase="extra")
    assert with_passphrase.address == hd.derive(ANVIL_MNEMONIC, 0, "extra")[0] != ANVIL_0


def test_missing_item(secret_service):
    with pytest.raises(WalletError, match="has no key"):
        LocalSigner.unlock(secret_service.vault(), "nothing", "pw")


@pytest.mark.parametrize("tx", [EIP1559_TX, LEGACY_TX, {**LEGACY_TX, "type": 0}], ids=["eip1559", "legacy", "type0"])
def test_signs_transactions_that_recover_to_its_address(signer, tx):
    prompts = AutoApprovePrompts()
    signed = signer.sign_transaction({**tx, "from": signer.address}, CHAIN_ID, prompts)
    assert Account.recover_transaction(signed.raw) == signer.address == signed.sender
    assert signed.hash == "0x" + keccak(signed.raw).hex()
    assert (signed.raw[0] == 2) == (tx.get("type") == 2)
    assert prompts.confirmed == []        # the app confirms before signing, not the signer


def test_the_base_guards_still_apply(signer):
    with pytest.raises(SigningRefused, match="chain id"):
        signer.sign_transaction(EIP1559_TX, 1, AutoApprovePrompts())
    with pytest.raises(SigningRefused, match="not 0x"):
        signer.sign_transaction({**EIP1559_TX, "from": ANVIL_0}, CHAIN_ID, AutoApprovePrompts())


def test_personal_sign(signer):
    signature = signer.sign_message(b"Basketry login 42", AutoApprovePrompts())
    assert len(signature) == 65 and signature[-1] in (27, 28)
    recovered = Account.recover_message(encode_defunct(primitive=b"Basketry login 42"), signature=signature)
    assert recovered == signer.address


def test_typed_data(signer):
    signature = signer.sign_typed_data(MAIL, AutoApprovePrompts())
    assert len(signature) == 65 and signature[-1] in (27, 28)
    assert Account.recover_message(encode_typed_data(full_message=MAIL), signature=signature) == signer.address


def test_typed_data_known_signature():
    """The EIP-712 reference: the key keccak("cow") signs Mail to this signature."""
    cow = LocalSigner(keccak(text="cow"))
    assert cow.address == "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"
    signature = cow.sign_typed_data(MAIL, AutoApprovePrompts())
    assert signature.hex() == (
        "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
        "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c")


def test_lock_forgets_the_key(signer):
    signer.lock()
    assert signer.is_locked
    for attempt in (lambda: signer.sign_transaction(EIP1559_TX, CHAIN_ID, AutoApprovePrompts()),
                    lambda: signer.sign_message(b"x", AutoApprovePrompts()),
                    lambda: signer.sign_typed_data(MAIL, AutoApprovePrompts())):
        with pytest.raises(WalletError, match="locked"):
            attempt()
    signer.lock()    # twice is fine


def test_context_manager_locks_on_exit():
    with LocalSigner(KEY) as signer:
        signer.sign_message(b"x", AutoApprovePrompts())
    assert signer.is_locked


def test_the_key_never_shows(signer):
    key_hex = KEY.hex()
    for text in (repr(signer), str(signer)):
        assert key_hex not in text.lower() and signer.address in text
    with pytest.raises(Exception) as caught:     # a malformed transaction
        signer.sign_transaction({**EIP1559_TX, "to": "not an address"}, CHAIN_ID, AutoApprovePrompts())
    assert key_hex not in str(caught.value).lower()
    signer.lock()
    assert key_hex not in repr(signer) and "locked" in repr(signer)


def test_invalid_key_is_refused_without_echo():
    with pytest.raises(WalletError) as caught:
        LocalSigner(b"\xff" * 32)
    assert "ff" * 32 not in str(caught.value)

"""BIP-39/BIP-44 derivation and v3 keystores, against public test vectors."""

from __future__ import annotations

import json
import random

import pytest
from eth_account import Account

from app.errors import InvalidInput
from wallet.errors import WalletError, WrongPassword
from wallet.keys import hd, keystore

pytestmark = pytest.mark.usefixtures("fast_scrypt")

# Trezor's python-mnemonic vectors.json, English, passphrase "TREZOR": (entropy, mnemonic, seed).
BIP39_VECTORS = [
    ("00000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
     "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"),
    ("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank yellow",
     "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607"),
    ("80808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
     "d71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b5c462a0358d18d69fe4f985ec81778c1b370b652a8"),
    ("ffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
     "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069"),
    ("000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon agent",
     "035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a565181599b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa"),
    ("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will",
     "f2b94508732bcbacbcc020faefecfc89feafa6649a5491b8c952cede496c214a0c7b3c392d168748f2d4a612bada0753b52a1c7ac53c1e93abd5c6320b9e95dd"),
    ("808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
     "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65"),
    ("ffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when",
     "0cd6e5d827bb62eb8fc1e262254223817fd068a74b5b449cc2f667c3f1f985a76379b43348d952e2265b4cd129090758b3e3c2c49103b5051aac2eaeb890a528"),
    ("0000000000000000000000000000000000000000000000000000000000000000",
     "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
     "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8"),
    ("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
     "bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87"),
    ("8080808080808080808080808080808080808080808080808080808080808080",
     "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
     "c0c519bd0e91a2ed54357d9d1ebef6f5af218a153624cf4f2da911a0ed8f7a09e2ef61af0aca007096df430022f7a2b6fb91661a9589097069720d015e4e982f"),
    ("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
     "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad"),
    ("9e885d952ad362caeb4efe34a8e91bd2",
     "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
     "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028"),
    ("6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
     "gravity machine north sort system female filter attitude volume fold club stay feature office ecology stable narrow fog",
     "628c3827a8823298ee685db84f55caa34b5cc195a778e52d45f59bcf75aba68e4d7590e101dc414bc1bbd5737666fbbef35d1f1903953b66624f910feef245ac"),
    ("68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
     "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length",
     "64c87cde7e12ecf6704ab95bb1408bef047c22db4cc7491c4271d170a1b213d20b385bc1588d9c7b38f1b39d415665b8a9030c9ec653d75e65f847d8fc1fc440"),
    ("c0ba5a8e914111210f2bd131f3d5e08d",
     "scheme spot photo card baby mountain device kick cradle pact join borrow",
     "ea725895aaae8d4c1cf682c1bfd2d358d52ed9f0f0591131b559e2724bb234fca05aa9c02c57407e04ee9dc3b454aa63fbff483a8b11de949624b9f1831a9612"),
    ("6d9be1ee6ebd27a258115aad99b7317b9c8d28b6d76431c3",
     "horn tenant knee talent sponsor spell gate clip pulse soap slush warm silver nephew swap uncle crack brave",
     "fd579828af3da1d32544ce4db5c73d53fc8acc4ddb1e3b251a31179cdb71e853c56d2fcb11aed39898ce6c34b10b5382772db8796e52837b54468aeb312cfc3d"),
    ("9f6a2878b2520799a44ef18bc7df394e7061a224d2c33cd015b157d746869863",
     "panda eyebrow bullet gorilla call smoke muffin taste mesh discover soft ostrich alcohol speed nation flash devote level hobby quick inner drive ghost inside",
     "72be8e052fc4919d2adf28d5306b5474b0069df35b02303de8c1729c9538dbb6fc2d731d5f832193cd9fb6aeecbc469594a70e3dd50811b5067f3b88b28c3e8d"),
    ("23db8160a31d3e0dca3688ed941adbf3",
     "cat swing flag economy stadium alone churn speed unique patch report train",
     "deb5f45449e615feff5640f2e49f933ff51895de3b4381832b3139941c57b59205a42480c52175b6efcffaa58a2503887c1e8b363a707256bdd2b587b46541f5"),
    ("8197a4a47f0425faeaa69deebc05ca29c0a5b5cc76ceacc0",
     "light rule cinnamon wrap drastic word pride squirrel upgrade then income fatal apart sustain crack supply proud access",
     "4cbdff1ca2db800fd61cae72a57475fdc6bab03e441fd63f96dabd1f183ef5b782925f00105f318309a7e9c3ea6967c7801e46c8a58082674c860a37b93eda02"),
    ("066dca1a2bb7e8a1db2832148ce9933eea0f3ac9548d793112d9a95c9407efad",
     "all hour make first leader extend hole alien behind guard gospel lava path output census museum junior mass reopen famous sing advance salt reform",
     "26e975ec644423f4a4c4f4215ef09b4bd7ef924e85d1d17c4cf3f136c2863cf6df0a475045652c57eb5fb41513ca2a2d67722b77e954b4b3fc11f7590449191d"),
    ("f30f8c1da665478f49b001d94c5fc452",
     "vessel ladder alter error federal sibling chat ability sun glass valve picture",
     "2aaa9242daafcee6aa9d7269f17d4efe271e1b9a529178d7dc139cd18747090bf9d60295d0ce74309a78852a9caadf0af48aae1c6253839624076224374bc63f"),
    ("c10ec20dc3cd9f652c7fac2f1230f7a3c828389a14392f05",
     "scissors invite lock maple supreme raw rapid void congress muscle digital elegant little brisk hair mango congress clump",
     "7b4a10be9d98e6cba265566db7f136718e1398c71cb581e1b2f464cac1ceedf4f3e274dc270003c670ad8d02c4558b2f8e39edea2775c9e232c7cb798b069e88"),
    ("f585c11aec520db57dd353c69554b21a89b20fb0650966fa0a9d6f74fd989d8f",
     "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing screen patrol group space point ten exist slush involve unfold",
     "01f5bced59dec48e362f2c45b5de68b9fd6c92c6634f44d6d40aab69056506f0e35524a518034ddc1192e1dacd32c1ed3eaa3c3b131c88ed8e7e54c49a5d0998"),
]

ALL_MNEMONIC = " ".join(["all"] * 12)                      # Trezor's test phrase
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
# BIP-44 m/44'/60'/0'/0/i: (phrase, index, address)
BIP44_VECTORS = [
    (ALL_MNEMONIC, 100, "0x1e6E3708a059aEa1241a81c7aAe84b6CDbC54d59"),
    (ANVIL_MNEMONIC, 0, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    (ANVIL_MNEMONIC, 1, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
]
ANVIL_KEY_0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

# Web3 Secret Storage Definition test vectors (as in go-ethereum's
# accounts/keystore/testdata/v3_test_vector.json), plus geth's short-key cases.
V3_VECTORS = {
    "wikipage_test_vector_scrypt": {
        "json": {
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": {"iv": "83dbcc02d8ccb40e466191a123791e0e"},
                "ciphertext": "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
                "kdf": "scrypt",
                "kdfparams": {"dklen": 32, "n": 262144, "r": 1, "p": 8,
                              "salt": "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},
                "mac": "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
            },
            "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
            "version": 3,
        },
        "password": "testpassword",
        "priv": "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
    },
    "wikipage_test_vector_pbkdf2": {
        "json": {
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": {"iv": "6087dab2f9fdbbfaddc31a909735c1e6"},
                "ciphertext": "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
                "kdf": "pbkdf2",
                "kdfparams": {"c": 262144, "dklen": 32, "prf": "hmac-sha256",
                              "salt": "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
                "mac": "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
            },
            "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
            "version": 3,
        },
        "password": "testpassword",
        "priv": "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
    },
    "31_byte_key": {
        "json": {
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": {"iv": "e0c41130a323adc1446fc82f724bca2f"},
                "ciphertext": "9517cd5bdbe69076f9bf5057248c6c050141e970efa36ce53692d5d59a3984",
                "kdf": "scrypt",
                "kdfparams": {"dklen": 32, "n": 2, "r": 8, "p": 1,
                              "salt": "711f816911c92d649fb4c84b047915679933555030b3552c1212609b38208c63"},
                "mac": "d5e116151c6aa71470e67a7d42c9620c75c4d23229847dcc127794f0732b0db5",
            },
            "id": "fecfc4ce-e956-48fd-953b-30f8b52ed66c",
            "version": 3,
        },
        "password": "foo",
        "priv": "fa7b3db73dc7dfdf8c5fbdb796d741e4488628c41fc4febd9160a866ba0f35",
    },
    "30_byte_key": {
        "json": {
            "crypto": {
                "cipher": "aes-128-ctr",
                "cipherparams": {"iv": "3ca92af36ad7c2cd92454c59cea5ef00"},
                "ciphertext": "108b7d34f3442fc26ab1ab90ca91476ba6bfa8c00975a49ef9051dc675aa",
                "kdf": "scrypt",
                "kdfparams": {"dklen": 32, "n": 2, "r": 8, "p": 1,
                              "salt": "d0769e608fb86cda848065642a9c6fa046845c928175662b8e356c77f914cd3b"},
                "mac": "75d0e6759f7b3cefa319c3be41680ab6beea7d8328653474bd06706d4cc67420",
            },
            "id": "a37e1559-5955-450d-8075-7b8931b392b2",
            "version": 3,
        },
        "password": "foo",
        "priv": "81c29e8142bb6a81bef5a92bda7a8328a5c85bb2f9542e76f9b0f94fc018",
    },
}
KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")


# --- BIP-39 / BIP-44 --------------------------------------------------------------------------
@pytest.mark.parametrize(("entropy", "mnemonic", "seed"), BIP39_VECTORS, ids=lambda v: v[:12])
def test_bip39_vectors(entropy, mnemonic, seed):
    assert hd.entropy_to_mnemonic(bytes.fromhex(entropy)) == mnemonic
    assert hd.mnemonic_to_entropy(mnemonic) == bytes.fromhex(entropy)
    assert hd.validate_mnemonic(mnemonic) == mnemonic
    assert hd.mnemonic_to_seed(mnemonic, "TREZOR").hex() == seed


@pytest.mark.parametrize(("mnemonic", "index", "address"), BIP44_VECTORS)
def test_bip44_vectors(mnemonic, index, address):
    derived, key = hd.derive(mnemonic, index)
    assert derived == address
    assert Account.from_key(key).address == address
    assert hd.derivation_path(index) == f"m/44'/60'/0'/0/{index}"


def test_anvil_key_and_addresses_from_one_seed():
    assert hd.derive(ANVIL_MNEMONIC, 0)[1].hex() == ANVIL_KEY_0
    assert hd.derive_addresses(ANVIL_MNEMONIC, range(2)) == [v[2] for v in BIP44_VECTORS[1:]]


def test_passphrase_gives_another_wallet():
    assert hd.derive(ANVIL_MNEMONIC, 0, passphrase="TREZOR")[0] != BIP44_VECTORS[1][2]


@pytest.mark.parametrize("words", [12, 24])
def test_new_mnemonic_is_valid_and_fresh(words):
    phrase = hd.new_mnemonic(words)
    assert len(phrase.split()) == words
    assert hd.validate_mnemonic(phrase) == phrase
    assert hd.new_mnemonic(words) != phrase
    assert len(hd.mnemonic_to_entropy(phrase)) == words * 4 // 3


def test_new_mnemonic_refuses_other_lengths():
    with pytest.raises(InvalidInput, match="12 or 24"):
        hd.new_mnemonic(18)


def test_validate_normalizes_what_users_type():
    typed = "  Test TEST test test\ttest test test test test test test   junk\n"
    assert hd.validate_mnemonic(typed) == ANVIL_MNEMONIC
    assert hd.derive(typed, 0)[0] == BIP44_VECTORS[1][2]


@pytest.mark.parametrize(("phrase", "message"), [
    ("", "enter the recovery phrase"),
    ("test " * 12 + "junk", "has 13"),
    ("test test testt test test test test test test test test junk", "word 3 is not in the BIP-39"),
    ("test test testt test test test test test test test tezt junk", "words 3, 11 are not"),
    ("test test test test test test test test test test junk test", "checksum"),
    ("abandon " * 11 + "abandon", "checksum"),
])
def test_validate_says_what_is_wrong_without_repeating_words(phrase, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        hd.validate_mnemonic(phrase)
    text = str(caught.value)
    assert "testt" not in text and "tezt" not in text and "junk" not in text and "abandon" not in text


@pytest.mark.parametrize("index", [-1, 2**31, True, "1"])
def test_derive_refuses_bad_indexes(index):
    with pytest.raises(InvalidInput, match="index"):
        hd.derive(ANVIL_MNEMONIC, index)


def test_backup_check_positions_are_distinct_sorted_and_in_range():
    positions = hd.backup_check_positions(24, 3, random.Random(7))
    assert positions == sorted(set(positions)) and len(positions) == 3
    assert all(1 <= p <= 24 for p in positions)
    assert hd.backup_check_positions(12, 3, random.Random(7)) == hd.backup_check_positions(12, 3, random.Random(7))
    assert len(hd.backup_check_positions(12)) == 3     # system randomness by default
    with pytest.raises(InvalidInput):
        hd.backup_check_positions(12, 13)
    with pytest.raises(InvalidInput):
        hd.backup_check_positions(11)


def test_check_backup():
    phrase = BIP39_VECTORS[12][1]   # ozone drill grab fiber ...
    assert hd.check_backup(phrase, {1: "ozone", 5: " Curtain ", 12: "picnic"})
    assert not hd.check_backup(phrase, {1: "ozone", 5: "grace"})
    assert not hd.check_backup(phrase, {})
    assert not hd.check_backup(phrase, {13: ""})
    assert not hd.check_backup(phrase, {0: "ozone"})


# --- keystores --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(V3_VECTORS))
def test_web3_secret_storage_vectors_decrypt(name):
    vector = V3_VECTORS[name]
    assert keystore.validate_v3(vector["json"]) is vector["json"]
    assert bytes(Account.decrypt(vector["json"], vector["password"])).hex() == vector["priv"]


@pytest.mark.parametrize("name", list(V3_VECTORS))
def test_import_standard_keystore(name):
    vector = V3_VECTORS[name]
    document = keystore.import_keystore(json.dumps(vector["json"]), vector["password"], new_password="new")
    key = bytes.fromhex(vector["priv"]).rjust(32, b"\0")   # geth reads short keys as numbers
    info = keystore.read_info(document)
    assert (info.kind, info.address) == (keystore.KIND_KEY, Account.from_key(key).address)
    assert keystore.decrypt(document, "new").private_key() == key
    with pytest.raises(WrongPassword):
        keystore.decrypt(document, vector["password"])


def test_import_with_wrong_password():
    vector = V3_VECTORS["31_byte_key"]
    with pytest.raises(WrongPassword, match="^Wrong password.$"):
        keystore.import_keystore(json.dumps(vector["json"]), "bar")


def test_private_key_document_is_a_standard_keystore_inside():
    document = keystore.encrypt_private_key(KEY, "pw")
    doc = json.loads(document)
    assert doc["basketry"] == {"version": 1, "kind": "key", "address": Account.from_key(KEY).address}
    assert bytes(Account.decrypt(doc["keystore"], "pw")) == KEY
    assert doc["keystore"]["crypto"]["kdf"] == "scrypt"
    assert KEY.hex() not in document.lower()
    secret = keystore.decrypt(document, "pw")
    assert secret.private_key() == KEY and KEY.hex() not in repr(secret)
    with pytest.raises(WalletError, match="no HD index"):
        secret.private_key(1)
    with pytest.raises(WalletError, match="no recovery phrase"):
        secret.mnemonic()


@pytest.mark.parametrize("vector", [BIP39_VECTORS[0], BIP39_VECTORS[11], BIP39_VECTORS[13]], ids=["12", "24", "18"])
def test_mnemonic_document_stores_entropy_in_a_standard_keystore(vector):
    entropy, phrase, _ = vector
    document = keystore.encrypt_mnemonic(phrase, "pw", next_index=3)
    doc = json.loads(document)
    words = len(phrase.split())
    assert doc["basketry"] == {"version": 1, "kind": "mnemonic", "words": words, "next_index": 3}
    assert bytes(Account.decrypt(doc["keystore"], "pw")).hex() == entropy
    assert "address" not in doc["keystore"]
    assert phrase not in document and entropy not in document
    secret = keystore.decrypt(document, "pw")
    assert secret.mnemonic() == phrase and phrase not in repr(secret)
    assert secret.private_key(2) == hd.derive(phrase, 2)[1]
    assert secret.private_key(0, passphrase="x") == hd.derive(phrase, 0, "x")[1]
    info = keystore.read_info(keystore.with_next_index(document, 7))
    assert (info.kind, info.words, info.next_index, info.address) == ("mnemonic", words, 7, None)


def test_wrong_password():
    document = keystore.encrypt_mnemonic(ANVIL_MNEMONIC, "right")
    with pytest.raises(WrongPassword, match="^Wrong password.$"):
        keystore.decrypt(document, "wrong")


def test_default_work_factor_is_the_standard_one(monkeypatch):
    monkeypatch.undo()   # the real SCRYPT_N
    assert keystore.SCRYPT_N == 2**18
    document = keystore.encrypt_private_key(KEY, "pw")
    inner = json.loads(document)["keystore"]
    assert inner["crypto"]["kdfparams"]["n"] == 2**18
    assert bytes(Account.decrypt(inner, "pw")) == KEY


def test_export_standard_keystore_of_one_account():
    key_doc = keystore.encrypt_private_key(KEY, "pw")
    exported = json.loads(keystore.export_keystore(key_doc, "pw", export_password="other"))
    assert bytes(Account.decrypt(exported, "other")) == KEY
    assert exported["address"].lower() == Account.from_key(KEY).address[2:].lower()

    hd_doc = keystore.encrypt_mnemonic(ANVIL_MNEMONIC, "pw")
    exported = json.loads(keystore.export_keystore(hd_doc, "pw", index=1))
    assert Account.from_key(Account.decrypt(exported, "pw")).address == BIP44_VECTORS[2][2]
    with pytest.raises(WrongPassword):
        keystore.export_keystore(hd_doc, "nope")


def test_own_document_imports_as_a_backup():
    document = keystore.encrypt_mnemonic(ANVIL_MNEMONIC, "pw", next_index=4)
    restored = keystore.import_keystore(document, "pw", new_password="new")
    assert keystore.decrypt(restored, "new").mnemonic() == ANVIL_MNEMONIC
    assert keystore.read_info(restored).next_index == 4


def _vector(**changes) -> dict:
    ks = json.loads(json.dumps(V3_VECTORS["31_byte_key"]["json"]))
    for path, value in changes.items():
        target = ks
        *parents, last = path.split("__")
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return ks


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"version": 3}), "'crypto' section is missing"),
    (json.dumps(_vector(version=4)), "not a version 3"),
    (json.dumps(_vector(crypto__cipher="aes-128-cbc")), "cipher"),
    (json.dumps(_vector(crypto__kdf="argon2")), "kdf"),
    (json.dumps(_vector(crypto__mac="abcd")), "crypto.mac must be 32 bytes"),
    (json.dumps(_vector(crypto__ciphertext="zz")), "ciphertext must be hex"),
    (json.dumps(_vector(crypto__cipherparams=None)), "cipherparams is missing"),
    (json.dumps(_vector(crypto__kdfparams__n=3)), "power of two"),
    (json.dumps(_vector(crypto__kdfparams__n="2")), "kdfparams.n"),
    (json.dumps(_vector(crypto__kdfparams__n=2**30)), "1 GiB"),
    (json.dumps(_vector(address="nope")), "not an Ethereum address"),
    (json.dumps(_vector(address="0x" + "11" * 20)), "the file is damaged"),
])
def test_import_refuses_garbage_clearly(text, message):
    with pytest.raises(InvalidInput, match=message):
        keystore.import_keystore(text, "foo")


def test_capitalised_crypto_key_is_accepted():
    ks = V3_VECTORS["31_byte_key"]["json"]
    mew_style = {"Crypto" if k == "crypto" else k: v for k, v in ks.items()}
    document = keystore.import_keystore(json.dumps(mew_style), "foo")
    assert keystore.read_info(document).kind == "key"


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["basketry"].update(version=2), "newer Basketry"),
    (lambda d: d["basketry"].update(kind="seed"), "unknown kind"),
    (lambda d: d["basketry"].update(words=13), "not a recovery phrase length"),
    (lambda d: d.pop("keystore"), "not a Basketry keystore"),
])
def test_document_structure_is_checked(mutate, message):
    doc = json.loads(keystore.encrypt_mnemonic(ANVIL_MNEMONIC, "pw"))
    mutate(doc)
    with pytest.raises(InvalidInput, match=message):
        keystore.read_info(json.dumps(doc))


def test_key_document_with_a_swapped_address_is_refused():
    doc = json.loads(keystore.encrypt_private_key(KEY, "pw"))
    doc["basketry"]["address"] = BIP44_VECTORS[1][2]
    with pytest.raises(WalletError, match="damaged"):
        keystore.decrypt(json.dumps(doc), "pw")


def test_invalid_private_keys_are_refused_without_echo():
    for bad in (b"\0" * 32, b"\xff" * 32, b"\x01" * 31):
        with pytest.raises(InvalidInput) as caught:
            keystore.encrypt_private_key(bad, "pw")
        assert bad.hex() not in str(caught.value)

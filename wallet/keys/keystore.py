"""Password-encrypted secrets: the eth-account v3 keystore (Web3 Secret Storage), pure.

What the keyring holds is a Basketry document, a standard v3 keystore plus public facts::

    {"basketry": {"version": 1, "kind": "key", "address": "0x..."},
     "keystore": {...standard v3...}}
    {"basketry": {"version": 1, "kind": "mnemonic", "words": 12, "next_index": 1},
     "keystore": {...standard v3 whose secret is the BIP-39 entropy...}}

The inner keystore is always standard: ``Account.decrypt(doc["keystore"], password)`` gives
the 32-byte private key or the 16-32 bytes of BIP-39 entropy. A private key is encrypted by
``Account.encrypt`` itself (scrypt); entropy, which is not a private key, by the same
algorithm here (scrypt, aes-128-ctr, keccak MAC; no "address" field since it has none).

Messages never contain a secret; ``Secret`` hides its bytes from repr.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from Crypto.Cipher import AES
from eth_account import Account
from eth_utils import is_hex_address, keccak, to_checksum_address

from app.errors import InvalidInput
from wallet.errors import WalletError, WrongPassword
from wallet.keys import hd

FORMAT_VERSION = 1
KIND_KEY = "key"
KIND_MNEMONIC = "mnemonic"
SCRYPT_N = 2**18          # eth-account's and geth's standard work factor (~0.7 s here)
SCRYPT_R, SCRYPT_P, DKLEN = 8, 1, 32
MAX_SCRYPT_MEMORY = 2**30                 # what an imported file may make us allocate
MAX_PBKDF2_ROUNDS = 10_000_000
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@dataclass(frozen=True)
class KeystoreInfo:
    """The public part of a document (readable without the password)."""

    kind: str                   # KIND_KEY or KIND_MNEMONIC
    address: str | None         # the key's address (KIND_KEY only)
    words: int | None           # phrase length (KIND_MNEMONIC only)
    next_index: int             # the next HD index to offer (KIND_MNEMONIC; 0 for a key)


@dataclass(frozen=True)
class Secret:
    """A decrypted secret. Hold it only while needed; its repr never shows the bytes."""

    kind: str
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Secret(kind={self.kind!r}, <hidden>)"

    def private_key(self, index: int = 0, passphrase: str = "") -> bytes:
        """The key itself, or the key of HD account ``index`` (BIP-39 ``passphrase``)."""
        if self.kind == KIND_KEY:
            if index != 0:
                raise WalletError("this account is a single imported key: it has no HD index "
                                  f"{index}")
            return self.data
        return hd.derive(hd.entropy_to_mnemonic(self.data), index, passphrase)[1]

    def mnemonic(self) -> str:
        if self.kind != KIND_MNEMONIC:
            raise WalletError("this account was imported as a private key: it has no recovery phrase")
        return hd.entropy_to_mnemonic(self.data)


# --- create ---------------------------------------------------------------------------------
def encrypt_private_key(private_key: bytes, password: str, *, scrypt_n: int | None = None) -> str:
    """A document holding one private key (``Account.encrypt``, scrypt)."""
    key = _checked_private_key(private_key)
    inner = Account.encrypt(key, password, kdf="scrypt", iterations=scrypt_n or SCRYPT_N)
    info = {"kind": KIND_KEY, "address": Account.from_key(key).address}
    return _document(info, inner)


def encrypt_mnemonic(mnemonic: str, password: str, *, next_index: int = 1,
                     scrypt_n: int | None = None) -> str:
    """A document holding a recovery phrase's BIP-39 entropy (16 to 32 bytes)."""
    entropy = hd.mnemonic_to_entropy(mnemonic)
    inner = _encrypt_v3(entropy, password, scrypt_n or SCRYPT_N)
    info = {"kind": KIND_MNEMONIC, "words": len(entropy) * 3 // 4, "next_index": int(next_index)}
    return _document(info, inner)


def with_next_index(document: str, next_index: int) -> str:
    """The same document with its public ``next_index`` moved (no password needed)."""
    doc = _parse_document(document)
    if doc["basketry"]["kind"] != KIND_MNEMONIC:
        raise WalletError("only a recovery-phrase account has HD indexes")
    doc["basketry"]["next_index"] = int(next_index)
    return json.dumps(doc, separators=(",", ":"))


# --- read -----------------------------------------------------------------------------------
def read_info(document: str) -> KeystoreInfo:
    """The public facts of a document; InvalidInput if it is not a valid one."""
    info = _parse_document(document)["basketry"]
    return KeystoreInfo(kind=info["kind"], address=info.get("address"), words=info.get("words"),
                        next_index=int(info.get("next_index", 0)))


def decrypt(document: str, password: str) -> Secret:
    """The secret; WrongPassword if the password does not open it."""
    doc = _parse_document(document)
    kind = doc["basketry"]["kind"]
    data = _decrypt_v3(doc["keystore"], password)
    if kind == KIND_KEY:
        key = _checked_private_key(data)
        if Account.from_key(key).address != doc["basketry"]["address"]:
            raise WalletError("this keystore is damaged: its key does not match its address")
        return Secret(KIND_KEY, key)
    hd.entropy_to_mnemonic(data)  # length check
    return Secret(KIND_MNEMONIC, data)


# --- import / export of standard v3 files ---------------------------------------------------
def validate_v3(keystore: Any) -> dict[str, Any]:
    """``keystore`` (parsed JSON) if it is a v3 keystore this app can open, else InvalidInput
    naming the first problem. Keys are matched case-insensitively ("Crypto" as MyEtherWallet)."""
    if not isinstance(keystore, dict):
        raise InvalidInput("not a keystore file: expected a JSON object")
    ks = _lower_keys(keystore)
    if ks.get("version") != 3:
        raise InvalidInput(f"not a version 3 keystore file (version: {ks.get('version')!r})")
    crypto = ks.get("crypto")
    if not isinstance(crypto, dict):
        raise InvalidInput("not a keystore file: the 'crypto' section is missing")
    if crypto.get("cipher") != "aes-128-ctr":
        raise InvalidInput(f"unsupported keystore cipher {crypto.get('cipher')!r} (expected aes-128-ctr)")
    _hex_field(crypto, "ciphertext", None, "crypto.ciphertext")
    _hex_field(crypto, "mac", 32, "crypto.mac")
    params = crypto.get("cipherparams")
    if not isinstance(params, dict):
        raise InvalidInput("not a keystore file: crypto.cipherparams is missing")
    _hex_field(params, "iv", 16, "crypto.cipherparams.iv")
    kdf, kdfparams = crypto.get("kdf"), crypto.get("kdfparams")
    if not isinstance(kdfparams, dict):
        raise InvalidInput("not a keystore file: crypto.kdfparams is missing")
    _hex_field(kdfparams, "salt", None, "crypto.kdfparams.salt")
    if kdf == "scrypt":
        names = ("n", "r", "p", "dklen")
    elif kdf == "pbkdf2":
        names = ("c", "dklen")
        if kdfparams.get("prf") != "hmac-sha256":
            raise InvalidInput(f"unsupported pbkdf2 prf {kdfparams.get('prf')!r} (expected hmac-sha256)")
    else:
        raise InvalidInput(f"unsupported keystore kdf {kdf!r} (expected scrypt or pbkdf2)")
    for name in names:
        value = kdfparams.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidInput(f"keystore crypto.kdfparams.{name} must be a positive whole number")
    if kdfparams["dklen"] < 32:
        raise InvalidInput("keystore crypto.kdfparams.dklen must be at least 32")
    if kdf == "scrypt" and kdfparams["n"] & (kdfparams["n"] - 1):
        raise InvalidInput("keystore crypto.kdfparams.n must be a power of two")
    if kdf == "scrypt" and (128 * kdfparams["n"] * kdfparams["r"] > MAX_SCRYPT_MEMORY
                            or kdfparams["p"] > 64):
        raise InvalidInput("this keystore's scrypt parameters need more than 1 GiB of memory "
                           "or time: refusing to open it")
    if kdf == "pbkdf2" and kdfparams["c"] > MAX_PBKDF2_ROUNDS:
        raise InvalidInput(f"this keystore asks for {kdfparams['c']:,} pbkdf2 rounds: refusing to open it")
    address = ks.get("address")
    if address is not None and not (isinstance(address, str) and is_hex_address(_0x(address))):
        raise InvalidInput("keystore 'address' is not an Ethereum address")
    return keystore


def import_keystore(text: str, password: str, *, new_password: str | None = None,
                    scrypt_n: int | None = None) -> str:
    """A Basketry document from a standard v3 keystore file (scrypt or pbkdf2), re-encrypted
    with scrypt under ``new_password`` (default: the file's password). A Basketry document
    (a backup of this app's own) is accepted too. InvalidInput on garbage, WrongPassword."""
    parsed = _load_json(text, "keystore file")
    if isinstance(parsed, dict) and "basketry" in parsed:
        secret = decrypt(text, password)
        target = password if new_password is None else new_password
        if secret.kind == KIND_KEY:
            return encrypt_private_key(secret.data, target, scrypt_n=scrypt_n)
        return encrypt_mnemonic(secret.mnemonic(), target, next_index=read_info(text).next_index,
                                scrypt_n=scrypt_n)
    keystore = validate_v3(parsed)
    key = _checked_private_key(_decrypt_v3(keystore, password).rjust(32, b"\0"))
    address = Account.from_key(key).address
    claimed = _lower_keys(keystore).get("address")
    if claimed is not None and to_checksum_address(_0x(claimed)) != address:
        raise InvalidInput(f"this keystore says it holds {to_checksum_address(_0x(claimed))} but its key "
                           f"is for {address}: the file is damaged")
    return encrypt_private_key(key, password if new_password is None else new_password,
                               scrypt_n=scrypt_n)


def export_keystore(document: str, password: str, *, index: int = 0, passphrase: str = "",
                    export_password: str | None = None, scrypt_n: int | None = None) -> str:
    """A standard v3 keystore (JSON text, for geth, MetaMask, ...) of one account's key:
    the key itself, or HD account ``index`` of a phrase. Encrypted under ``export_password``
    (default: the same password)."""
    secret = decrypt(document, password)
    key = secret.private_key(index, passphrase)
    target = password if export_password is None else export_password
    return json.dumps(Account.encrypt(key, target, kdf="scrypt", iterations=scrypt_n or SCRYPT_N))


# --- internals ------------------------------------------------------------------------------
def _document(info: dict[str, Any], inner: dict[str, Any]) -> str:
    return json.dumps({"basketry": {"version": FORMAT_VERSION, **info}, "keystore": inner},
                      separators=(",", ":"))


def _parse_document(document: str) -> dict[str, Any]:
    doc = _load_json(document, "Basketry keystore")
    if not isinstance(doc, dict) or not isinstance(doc.get("basketry"), dict) or "keystore" not in doc:
        raise InvalidInput("not a Basketry keystore (expected {\"basketry\": ..., \"keystore\": ...})")
    info = doc["basketry"]
    version = info.get("version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise InvalidInput(f"this keystore was written by a newer Basketry (format {version}); "
                           "update the app to open it")
    if version != FORMAT_VERSION:
        raise InvalidInput(f"unknown Basketry keystore format {version!r}")
    validate_v3(doc["keystore"])
    if info.get("kind") == KIND_KEY:
        address = info.get("address")
        if not isinstance(address, str) or not is_hex_address(address):
            raise InvalidInput("Basketry keystore: a key document needs its address")
        info["address"] = to_checksum_address(address)
    elif info.get("kind") == KIND_MNEMONIC:
        words, next_index = info.get("words"), info.get("next_index", 0)
        if words not in hd.WORD_COUNTS:
            raise InvalidInput(f"Basketry keystore: {words!r} is not a recovery phrase length")
        if isinstance(next_index, bool) or not isinstance(next_index, int) or next_index < 0:
            raise InvalidInput("Basketry keystore: next_index must be a whole number >= 0")
    else:
        raise InvalidInput(f"Basketry keystore: unknown kind {info.get('kind')!r}")
    return doc


def _load_json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        raise InvalidInput(f"not a {what}: the text is not JSON") from None


def _decrypt_v3(keystore: dict[str, Any], password: str) -> bytes:
    try:
        return bytes(Account.decrypt(keystore, password))
    except ValueError as exc:  # eth-keyfile: "MAC mismatch"
        if "mac" in str(exc).lower():
            raise WrongPassword("Wrong password.") from None
        raise InvalidInput(f"this keystore cannot be decrypted: {exc}") from None


def _encrypt_v3(secret: bytes, password: str, scrypt_n: int) -> dict[str, Any]:
    """Web3 Secret Storage v3 (scrypt, aes-128-ctr) of any secret, as eth-keyfile writes it."""
    salt, iv = secrets.token_bytes(16), secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=scrypt_n, r=SCRYPT_R, p=SCRYPT_P,
                             maxmem=256 * SCRYPT_R * scrypt_n + 2**20, dklen=DKLEN)
    cipher = AES.new(derived[:16], AES.MODE_CTR, nonce=b"", initial_value=iv)
    ciphertext = cipher.encrypt(secret)
    return {
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": {"iv": iv.hex()},
            "ciphertext": ciphertext.hex(),
            "kdf": "scrypt",
            "kdfparams": {"dklen": DKLEN, "n": scrypt_n, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()},
            "mac": keccak(derived[16:32] + ciphertext).hex(),
        },
        "id": str(uuid.uuid4()),
        "version": 3,
    }


def _checked_private_key(key: bytes) -> bytes:
    key = bytes(key)
    if len(key) != 32 or not 0 < int.from_bytes(key, "big") < SECP256K1_N:
        raise InvalidInput("not a valid secp256k1 private key (32 bytes, 1 to n-1)")
    return key


def _hex_field(section: dict[str, Any], name: str, size: int | None, label: str) -> None:
    value = section.get(name)
    try:
        raw = bytes.fromhex(_0x(value)[2:]) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or not raw or (size is not None and len(raw) != size):
        length = f"{size} bytes of " if size else ""
        raise InvalidInput(f"keystore {label} must be {length}hex")


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k.lower() if isinstance(k, str) else k: _lower_keys(v) for k, v in value.items()}
    return value


def _0x(text: str) -> str:
    return text if text.startswith(("0x", "0X")) else "0x" + text

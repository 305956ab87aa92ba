"""BIP-39 recovery phrases and BIP-44 derivation (m/44'/60'/0'/0/i), pure.

Built on eth-account's ``hdaccount`` module (the code behind ``Account.create_with_mnemonic``
and ``Account.from_mnemonic``), called directly so that nothing flips eth-account's
process-wide ``enable_unaudited_hdwallet_features`` switch. English word list only: the
phrase is stored as its entropy and shown again in English.

No function here puts a phrase, a word of it, a seed or a key in an exception message.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import unicodedata

from eth_account import Account
from eth_account.hdaccount import Mnemonic, key_from_seed
from eth_account.types import Language

from app.errors import InvalidInput

WORD_COUNTS = (12, 15, 18, 21, 24)     # what BIP-39 allows (import)
NEW_WORD_COUNTS = (12, 24)             # what ``new_mnemonic`` offers
PATH_PREFIX = "m/44'/60'/0'/0"
MAX_INDEX = 2**31 - 1                  # a non-hardened BIP-32 child index

_ENGLISH = Mnemonic(Language.ENGLISH)
_INDEX = {word: i for i, word in enumerate(_ENGLISH.wordlist)}


def derivation_path(index: int) -> str:
    """The BIP-44 path of account ``index``: m/44'/60'/0'/0/index."""
    _check_index(index)
    return f"{PATH_PREFIX}/{index}"


def new_mnemonic(words: int = 12) -> str:
    """A fresh English recovery phrase of 12 or 24 words (entropy from os.urandom)."""
    if words not in NEW_WORD_COUNTS:
        raise InvalidInput(f"a new recovery phrase has 12 or 24 words, not {words}")
    return _ENGLISH.generate(words)


def normalize_mnemonic(mnemonic: str) -> str:
    """NFKD, lower case, single spaces: how the user may type it vs how BIP-39 hashes it."""
    return " ".join(unicodedata.normalize("NFKD", mnemonic).lower().split())


def validate_mnemonic(mnemonic: str) -> str:
    """The normalized phrase, or InvalidInput saying what is wrong (never which words)."""
    words = normalize_mnemonic(mnemonic).split()
    if not words:
        raise InvalidInput("enter the recovery phrase (12 or 24 words)")
    if len(words) not in WORD_COUNTS:
        raise InvalidInput(f"a recovery phrase has 12, 15, 18, 21 or 24 words; this one has {len(words)}")
    unknown = [str(position) for position, word in enumerate(words, 1) if word not in _INDEX]
    if unknown:
        which = f"word {unknown[0]} is" if len(unknown) == 1 else f"words {', '.join(unknown)} are"
        raise InvalidInput(f"{which} not in the BIP-39 English word list: check the spelling")
    entropy, checksum = _split_bits(words)
    if checksum != _checksum_bits(entropy, len(words)):
        raise InvalidInput("the recovery phrase's checksum does not match: a word is wrong "
                           "or two words are swapped")
    return " ".join(words)


def mnemonic_to_entropy(mnemonic: str) -> bytes:
    """The 16 to 32 bytes of entropy a valid phrase encodes (what the keystore stores)."""
    entropy, _ = _split_bits(validate_mnemonic(mnemonic).split())
    return entropy


def entropy_to_mnemonic(entropy: bytes) -> str:
    if len(entropy) not in (16, 20, 24, 28, 32):
        raise InvalidInput(f"BIP-39 entropy is 16 to 32 bytes in steps of 4, not {len(entropy)}")
    return _ENGLISH.to_mnemonic(bytes(entropy))


def mnemonic_to_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP-39 seed (PBKDF2-HMAC-SHA512, 2048 rounds; passphrase NFKD)."""
    return Mnemonic.to_seed(validate_mnemonic(mnemonic), passphrase)


def derive_from_seed(seed: bytes, index: int) -> tuple[str, bytes]:
    """(checksummed address, 32-byte private key) at m/44'/60'/0'/0/index."""
    key = key_from_seed(seed, derivation_path(index))
    return Account.from_key(key).address, key


def derive(mnemonic: str, index: int = 0, passphrase: str = "") -> tuple[str, bytes]:
    """(checksummed address, 32-byte private key) of account ``index`` of a phrase."""
    _check_index(index)
    return derive_from_seed(mnemonic_to_seed(mnemonic, passphrase), index)


def derive_addresses(mnemonic: str, indexes: range | list[int], passphrase: str = "") -> list[str]:
    """Addresses only (for an "add account" list): the seed is computed once."""
    seed = mnemonic_to_seed(mnemonic, passphrase)
    return [derive_from_seed(seed, i)[0] for i in indexes]


def backup_check_positions(n_words: int, k: int = 3, rng: random.Random | None = None) -> list[int]:
    """``k`` distinct 1-based word positions, ascending, the user re-enters to prove the backup."""
    if n_words not in WORD_COUNTS:
        raise InvalidInput(f"a recovery phrase has 12, 15, 18, 21 or 24 words, not {n_words}")
    if not 1 <= k <= n_words:
        raise InvalidInput(f"ask for 1 to {n_words} words, not {k}")
    rng = rng or secrets.SystemRandom()
    return sorted(rng.sample(range(1, n_words + 1), k))


def check_backup(mnemonic: str, answers: dict[int, str]) -> bool:
    """True when every answered 1-based position holds the right word (and there is one)."""
    words = normalize_mnemonic(mnemonic).split()
    if not answers:
        return False
    ok = True
    for position, answer in answers.items():
        expected = words[position - 1] if 1 <= position <= len(words) else ""
        # compare every answer, constant time, so the check does not leak which one failed
        ok &= secrets.compare_digest(normalize_mnemonic(answer).encode(), expected.encode()) and bool(expected)
    return ok


def _check_index(index: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= MAX_INDEX:
        raise InvalidInput(f"an account index is a whole number from 0 to {MAX_INDEX}")


def _split_bits(words: list[str]) -> tuple[bytes, int]:
    """(entropy, checksum bits as an int) of known words of a valid length."""
    bits = 0
    for word in words:
        bits = (bits << 11) | _INDEX[word]
    checksum_len = len(words) // 3          # 1 checksum bit per 32 bits of entropy
    entropy_len = len(words) * 11 - checksum_len
    entropy = (bits >> checksum_len).to_bytes(entropy_len // 8, "big")
    return entropy, bits & ((1 << checksum_len) - 1)


def _checksum_bits(entropy: bytes, n_words: int) -> int:
    checksum_len = n_words // 3
    return hashlib.sha256(entropy).digest()[0] >> (8 - checksum_len)

"""The accounts the app knows, in SQLite (public data only: address, label, kind, path,
which keyring item holds the encrypted secret, which device). No secret is ever stored here."""

from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.errors import InvalidInput
from app.inputs import parse_address

if TYPE_CHECKING:  # the CLI's parser reads app.wallets' defaults without opening SQLite
    from app.store import Store

log = logging.getLogger(__name__)
KINDS = ("local", "watch", "ledger", "trezor")
ACTIVE_SETTING = "active_account"


@dataclass(frozen=True)
class AccountRecord:
    id: int
    label: str
    address: str
    kind: str
    derivation_path: str | None
    keyring_item: str | None
    hd_index: int | None
    device: str | None
    created_at: int

    @property
    def can_sign(self) -> bool:
        return self.kind != "watch"


class AccountRegistry:
    def __init__(self, store: Store):
        self.store = store

    def add(self, label: str, address: str, kind: str, *, derivation_path: str | None = None,
            keyring_item: str | None = None, hd_index: int | None = None,
            device: str | None = None, make_active: bool = True) -> AccountRecord:
        label = validate_label(label)
        if kind not in KINDS:
            raise InvalidInput(f"unknown account kind {kind!r}")
        address = parse_address(address)
        with self.store.lock, self.store.db.conn:
            self.ensure_label_free(label)
            self.store.db.execute(
                "INSERT INTO accounts (address, label, kind, derivation_path, keyring_item, created_at,"
                " device, hd_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [address, label, kind, derivation_path, keyring_item, int(time.time()), device, hd_index])
        log.info("added %s account %r: %s", kind, label, address)
        if make_active:
            self.set_active(label)
        return self.get(label)

    def ensure_label_free(self, label: str) -> None:
        if self._find(validate_label(label)) is not None:
            raise InvalidInput(f"an account called {label.strip()!r} exists already; choose another name")

    def all(self) -> list[AccountRecord]:
        return [self._record(r) for r in self.store.db.execute(f"{_SELECT} ORDER BY id").fetchall()]

    def get(self, label: str) -> AccountRecord:
        record = self._find(label)
        if record is None:
            known = ", ".join(a.label for a in self.all()) or "none yet"
            raise InvalidInput(f"no account called {label!r} (accounts: {known})")
        return record

    def by_address(self, address: str) -> list[AccountRecord]:
        rows = self.store.db.execute(f"{_SELECT} WHERE lower(address) = lower(?)", [address]).fetchall()
        return [self._record(r) for r in rows]

    def active(self) -> AccountRecord:
        label = self.store.get_setting(ACTIVE_SETTING)
        if label is None or self._find(label) is None:
            raise InvalidInput("no active account: create one with `basketry wallet create NAME`, "
                               "or `wallet demo` on the demo network")
        return self.get(label)

    def set_active(self, label: str) -> AccountRecord:
        record = self.get(label)
        self.store.set_setting(ACTIVE_SETTING, record.label)
        return record

    def hd_siblings(self, keyring_item: str) -> list[AccountRecord]:
        rows = self.store.db.execute(f"{_SELECT} WHERE keyring_item = ? ORDER BY hd_index",
                                     [keyring_item]).fetchall()
        return [self._record(r) for r in rows]

    def _find(self, label: str) -> AccountRecord | None:
        row = self.store.db.execute(f"{_SELECT} WHERE label = ?", [label.strip()]).fetchone()
        return self._record(row) if row else None

    @staticmethod
    def _record(row) -> AccountRecord:
        return AccountRecord(*row)


_SELECT = ("SELECT id, label, address, kind, derivation_path, keyring_item, hd_index, device, created_at"
           " FROM accounts")


def validate_label(label: str) -> str:
    """A name people read in lists and dialogs: any script, but no invisible or control
    characters (a right-to-left override or a zero-width space makes two names look alike)."""
    cleaned = label.strip()
    if not cleaned or len(cleaned) > 64 or any(c in cleaned for c in "\n\r\t"):
        raise InvalidInput("an account name must be 1 to 64 characters on one line")
    hidden = next((c for c in cleaned if unicodedata.category(c) in _HIDDEN_CATEGORIES), None)
    if hidden is not None:
        raise InvalidInput(f"an account name cannot contain U+{ord(hidden):04X} "
                           f"{unicodedata.name(hidden, '(an invisible or control character)')}")
    return cleaned


_HIDDEN_CATEGORIES = {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"}


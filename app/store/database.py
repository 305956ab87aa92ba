"""The Store: Basketry's SQLite file in the data directory, used by one app instance at a time.

``Store.open(home)`` locks the data directory, opens ``home/basketry.db`` (WAL mode, foreign
keys on) and brings its schema up to date (see ``app.store.migrations``). The lock is held
only while the Store is open, so short CLI commands work whenever no GUI has it open.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlite_utils

from app.errors import StoreError
from app.store import migrations
from app.store.lock import InstanceLock

DB_NAME = "basketry.db"
BACKUP_DIR = "backups"
BUSY_TIMEOUT_MS = 5000


class Store:
    """An open, locked, up-to-date database. Use :meth:`open`; close it (or use ``with``)."""

    def __init__(
        self, home: Path, db: sqlite_utils.Database, lock: InstanceLock, backup: Path | None
    ):
        self.home = home
        self.path = home / DB_NAME
        self.db = db
        #: The copy made before this open upgraded the schema; None if nothing was upgraded.
        self.backup = backup
        self._lock = lock
        #: Hold while a unit of work must not interleave with another thread's (journal writes).
        self.lock = threading.RLock()

    @classmethod
    def open(cls, home: Path) -> Store:
        """Lock ``home``, open its database and migrate it to the latest schema.

        Raises ``InstanceLocked`` if another Store (any process) has ``home`` open, and
        ``StoreError`` if the directory or file cannot be used, the file is not a database,
        it was written by a newer Basketry, or an upgrade step failed (the file is restored).
        Nothing stays locked or open when it raises.
        """
        home = Path(home)
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot use {home} as a data directory: {exc.strerror}.") from exc
        lock = InstanceLock.acquire(home)
        db: sqlite_utils.Database | None = None
        try:
            db = _connect(home / DB_NAME)
            backup = migrations.upgrade(db, home / DB_NAME, home / BACKUP_DIR)
        except BaseException:
            if db is not None:
                db.close()
            lock.release()
            raise
        return cls(home, db, lock, backup)

    def close(self) -> None:
        """Close the database, then release the lock. Safe to call twice."""
        if self._lock.held:
            try:
                self.db.close()
            finally:
                self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return migrations.schema_version(self.db)

    # --- networks ------------------------------------------------------------------------
    def record_network(
        self, chain_id: int, genesis_hash: str, name: str, *, now: int | None = None
    ) -> None:
        """Remember that ``name`` served this chain: first_seen is kept, last_seen and the
        name are updated."""
        seen = int(time.time()) if now is None else now
        self.db.execute(
            "INSERT INTO networks (chain_id, genesis_hash, name, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (chain_id, genesis_hash)"
            " DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen",
            [chain_id, genesis_hash, name, seen, seen],
        )

    def known_genesis(self, chain_id: int, name: str) -> str | None:
        """The genesis hash last recorded for the network ``name`` with ``chain_id``, if any.

        A different genesis from the RPC now means the chain was reset or is another chain.
        """
        row = self.db.execute(
            "SELECT genesis_hash FROM networks WHERE chain_id = ? AND name = ?"
            " ORDER BY last_seen DESC, first_seen DESC LIMIT 1",
            [chain_id, name],
        ).fetchone()
        return row[0] if row else None

    # --- settings ------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        """The JSON-decoded value of ``key``, or ``default`` if it was never set."""
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        """Store ``value`` as JSON. Raises TypeError if it is not JSON-serialisable (store a
        Decimal as its string)."""
        with self.lock:
            self.db.table("settings").upsert({"key": key, "value": json.dumps(value)}, pk="key")


def _connect(path: Path) -> sqlite_utils.Database:
    """Open ``path`` with the pragmas the app relies on. Raises ``StoreError``."""
    try:
        # One connection shared by the GUI thread and its workers; Store.lock serialises
        # whole read-modify-write units (sqlite3 itself serialises single calls).
        db = sqlite_utils.Database(sqlite3.connect(str(path), check_same_thread=False))
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open {path}: {exc}.") from exc
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        db.enable_wal()
        if db.journal_mode != "wal":
            raise StoreError(
                f"{path} cannot use SQLite's WAL mode (is it on a network drive?). "
                "Use --home for a data directory on a local disk."
            )
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path} is not a Basketry database ({exc}).") from exc
    except BaseException:
        db.close()
        raise
    return db

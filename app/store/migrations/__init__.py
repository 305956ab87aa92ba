"""Schema migrations: ordered steps, one module each, tracked in ``PRAGMA user_version``.

A step is a module ``mNNNN_<what>.py`` in this package with
``def upgrade(db: sqlite_utils.Database) -> None``. Steps are numbered 1, 2, 3... without
gaps; step N takes the schema from version N-1 to N. A released step is never edited: a
change to the schema is a new step.

:func:`upgrade` backs the file up before running anything on an existing database, runs each
pending step in its own transaction together with the ``user_version`` bump, and restores the
backup if a step fails, so the file is either fully upgraded or exactly as it was.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from app.errors import StoreError

_STEP_MODULE = re.compile(r"^m(\d{4})_\w+$")


@dataclass(frozen=True)
class Step:
    """One migration step: ``upgrade`` takes the schema from ``version - 1`` to ``version``."""

    version: int
    name: str
    upgrade: Callable[[sqlite_utils.Database], None]


def _discover() -> list[Step]:
    """The step modules of this package, in order. Raises RuntimeError on gaps or duplicates."""
    steps = []
    for info in pkgutil.iter_modules(__path__):
        match = _STEP_MODULE.match(info.name)
        if match:
            module = importlib.import_module(f"{__name__}.{info.name}")
            steps.append(Step(int(match.group(1)), info.name, module.upgrade))
    steps.sort(key=lambda step: step.version)
    if [step.version for step in steps] != list(range(1, len(steps) + 1)):
        names = ", ".join(step.name for step in steps)
        raise RuntimeError(f"Migration steps must be numbered 1..N without gaps: {names}")
    return steps


STEPS: list[Step] = _discover()


def latest_version() -> int:
    """The schema version this app writes."""
    return STEPS[-1].version if STEPS else 0


def schema_version(db: sqlite_utils.Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def upgrade(db: sqlite_utils.Database, db_path: Path, backup_dir: Path) -> Path | None:
    """Bring ``db`` (the file ``db_path``) to :func:`latest_version`.

    Returns the backup made before upgrading, or None when nothing was pending or the
    database was empty (a fresh file needs no backup).

    Raises ``StoreError`` if the database is newer than this app, if the backup cannot be
    written (nothing was changed then), or if a step fails (the file is restored first; the
    message names the step and where the backup is).
    """
    current = schema_version(db)
    latest = latest_version()
    if current > latest:
        raise StoreError(
            f"This data directory was written by a newer Basketry (schema {current}; "
            f"this app knows up to {latest})."
        )
    pending = [step for step in STEPS if step.version > current]
    if not pending:
        return None
    backup = _backup(db, db_path, backup_dir, current) if _has_schema(db) else None
    for step in pending:
        try:
            with db.atomic():
                step.upgrade(db)
                _check_foreign_keys(db)
                db.execute(f"PRAGMA user_version = {int(step.version)}")
        except Exception as exc:
            raise _failed(db, step, exc, backup) from exc
    return backup


def _has_schema(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


def _check_foreign_keys(db: sqlite_utils.Database) -> None:
    """A step must leave no dangling reference (a table rebuild can create them silently)."""
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise StoreError(f"{len(broken)} broken foreign key(s) in {', '.join(tables)}")


def _backup(db: sqlite_utils.Database, db_path: Path, backup_dir: Path, version: int) -> Path:
    """Copy the live database with SQLite's backup API (consistent, WAL included).

    The copy is a single file (rollback journal, not WAL), written to a ``.partial`` name
    first so that a crash never leaves a truncated ``.bak``.
    Raises ``StoreError`` if the copy fails.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"{db_path.name}.v{version}-{stamp}.bak"
    counter = 1
    while target.exists():
        target = backup_dir / f"{db_path.name}.v{version}-{stamp}-{counter}.bak"
        counter += 1
    partial = target.with_name(target.name + ".partial")
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(partial)) as copy:
            db.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise StoreError(
            f"Cannot back up {db_path} to {backup_dir} before upgrading it ({exc}); "
            "nothing was changed."
        ) from exc
    return target


def _failed(
    db: sqlite_utils.Database, step: Step, exc: Exception, backup: Path | None
) -> StoreError:
    """Restore ``backup`` into the live database and say what happened."""
    what = f"Upgrading the database to schema {step.version} failed in step {step.name}: {exc}."
    if backup is None:
        # A fresh file: earlier steps are committed, the failed one rolled back.
        return StoreError(what)
    try:
        with contextlib.closing(sqlite3.connect(backup)) as source:
            source.backup(db.conn)
    except sqlite3.Error as restore_exc:
        return StoreError(
            f"{what} Restoring the backup also failed ({restore_exc}); "
            f"copy {backup} over the database by hand."
        )
    return StoreError(f"{what} The database was restored from {backup}.")

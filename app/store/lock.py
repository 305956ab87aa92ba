"""One app instance per data directory: an exclusive OS lock on ``<home>/basketry.lock``.

The lock is ``flock(2)`` on an open file, so the kernel drops it when the process dies (no
stale lock files to clean up after a crash) and it is not inherited by child processes
(``os.open`` makes non-inheritable descriptors), so a devnet node started by the app does not
keep the data directory locked after the app has quit. POSIX only (``fcntl``).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from app.errors import InstanceLocked, StoreError

LOCK_NAME = "basketry.lock"


class InstanceLock:
    """An exclusive, non-blocking lock on a data directory, held until :meth:`release`."""

    def __init__(self, path: Path, fd: int):
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, home: Path) -> InstanceLock:
        """Lock ``home`` for this process and write our pid into the lock file.

        Raises ``InstanceLocked`` if another process (or another open Store in this
        process) holds the lock, ``StoreError`` if the lock file cannot be created or locked.
        """
        path = home / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"Cannot create the lock file {path}: {exc.strerror}.") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f" (pid {holder})" if holder is not None else ""
            raise InstanceLocked(
                f"Another Basketry is already using {home}{who}. Close it first, "
                "or use --home for another data directory."
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"Cannot lock {path}: {exc.strerror}.") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Unlock and close. Safe to call twice. The file itself stays (deleting it would race)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    """The pid the holder wrote, or None if it has not written it yet (or wrote garbage)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None

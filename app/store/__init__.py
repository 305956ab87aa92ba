"""Basketry's SQLite store: one locked, migrated database file per data directory."""

from app.store.database import Store
from app.store.migrations import latest_version

__all__ = ["Store", "latest_version"]

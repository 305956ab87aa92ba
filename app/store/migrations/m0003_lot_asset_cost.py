"""Schema 3: a lot's cost in the units of what was paid (``cost_asset``, base units), so a
vault position's yield is measured in its own asset (USDC in, USDC out), not only in USD."""

from __future__ import annotations

import sqlite_utils


def upgrade(db: sqlite_utils.Database) -> None:
    db.execute("ALTER TABLE lots ADD COLUMN cost_asset TEXT")

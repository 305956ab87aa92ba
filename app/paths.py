"""Where Basketry keeps its files. One data directory holds everything of one user."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "BASKETRY_HOME"
CACHE_ENV = "BASKETRY_CACHE"


def data_home(explicit: str | os.PathLike | None = None) -> Path:
    """The data directory: ``--home`` beats ``$BASKETRY_HOME`` beats the platform default."""
    chosen = explicit or os.environ.get(HOME_ENV) or platformdirs.user_data_dir("basketry", False)
    path = Path(chosen).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_home() -> Path:
    """Shared, re-creatable downloads (npm packages, compiled contracts).

    Not per data directory: many homes (tests, users) share one install of the chain tools.
    ``$BASKETRY_CACHE`` overrides the platform cache directory.
    """
    chosen = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("basketry", False)
    path = Path(chosen).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "resources"

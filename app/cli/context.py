"""What every command gets: the data directory, the chosen network, output mode."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliContext:
    home: Path
    network: str
    rpc: str | None
    as_json: bool
    offline: bool = False  # no command: open the app from the local store, no network
    # --network was given: the app opens on it; without it the app opens on the network saved
    # by Settings -> Network (commands always use ``network``, default demo)
    network_explicit: bool = False
